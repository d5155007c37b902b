"""build_person: the one way a Person is made, whatever the data came from."""

from __future__ import annotations

from types import SimpleNamespace

from bot.directory.layers import HandleInfo
from bot.directory.people import build_person, details_of


def test_every_value_is_checked_and_withheld_handles_stay_out() -> None:
    row = SimpleNamespace(
        title="Sen.",
        state="MO",
        phone="not a phone",
        email="office@senate.mo.gov?bcc=harvest@evil.example",
        contact_form="https://hawley.senate.gov/contact",
        jurisdiction="us",
        unrelated="ignored",
    )
    handles = {
        "x": HandleInfo("x", "@HawleyMO", "congress-legislators"),
        "facebook": HandleInfo("facebook", "SenX DONATE https://scam.example", "openstates"),
        "bluesky": HandleInfo("bluesky", "hawley.bsky.social", "set-handle"),
        "mastodon": HandleInfo("mastodon", None, "set-handle"),
    }
    person = build_person(
        "H001089", "Josh Hawley", details_of(row), handles, {"bluesky": "do-not-tag: asked"}
    )
    assert person.handles == {"x": "HawleyMO"}
    assert person.handle_sources == {"x": "congress-legislators"}
    assert person.untagged == {"bluesky": "do-not-tag: asked"}
    assert (person.phone, person.email) == (None, None)
    assert person.contact_form == "https://hawley.senate.gov/contact"
    assert (person.title, person.state, person.jurisdiction, person.party) == (
        "Sen.",
        "MO",
        "us",
        None,
    )
    assert person.display_name == "Sen. Josh Hawley"
