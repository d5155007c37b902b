"""Messages that fit the reader: the supporter page uses only variants that suit each legislator."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.campaigns.schema import Audience, Campaign
from bot.directory.people import Person
from bot.web.share import ready_posts
from tests.support import campaign_dict

SENATOR = Person(
    id="S", name="Ada Lovelace", title="Sen.", chamber="senate", handles={"x": "SenAda"}
)
REP = Person(id="R", name="Bo Diddley", title="Rep.", chamber="house", handles={"x": "RepBo"})


def _campaign() -> Campaign:
    return Campaign.model_validate(
        campaign_dict(
            messages=[
                {"id": "all", "text": "{{ mentions }}: please support {{ bill.identifier }}."},
                {
                    "id": "senate",
                    "text": "{{ mentions }}: it's the Senate's turn.",
                    "suits": ["senate"],
                },
                {
                    "id": "committee",
                    "text": "{{ mentions }}: it's before your committee.",
                    "suits": ["committee"],
                },
                {
                    "id": "leaders",
                    "text": "{{ mentions }}: schedule the vote.",
                    "suits": ["leadership"],
                },
            ],
            mentions_per_post=2,
        )
    )


def _variants(posts: dict) -> dict[str, set[str]]:  # type: ignore[type-arg]
    found: dict[str, set[str]] = {}
    for post in posts["x"]:
        found.setdefault(post.variant, set()).update(post.tagged)
    return found


def test_each_variant_goes_only_to_those_it_suits() -> None:
    posts = ready_posts(
        _campaign(), [SENATOR, REP], instance="mastodon.social", page_url="https://o.example/c/x"
    )
    assert _variants(posts) == {"all": {"@SenAda", "@RepBo"}, "senate": {"@SenAda"}}


def test_a_variant_for_a_role_is_never_offered_to_constituents() -> None:
    posts = ready_posts(
        _campaign(), [REP], instance="mastodon.social", page_url="https://o.example/c/x"
    )
    assert set(_variants(posts)) == {"all"}


def test_suits_defaults_to_everyone_and_rejects_what_it_does_not_know() -> None:
    assert _campaign().messages[0].suits == [Audience.EVERYONE]
    with pytest.raises(ValidationError, match="suits"):
        Campaign.model_validate(
            campaign_dict(messages=[{"id": "a", "text": "x", "suits": ["donors"]}])
        )
