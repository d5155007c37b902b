""" "The leadership" on the supporter page, in Chromium on a phone.

Missouri's data names no leadership, so an overrides file written here gives
seven real Missouri legislators (picked from the raw Open States files) the
seven posts, *for the test only*, and is loaded as ``load-overrides`` loads it.
Who they are and how to reach them is read from the raw files, not the app.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from bot.campaigns.schema import Audience, Variant
from bot.directory.overrides import load_overrides
from bot.directory.people import Person
from bot.web import share
from tests.support import SHARED_DATA, make_campaign
from tests.web.conftest import BOTH, IMPORTED, NOW, Server, screenshot

SB792 = "mo-sb792-expungement"
#: The posts in the order the page shows them: the Senate, then the House, most senior first.
POSTS = (
    ("President Pro Tem", "upper"),
    ("Majority Floor Leader", "upper"),
    ("Minority Floor Leader", "upper"),
    ("Speaker", "lower"),
    ("Speaker Pro Tem", "lower"),
    ("Majority Floor Leader", "lower"),
    ("Minority Floor Leader", "lower"),
)


def _raw_missouri() -> list[dict[str, Any]]:
    folder = SHARED_DATA / "openstates" / "mo" / "legislature"
    return [yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yml"))]


def _current_role(person: dict[str, Any]) -> dict[str, Any] | None:
    for role in person["roles"]:
        end = role.get("end_date")
        if end is None or date.fromisoformat(str(end)) >= IMPORTED.date():
            return role
    return None


def _voice(person: dict[str, Any]) -> str | None:
    """The capitol office's phone, as the raw file writes it."""
    for office in person.get("offices") or []:
        if office.get("classification") == "capitol" and office.get("voice"):
            return str(office["voice"])
    return None


def missouri_leaders() -> list[dict[str, Any]]:
    """For each post, a distinct Missouri legislator in office who has a phone and an email."""
    people = [p for p in _raw_missouri() if _current_role(p) and _voice(p) and p.get("email")]
    taken: set[str] = set()
    found = []
    for title, chamber in POSTS:
        person = next(
            p for p in people if _current_role(p)["type"] == chamber and p["id"] not in taken
        )
        taken.add(person["id"])
        found.append(
            {
                "id": person["id"],
                "name": person["name"],
                "title": title,
                "chamber": "senate" if chamber == "upper" else "house",
                "phone": _voice(person),
                "email": person["email"],
            }
        )
    return found


@pytest.fixture
def leaders(app_server: Server, tmp_path: Path) -> list[dict[str, Any]]:
    """Missouri's leadership loaded from an overrides file, as ``load-overrides`` does."""
    found = missouri_leaders()
    path = tmp_path / "missouri-leadership.yaml"
    entries = [{"person": p["id"], "title": p["title"], "chamber": p["chamber"]} for p in found]
    path.write_text(yaml.safe_dump({"leadership": entries}))
    with app_server.db.session() as session:
        result = load_overrides(session, path, NOW)
    assert result.leadership == len(POSTS)
    return found


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def test_the_missouri_leadership_in_two_taps_with_calls_and_emails(
    phone, app_server: Server, leaders: list[dict[str, Any]]
) -> None:
    phone.goto(f"{app_server.url}/c/{SB792}")
    link = phone.get_by_role("link", name="Or contact the leadership of the Senate and the House")
    assert link.is_visible()
    assert link.bounding_box()["y"] + link.bounding_box()["height"] <= 844  # first screen
    link.tap()  # tap 1
    phone.wait_for_url(f"**/c/{SB792}/leadership")
    assert urlsplit(phone.url).path == f"/c/{SB792}/leadership"

    cards = phone.locator("li.leader")
    assert cards.evaluate_all("i => i.map(x => x.dataset.leaderId)") == [p["id"] for p in leaders]
    for index, leader in enumerate(leaders):
        card = cards.nth(index)
        text = card.inner_text()
        assert f"{index + 1} of {len(leaders)}" in text
        where = "Missouri Senate" if leader["chamber"] == "senate" else "Missouri House"
        assert f"{leader['title']}, {where}" in text
        assert leader["name"] in card.locator("h3").inner_text()
        call = card.locator("a.button.call")
        assert _digits(call.get_attribute("href")) == "1" + _digits(leader["phone"])[-10:]
        assert call.bounding_box()["height"] >= 44
        href = card.locator("a.button.email").get_attribute("href")
        address, _, query = href.removeprefix("mailto:").partition("?")
        assert address == leader["email"]
        fields = parse_qs(query)
        assert fields["subject"] == ["Please vote yes on SB 792"]
        body = fields["body"][0]
        assert f"As {leader['title']}, {where}, you decide" in body
        assert "constituent" not in body  # they are not the supporter's own legislator
        assert "SB 792" in card.locator("blockquote.script").inner_text()

    # posts: Missouri publishes no handles, so they are named, and the page says so
    note = phone.locator('section.leadership p.untagged[data-platform="x"]').inner_text()
    assert "without notifying them" in note and leaders[3]["name"] in note
    texts = phone.locator("section.leadership ol.ready.x .post-text").all_inner_texts()
    assert texts and not any("before your committee" in t for t in texts)

    # tap 2 would call: the link is a real tel: link the phone dials
    first = cards.nth(0)
    first.get_by_role("button", name="Busy or no answer").tap()
    phone.wait_for_url("**#lead-2")
    assert urlsplit(phone.url).path == f"/c/{SB792}/leadership"
    assert urlsplit(phone.url).fragment == "lead-2"
    assert "Thanks for calling" in phone.locator("#lead-1").inner_text()
    # no screenshot for docs/: these posts are the test's, not the people's real ones


def test_the_leadership_beside_my_own_legislators_after_the_address(
    phone, app_server: Server, leaders: list[dict[str, Any]]
) -> None:
    phone.goto(f"{app_server.url}/c/{BOTH}")
    phone.get_by_label("Street address").fill("201 W Capitol Ave")
    phone.get_by_label("City and state, or ZIP code").fill("Jefferson City, MO 65101")
    phone.get_by_role("button", name="Find my legislators").tap()
    phone.wait_for_url(f"**/c/{BOTH}/act?**")
    assert urlsplit(phone.url).path == f"/c/{BOTH}/act"
    assert phone.locator("li.person[data-person-id]").count() == 5  # their own, unchanged
    section = phone.locator("section.leadership")
    assert section.locator("h2").inner_text() == "The leadership"
    shown = section.locator("li.leader").evaluate_all("i => i.map(x => x.dataset.leaderId)")
    assert shown[: len(leaders)] == [p["id"] for p in leaders]
    # Congress's leaders follow, from congress-legislators' leadership_roles: the principal posts
    congress = shown[len(leaders) :]
    assert congress and all(not i.startswith("ocd-person/") for i in congress)
    titles = section.locator("li.leader .post-title").all_inner_texts()[len(leaders) :]
    assert all("U.S." in t for t in titles)
    assert not any("Vice Chair" in t or "Secretary" in t for t in titles)
    call = section.locator("li.leader").nth(0).locator("a.button.call")
    assert call.get_attribute("href").startswith("tel:+1573")


def test_no_leadership_link_where_nobody_is_known(phone, app_server: Server) -> None:
    """Without leadership entries Missouri has no leaders: no link, and the page says so."""
    phone.goto(f"{app_server.url}/c/{SB792}")
    assert phone.get_by_role("link", name="Or contact the leadership").count() == 0
    phone.goto(f"{app_server.url}/c/{SB792}/leadership")
    assert "We don't know this campaign's leadership yet" in phone.locator("main").inner_text()


def test_variants_for_the_leadership_are_offered_only_to_leaders() -> None:
    campaign = make_campaign(
        messages=[
            {"id": "all", "text": "{{ mentions }}, please pass it."},
            {
                "id": "leaders",
                "text": "{{ mentions }}: bring it to the floor.",
                "suits": ["leadership"],
            },
            {
                "id": "committee",
                "text": "{{ mentions }}: it is before your committee.",
                "suits": ["committee"],
            },
            {
                "id": "senate",
                "text": "{{ mentions }}: now it's the Senate's turn.",
                "suits": ["senate"],
            },
        ]
    )
    speaker = Person(
        id="p1", name="Pat Doe", title="Rep.", chamber="house", handles={"x": "PatDoe"}
    )
    senator = Person(id="p2", name="Sam Roe", title="Sen.", chamber="senate")

    def variants(people: list[Person], leaders: bool) -> set[str]:
        posts = share.ready_posts(
            campaign,
            people,
            instance="mastodon.social",
            page_url="https://e.org/c/x",
            leaders=leaders,
        )
        return {post.variant for post in posts["x"]}

    assert variants([speaker], leaders=True) == {"all", "leaders"}
    assert variants([senator], leaders=True) == {"all", "leaders", "senate"}
    assert variants([speaker], leaders=False) == {"all"}  # a supporter's own: unchanged
    leaders_only = Variant(id="v", text="x", suits=[Audience.LEADERSHIP])
    assert leaders_only.suits_leader("house") and not leaders_only.suits_constituents_of("house")


def test_the_leadership_pages_have_no_axe_violations(
    browser, app_server: Server, leaders: list[dict[str, Any]]
) -> None:
    from tests.web.test_supporter_a11y import _axe, _violations

    script = _axe()
    # the CSP (script-src 'self') would refuse the injected engine: bypassed for the audit only
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        problems = {}
        for path in (
            f"/c/{SB792}",
            f"/c/{SB792}/leadership",
            f"/c/{BOTH}/act?state=MO&us_house=3&senate=6&house=50&found=address",
        ):
            phone.goto(app_server.url + path)
            if found := _violations(phone, script):
                problems[path] = found
        assert problems == {}
    finally:
        context.close()


def _congress_holders(title: str) -> list[str]:
    """bioguide ids holding ``title`` today, from congress-legislators' ``leadership_roles``."""
    people = yaml.safe_load(
        (SHARED_DATA / "congress-legislators" / "legislators-current.yaml").read_text()
    )
    today = IMPORTED.date()
    return [
        p["id"]["bioguide"]
        for p in people
        for role in p.get("leadership_roles") or []
        if role["title"] == title
        and date.fromisoformat(str(role["start"])) <= today
        and ("end" not in role or date.fromisoformat(str(role["end"])) > today)
    ]


def test_congress_leadership_from_congress_legislators(phone, app_server: Server) -> None:
    phone.goto(f"{app_server.url}/c/us-s1693-online-trafficking")
    phone.get_by_role("link", name="Or contact the leadership of the Senate and the House").tap()
    phone.wait_for_url("**/leadership")
    shown = phone.locator("li.leader").evaluate_all("i => i.map(x => x.dataset.leaderId)")
    assert shown[:1] == _congress_holders("President Pro Tempore of the Senate")
    (speaker,) = _congress_holders("Speaker of the House")
    titles = phone.locator("li.leader .post-title").all_inner_texts()
    assert titles[shown.index(speaker)] == "Speaker of the House, U.S. House"
    assert not any("Vice Chair" in t or "Secretary" in t for t in titles)
    assert phone.locator("li.leader a.button.call").count() == len(shown)
    screenshot(phone, "supporter-leadership", max_height=2000)
