"""The public supporter pages and the Atom feed, in headless Chromium.

Who a supporter's legislators are is computed here straight from the raw
reference data (congress-legislators, Open States), never through the app.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.support import SHARED_DATA, unavailable
from tests.web.conftest import IMPORTED, POSTED_X_ID, XSS_TEXT, Server, screenshot

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
S1693 = "us-s1693-online-trafficking"
SB792 = "mo-sb792-expungement"


def _load(path: Path) -> Any:
    with path.open("rb") as handle:
        return yaml.load(handle, Loader=_Loader)


def congress_members(state: str, district: int) -> dict[str, dict[str, Any]]:
    """bioguide → name, X handle, phone: the state's senators and that district's member."""
    folder = SHARED_DATA / "congress-legislators"
    social = {
        e["id"]["bioguide"]: e.get("social") or {}
        for e in _load(folder / "legislators-social-media.yaml")
    }
    found = {}
    for person in _load(folder / "legislators-current.yaml"):
        term = person["terms"][-1]
        if term["state"] != state:
            continue
        if term["type"] == "sen" or (term["type"] == "rep" and term.get("district") == district):
            bioguide = person["id"]["bioguide"]
            found[bioguide] = {
                "name": person["name"].get("official_full") or person["name"]["last"],
                "x": social.get(bioguide, {}).get("twitter"),
                "phone": term.get("phone"),
            }
    return found


def missouri_members(chamber: str, district: str) -> dict[str, str]:
    """ocd id → name of the Missouri legislator of that chamber and district, today."""
    today = IMPORTED.date()
    found = {}
    for path in sorted((SHARED_DATA / "openstates" / "mo" / "legislature").glob("*.yml")):
        person = _load(path)
        for role in person["roles"]:
            end = role.get("end_date")
            current = end is None or date.fromisoformat(str(end)) >= today
            if current and role["type"] == chamber and str(role["district"]) == district:
                found[person["id"]] = person["name"]
    return found


def _intent_texts(page, platform: str) -> list[str]:  # type: ignore[no-untyped-def]
    hrefs = page.locator(f'a.intent[data-platform="{platform}"]').evaluate_all(
        "links => links.map(a => a.href)"
    )
    return [parse_qs(urlsplit(h).query)["text"][0] for h in hrefs]


def _need_directory(server: Server) -> None:
    if not server.directory:
        unavailable(f"the supporter lookups need the reference data in {SHARED_DATA}")


def test_supporter_page_explains_the_bill_and_shares_what_went_out(phone, server: Server) -> None:
    phone.goto(server.url + f"/c/{S1693}")
    main = phone.locator("main")
    assert (
        phone.get_by_role("heading", level=1).inner_text().startswith("S 1693: close the loophole")
    )
    assert "Allows websites that knowingly help or promote sex trafficking" in main.inner_text()
    assert "It closes the loophole" in main.inner_text()
    reposts = phone.get_by_role("link", name="Repost on X").evaluate_all(
        "links => links.map(a => a.href)"
    )
    assert f"https://x.com/intent/retweet?tweet_id={POSTED_X_ID}" in reposts
    bluesky = phone.get_by_role("link", name="Quote on Bluesky")
    assert bluesky.get_attribute("href") == (
        "https://bsky.app/intent/compose?text="
        "https%3A%2F%2Fbsky.app%2Fprofile%2Fyourorg.bsky.social%2Fpost%2F3kxyz"
    )
    facebook = phone.get_by_role("link", name="Share on Facebook").first
    assert facebook.get_attribute("href").startswith(
        "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2F"
    )
    # only posts that really went out: three live ones, no held or dry-run post
    assert phone.locator("section[aria-labelledby=latest] li.post-card").count() == 3
    assert phone.locator('a[href^="javascript:"]').count() == 0
    # it fits a phone: nothing wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "supporter")


def test_post_it_yourself_tags_exactly_that_districts_legislators(
    page, server: Server, dialogs
) -> None:
    _need_directory(server)
    expected = congress_members("CO", 5)
    assert len(expected) == 3  # two senators and the member for CO-5
    handles = {m["x"].lower() for m in expected.values() if m["x"]}
    assert handles, "the reference data lists X handles for Colorado's members"

    page.goto(server.url + f"/c/{S1693}")
    page.get_by_label("Your state").select_option("CO")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("U.S. House (congressional) district").select_option("5")
    page.get_by_role("button", name="Show my legislators").click()
    page.wait_for_load_state()

    shown = set(
        page.locator("li.person").evaluate_all("items => items.map(i => i.dataset.personId)")
    )
    assert shown == set(expected)
    texts = _intent_texts(page, "x")
    assert len(texts) >= 4  # several versions, so supporters don't all post the same words
    assert len(set(texts)) == len(texts)
    tagged: set[str] = set()
    for text in texts:
        mentions = {m.lower() for m in re.findall(r"@(\w{1,15})", text)}
        assert mentions <= handles, text  # nobody outside the district
        tagged |= mentions
    assert tagged == handles  # and everyone in it who has a handle
    # the call list: their phones, and the campaign's script
    body = page.locator("main").inner_text()
    for member in expected.values():
        assert member["phone"] in body
    assert "I'm calling to ask the senator to support" in body
    assert dialogs.messages == []


def test_mastodon_links_open_on_the_supporters_own_server(page, server: Server) -> None:
    _need_directory(server)
    page.goto(server.url + f"/c/{S1693}/act?state=CO&us_house=5")
    default = page.locator('a.intent[data-platform="mastodon"]').first.get_attribute("href")
    assert default.startswith("https://mastodon.social/share?text=")
    page.get_by_label("Your Mastodon server").fill("https://hachyderm.io/@someone")
    page.get_by_role("button", name="Use it").click()
    page.wait_for_load_state()
    links = page.locator('a.intent[data-platform="mastodon"]')
    assert links.count() >= 1
    # the districts chosen are kept
    assert set(
        page.locator("li.person").evaluate_all("i => i.map(x => x.dataset.personId)")
    ) == set(congress_members("CO", 5))
    for href in links.evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith("https://hachyderm.io/share?text=")
    # what is not a server name is never used
    page.goto(server.url + f"/c/{S1693}/act?state=CO&us_house=5&instance=javascript:alert(1)")
    first = page.locator('a.intent[data-platform="mastodon"]').first.get_attribute("href")
    assert first.startswith("https://mastodon.social/share?text=")


def test_a_state_bill_asks_for_both_districts_and_names_those_legislators(
    phone, server: Server
) -> None:
    _need_directory(server)
    senators = missouri_members("upper", "10")
    representatives = missouri_members("lower", "10")
    assert len(senators) == 1 and len(representatives) == 1
    phone.goto(server.url + f"/c/{SB792}")
    # Missouri's bill: the state is known; the Senate and House districts are asked
    phone.get_by_label("Missouri Senate district").select_option("10")
    phone.get_by_label("Missouri House district").select_option("10")
    phone.get_by_role("button", name="Show my legislators").click()
    phone.wait_for_load_state()
    shown = set(
        phone.locator("li.person").evaluate_all("items => items.map(i => i.dataset.personId)")
    )
    assert shown == set(senators) | set(representatives)
    texts = _intent_texts(phone, "x")
    assert texts
    names = [*senators.values(), *representatives.values()]
    for text in texts:
        assert "@" not in text  # Missouri publishes no handles: named, never tagged
        assert any(name in text for name in names), text
    assert all(any(name in t for t in texts) for name in names)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "post-it-yourself")


def test_atom_feed_lists_only_posted_posts_as_text(page, server: Server) -> None:
    response = page.request.get(server.url + f"/c/{S1693}/feed.atom")
    assert response.ok
    assert response.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(response.body())
    entries = root.findall("a:entry", ns)
    contents = [e.find("a:content", ns).text for e in entries]
    assert len(entries) == 3
    assert contents[0] == XSS_TEXT  # the newest, and its HTML is text
    links = [link.get("href") for e in entries for link in e.findall("a:link", ns)]
    assert all(href.startswith("https://") for href in links)  # never javascript:
    assert len({e.find("a:id", ns).text for e in entries}) == 3
    # a campaign with only dry runs has an empty feed
    empty = ET.fromstring(page.request.get(server.url + f"/c/{SB792}/feed.atom").body())
    assert empty.findall("a:entry", ns) == []


def test_unknown_and_disabled_campaigns_are_not_found(page, server: Server) -> None:
    assert page.goto(server.url + "/c/no-such-campaign").status == 404
    assert page.request.get(server.url + "/c/no-such-campaign/feed.atom").status == 404
