"""Campaign files: bill identity for Congress, bill-role selectors and steps."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.bills.ident import BillRef, bill_matches
from bot.campaigns.errors import CampaignLoadError
from bot.campaigns.loader import load_campaign
from bot.campaigns.schema import Bill
from bot.directory.selectors import Selector
from tests.support import campaign_dict, make_campaign, write_campaign


def bill(**fields: object) -> Bill:
    return Bill.model_validate({"jurisdiction": "us", "session": "117", "title": "x", **fields})


def test_congress_identity_is_derived() -> None:
    hr = bill(identifier="H.R. 21")
    assert (hr.identifier, hr.congress, hr.type, hr.number, hr.key) == (
        "HR 21",
        117,
        "hr",
        21,
        "us/117/HR 21",
    )
    assert bill(identifier="S 1693", session=115).type == "s"
    assert bill(identifier="H.J.Res. 7").type == "hjres"
    assert bill(identifier="S 1693", congress=117, type="S", number=1693).type == "s"
    state = Bill(jurisdiction="mo", session="2026", identifier="SB 792", title="x")
    assert (state.congress, state.type, state.number) == (None, None, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"identifier": "SB 5"}, "'SB' is not a kind of Congress bill; use one of HR, S"),
        ({"identifier": "S 5", "session": "2026b"}, "for Congress, session is the congress number"),
        ({"identifier": "S 5", "number": 6}, "number 6 does not match session '117'"),
        (
            {"identifier": "S 5", "jurisdiction": "mo", "congress": 117},
            "for bills of Congress only",
        ),
    ],
)
def test_congress_identity_errors(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        bill(**fields)


def test_bill_refs_and_matching() -> None:
    assert BillRef.from_key("us/117/hr21").congress_path == "bill/117/hr/21"
    assert BillRef.parse("mo", "2026", "sb792").key == "mo/2026/SB 792"
    assert bill_matches("S 1693", "us/115/S 1693")
    assert bill_matches("s1693", "us/115/S 1693")
    assert bill_matches("US/115/S 1693", "us/115/S 1693")
    assert not bill_matches("HR 1693", "us/115/S 1693")
    with pytest.raises(ValueError, match="not a bill key"):
        BillRef.from_key("S 1693")


def test_bill_role_selectors() -> None:
    selector = Selector.model_validate({"bill_role": "committee of referral", "party": "R"})
    assert selector.bill_role == ("committee_of_referral",)
    assert selector.describe() == "party: Republican, bill_role: committee_of_referral"
    both = Selector.model_validate({"bill_role": ["sponsors", "cosponsors"], "bill": "S 1693"})
    assert both.keys() == ["bill_role", "bill"]
    with pytest.raises(ValidationError, match="'leaders' is not a bill role; use sponsors"):
        Selector.model_validate({"bill_role": "leaders"})
    with pytest.raises(ValidationError, match="'bill' needs a 'bill_role'"):
        Selector.model_validate({"bill": "S 1693", "state": "MO"})


def test_a_selector_must_name_one_of_the_campaigns_bills() -> None:
    make_campaign(targets={"select": [{"bill_role": "sponsors", "bill": "s1693"}]})
    with pytest.raises(ValidationError, match="names bill 'HR 1', which is not one of"):
        make_campaign(targets={"select": [{"bill_role": "sponsors", "bill": "HR 1"}]})


def steps(*items: dict) -> dict:
    return campaign_dict(steps=list(items))


def test_steps_are_checked() -> None:
    good = make_campaign(
        steps=[
            {"on": "referred", "targets": {"select": [{"bill_role": "committee_of_referral"}]}},
            {
                "on": "hearing scheduled",
                "post": {
                    "when": "day_before",
                    "time": "08:30",
                    "text": "{{ event.date }}: {{ mentions }}",
                },
            },
            {"on": ["signed", "passed"], "post": {"text": "Thanks {{ names }}"}, "stop": True},
            {"id": "end", "on": ["failed", "withdrawn"], "stop": True, "max_age": "2d"},
            {"on": "passed a chamber", "messages": ["a"]},
        ]
    )
    assert [s.name for s in good.steps] == [
        "referred",
        "hearing",
        "signed+passed",
        "end",
        "passed_chamber",
    ]
    assert good.steps[1].post.time.hour == 8  # type: ignore[union-attr]
    assert good.steps[3].max_age.days == 2


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"on": "signd", "stop": True}, "'signd' is not a bill event; use referred, hearing"),
        ({"on": "passed"}, "a step needs at least one of 'targets', 'messages', 'post' or 'stop'"),
        (
            {"on": "passed", "post": {"text": "x", "when": "day_before"}},
            "use it with 'on: hearing'",
        ),
        ({"on": "passed", "post": {"text": "{{ senator }}"}}, "the text uses senator"),
        (
            {"on": "passed", "post": {"text": "{{ bill.parse_raw('x') }}"}},
            r"calls bill.parse_raw\(...\): calls are not available",
        ),
        ({"on": "passed", "post": {"text": "{{ bill.title|center(9) }}"}}, "center"),
        ({"on": "passed", "messages": ["nope"]}, "names messages that do not exist: nope"),
        ({"on": "passed", "stop": True, "max_age": 3}, "is not a duration"),
    ],
)
def test_step_errors(step: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_campaign(steps=[step])


def test_two_steps_need_different_ids() -> None:
    with pytest.raises(ValidationError, match="repeated: passed"):
        make_campaign(steps=[{"on": "passed", "stop": True}, {"on": "passed", "stop": True}])


def test_steps_in_a_file_with_a_bare_on_key(tmp_path: Path) -> None:
    """YAML 1.1 reads a bare ``on:`` as the boolean true; steps still understand it."""
    data = campaign_dict()
    text = write_campaign(tmp_path, data).read_text()
    good = text + (
        "steps:\n"
        "  - id: committee\n"
        "    on: referred\n"
        "    targets: {select: [{bill_role: committee_members_not_cosponsoring}]}\n"
        "  - {on: [failed, withdrawn], stop: true}\n"
    )
    path = tmp_path / "good.yaml"
    path.write_text(good)
    steps = load_campaign(path).campaign.steps
    assert [(s.name, s.on) for s in steps] == [
        ("committee", ("referred",)),
        ("failed+withdrawn", ("failed", "withdrawn")),
    ]
    bad = text + "steps:\n  - on: referred\n    stop: true\n  - on: sined\n    stop: true\n"
    path.write_text(bad)
    with pytest.raises(CampaignLoadError) as caught:
        load_campaign(path)
    [error] = caught.value.errors
    assert "steps[1].on: 'sined' is not a bill event. Fix: use referred, hearing" in str(error)
    line = next(n for n, row in enumerate(bad.splitlines(), 1) if "sined" in row)
    assert str(error).startswith(f"{path}:{line}: steps[1].on:")


def test_stop_on_names_events_and_says_which_exist() -> None:
    assert make_campaign().stop_on is None  # the default: signed, veto_upheld, withdrawn
    campaign = make_campaign(stop_on=["became-law", "failed", "Reported unfavorably"])
    assert campaign.stop_on == (
        "signed",
        "failed_vote",
        "failed_committee",
        "reported_unfavorably",
    )
    assert make_campaign(stop_on=[]).stop_on == ()
    assert make_campaign(stop_on="withdrawn").stop_on == ("withdrawn",)
    with pytest.raises(ValidationError, match="'died' is not a bill event; use referred, "):
        make_campaign(stop_on=["died"])
    with pytest.raises(ValidationError, match="give a list of bill events"):
        make_campaign(stop_on=3)


def test_failed_in_on_keeps_the_step_name_and_means_both_failures() -> None:
    campaign = make_campaign(steps=[{"on": ["failed", "withdrawn"], "stop": True}])
    [step] = campaign.steps
    assert step.name == "failed+withdrawn"  # the name its firings were recorded under
    assert step.events == ("failed_vote", "failed_committee", "withdrawn")
