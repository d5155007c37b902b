"""The selector language as campaign files write it (no database)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.campaigns.schema import TargetsSpec
from bot.directory import normalize
from bot.directory.selectors import Selector


def test_scalars_become_lists_and_values_are_normalised() -> None:
    selector = Selector.model_validate(
        {"jurisdiction": "US", "chamber": "upper", "state": "mo", "district": 3, "party": "GOP"}
    )
    assert selector.jurisdiction == ("us",)
    assert selector.chamber == ("senate",)
    assert selector.state == ("MO",)
    assert selector.district == ("3",)
    assert selector.party == ("R",)
    assert (
        selector.describe()
        == "jurisdiction: us, chamber: senate, state: MO, district: 3, party: Republican"
    )


def test_committee_keys() -> None:
    selector = Selector.model_validate(
        {"committee": ["SSJU", "HSJU"], "role": ["Chairman", "ranking"], "subcommittees": True}
    )
    assert selector.role == ("chair", "ranking member")
    assert (
        selector.describe()
        == "committee: [SSJU, HSJU], subcommittees: true, role: [chair, ranking member]"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "a selector needs at least one key"),
        ({"role": "chair"}, "'role' and 'subcommittees' need a 'committee'"),
        ({"state": "XX"}, "'XX' is not a state"),
        ({"jurisdiction": "usa"}, "is not a jurisdiction"),
        ({"chamber": "council"}, "is not a chamber"),
        ({"committee": "SSJU", "role": "boss"}, "is not a committee role"),
        ({"people": []}, "'people' is an empty list"),
        ({"comittee": "SSJU"}, "Extra inputs are not permitted"),
    ],
)
def test_mistakes_are_explained(data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Selector.model_validate(data)


def test_targets_may_be_selectors_only() -> None:
    spec = TargetsSpec.model_validate(
        {"select": [{"committee": "SSJU"}], "exclude": [{"party": "D"}]}
    )
    assert spec.select[0].committee == ("SSJU",)
    assert spec.exclude[0].party == ("D",)  # the family: every Democratic label
    with pytest.raises(ValidationError, match="at least one of 'people', 'roster' or 'select'"):
        TargetsSpec.model_validate({"exclude": [{"party": "D"}]})


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Senate Committee on the Judiciary", "senate judiciary"),
        ("Committee on Ways & Means", "ways and means"),
        (
            "Agriculture, Food Production and Outdoor Resources",
            "agriculture food production and outdoor resources",
        ),
        ("Gaming Select", "gaming"),
    ],
)
def test_committee_keys_ignore_wording(name: str, key: str) -> None:
    assert normalize.committee_key(name) == key


def test_roles_from_sources() -> None:
    titles = [
        "Chairman",
        "Chairwoman",
        "Chair",
        "Vice Chair",
        "Vice Chairman",
        "Ranking Member",
        "ranking democratic member",
        "Ex Officio",
        "Cochairman",
        "co-chair",
        None,
        "member",
    ]
    assert [normalize.role(t) for t in titles] == [
        "chair", "chair", "chair", "vice chair", "vice chair", "ranking member",
        "ranking member", "ex officio", "co-chair", "co-chair", "member", "member",
    ]  # fmt: skip


def test_titles() -> None:
    assert normalize.title("senate", "MO", "us") == "Sen."
    assert normalize.title("house", "MO", "us") == "Rep."
    assert normalize.title("house", "DC", "us") == "Del."
    assert normalize.title("house", "PR", "us") == "Res. Comm."
    assert normalize.title("house", "MO", "mo") == "Rep."
    assert normalize.title("house", "CA", "ca") == "Asm."
    assert normalize.title("legislature", "NE", "ne") == "Sen."
