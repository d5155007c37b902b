"""The seven supporter jobs, end to end on a phone, each in at most three taps.

Issue 15's bar: in Chromium on a 390 × 844 phone, from the campaign page, every
job the organisation asks of its supporters is done in **at most three taps
after entering an address**. "Entering an address" is typing the street and
the city (or ZIP code) and pressing *Find my legislators*; a tap is then any
press of a link or button (typing into a field is not one, scrolling is not
one). Each test presses through the real app (served on 127.0.0.1 with the
fake Census geocoder of ``tests/fakes/geocoder.py`` and a real SMTP server),
counts its taps and asserts the count.

Every request the browser makes is recorded: from a supporter page, each must
go to the app's own origin. The only other requests allowed are the
navigations a supporter starts by pressing a "Post on ..." or "Repost" link,
which open the platform they chose in a new tab (answered here by a stub, so
nothing leaves the machine). The geocoder is asked by the server, never by
the browser; the fake records that it was asked exactly once per lookup.

One app, one geocoder and one mail server serve the whole module (a fresh
browser context per test keeps cookies apart). The screenshots of the flow in
docs/screenshots/ (``flow-*.png``) are taken here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.config import Settings
from bot.store.db import Database
from bot.web.outcomes import CallOutcome
from tests.fakes.geocoder import CAPITOL, FakeGeocoder, missouri_example
from tests.notify.conftest import SMTPServer, smtp_env, smtp_server
from tests.web.conftest import (
    ARTIFACTS,
    BOTH,
    NO_PHOTOS,
    NOW,
    PASSWORD,
    SCREENSHOTS,
    Seeded,
    Server,
    _campaigns,
    serving,
)
from tests.web.test_supporter import congress_members, missouri_members

MAX_TAPS = 3
PHONE = {"width": 390, "height": 844}
SECRET = "test-secret-key-for-signed-links"
REPOST_ID = "1833333333333333333"
#: Where the "Post on ..." and "Repost" links lead (opened in a new tab, by the supporter's tap).
PLATFORM_HOSTS = {"x.com", "bsky.app", "mastodon.social", "www.facebook.com"}


# -- one app for the module ------------------------------------------------------------------


@pytest.fixture(scope="module")
def geocoder() -> Iterator[FakeGeocoder]:
    fake = missouri_example(FakeGeocoder()).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def mailbox() -> Iterator[SMTPServer]:
    with smtp_server() as server:
        yield server


def _bots_post(db: Database) -> None:
    """A post the bot made for the campaign (an X post, live), for supporters to repost."""
    from bot.compose.plan import post_key, text_hash
    from bot.store.models import Post

    text = "Missouri: SB 792 lets survivors clear records of crimes they were forced into."
    when = NOW - timedelta(hours=3)
    with db.session() as session:
        session.add(
            Post(
                key=post_key("x", "default", BOTH, "mo/2026/SB 792", [], text),
                created_at=when,
                scheduled_for=when,
                updated_at=when,
                mode="live",
                campaign_id=BOTH,
                bill="mo/2026/SB 792",
                platform="x",
                account="default",
                variant="why",
                text=text,
                text_hash=text_hash(text),
                length=len(text),
                status="posted",
                remote_id=REPOST_ID,
                remote_url=f"https://x.com/yourorg/status/{REPOST_ID}",
                attempt_count=1,
            )
        )


@pytest.fixture(scope="module")
def site(
    seeded: Seeded,
    tmp_path_factory: pytest.TempPathFactory,
    geocoder: FakeGeocoder,
    mailbox: SMTPServer,
) -> Iterator[Server]:
    """The real app, its geocoder the fake and its mail server the local one; sign-ups on."""
    from bot.web.app import WebConfig, create_app

    if not seeded.directory:
        pytest.skip("the supporter jobs need the reference data in ../shared/data")
    folder = tmp_path_factory.mktemp("jobs")
    path = folder / "log.db"
    shutil.copy(seeded.path, path)
    campaigns = _campaigns(folder / "campaigns")
    db = Database(f"sqlite:///{path}", migrate=False)
    _bots_post(db)

    def app_for(url: str):  # type: ignore[no-untyped-def]
        settings = Settings.load(
            environ={
                "DATABASE_URL": f"sqlite:///{path}",
                "CAMPAIGNS_DIR": str(campaigns),
                "GEOCODER_URL": geocoder.url,
                **NO_PHOTOS,
                **smtp_env(mailbox),
                "UPDATES_FROM": "updates@example.org",
                "UPDATES_SITE_URL": url,
                "ORG_NAME": "Survivors' Network",
            },
            dotenv=False,
        )
        config = WebConfig(
            settings=settings,
            password=PASSWORD,
            campaigns_dir=campaigns,
            clock=FrozenClock(NOW),
            secret_key=SECRET,
        )
        return create_app(db, config)

    try:
        with serving(app_for) as url:
            yield Server(url, db, seeded.ids, seeded.directory)
    finally:
        db.dispose()


# -- the supporter: their phone, their taps, every request -----------------------------------


@dataclass
class Supporter:
    """One supporter's phone: the tab they use, the taps they made, what the browser asked."""

    page: Any
    site: Server
    taps: int = 0
    requests: list[tuple[bool, bool, str]] = field(default_factory=list)
    """(from the supporter's own tab, a navigation, URL) for every request."""
    opened: list[str] = field(default_factory=list)
    """Addresses the tabs a tap opened went to (a platform's page: stubbed)."""

    def tap(self, target: Any) -> None:
        """Press a link or button (scrolling it into view first, as a thumb would)."""
        target.click()
        self.taps += 1

    def tap_to_open(self, link: Any) -> str:
        """Press a link that opens another tab (a platform's page); where it went."""
        with self.page.context.expect_page() as opening:
            self.tap(link)
        tab = opening.value
        tab.wait_for_load_state()
        address = str(tab.url)
        self.opened.append(address)
        tab.close()
        return address

    def tap_outside(self, link: Any) -> str:
        """A ``tel:`` or ``mailto:`` link: the phone's dialler or mail app takes it over.

        Headless Chromium has neither, so the tap is counted and the address it
        hands over returned (the page must not move).
        """
        href = str(link.get_attribute("href"))
        before = self.page.url
        link.evaluate("a => a.addEventListener('click', e => e.preventDefault(), {once: true})")
        self.tap(link)
        assert self.page.url == before
        return href

    def enter_address(
        self, street: str = "201 W Capitol Ave", place: str = "Jefferson City, MO 65101"
    ) -> None:
        """The campaign page, the call to action, the address typed and *Find* pressed.

        This is the "entering an address" the taps are counted after.
        """
        self.page.goto(self.site.url + f"/c/{BOTH}")
        first_screen = self.page.get_by_role("link", name="Call, email or post to your legislators")
        assert _on_first_screen(first_screen), "the call to action is on the first phone screen"
        first_screen.click()
        self.page.get_by_label("Street address").fill(street)
        self.page.get_by_label("City and state, or ZIP code").fill(place)
        self.page.get_by_role("button", name="Find my legislators").click()
        self.page.wait_for_load_state()
        assert "/act?" in self.page.url
        self.taps = 0

    def third_party(self) -> list[str]:
        """Requests from a supporter page to anywhere but the app (should be none)."""
        origin = self.site.url
        found = []
        for own_tab, navigation, url in self.requests:
            parts = urlsplit(url)
            if url.startswith(origin + "/") or parts.scheme in ("data", "blob", "about"):
                continue
            if not own_tab and navigation and parts.hostname in PLATFORM_HOSTS:
                continue  # the platform the supporter chose, in the tab their tap opened
            found.append(url)
        return found


def _on_first_screen(locator: Any) -> bool:
    """Whether ``locator`` is wholly inside the first phone screen (no scrolling)."""
    box = locator.bounding_box()
    scrolled = locator.page.evaluate("window.scrollY")
    return (
        bool(box)
        and scrolled == 0
        and box["y"] >= 0
        and box["y"] + box["height"] <= PHONE["height"]
    )


@pytest.fixture
def supporter(browser, site: Server) -> Iterator[Supporter]:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    person = Supporter(tab, site)

    def on_request(request) -> None:  # type: ignore[no-untyped-def]
        navigation = request.is_navigation_request()
        try:
            own = request.frame.page is tab
        except Exception:  # no frame yet: a new tab's first page (or a worker's request)
            own = not navigation
        person.requests.append((own, navigation, request.url))

    def elsewhere(route) -> None:  # type: ignore[no-untyped-def]
        # Nothing leaves the machine: another site's page is a stub (and recorded above).
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>x</title>")

    context.on("request", on_request)
    context.route(lambda url: not url.startswith(site.url + "/"), elsewhere)
    try:
        yield person
        assert person.third_party() == [], "a supporter page loaded something from elsewhere"
    finally:
        context.close()


def first_screen(page: Any, name: str) -> None:
    """Save what the phone's screen shows now (docs/screenshots/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / f"{name}.png")


def _cards(page: Any) -> Any:
    return page.locator("li.person[data-person-id]")


def _counted(site: Server, person_id: str) -> dict[str, int]:
    with site.db.session() as session:
        rows = session.scalars(
            select(CallOutcome).where(
                CallOutcome.campaign_id == BOTH, CallOutcome.person_id == person_id
            )
        )
        return {row.outcome: row.count for row in rows}


# -- the seven jobs --------------------------------------------------------------------------


def test_1_look_up_my_legislators(supporter: Supporter, geocoder: FakeGeocoder) -> None:
    page = supporter.page
    supporter.page.goto(supporter.site.url + f"/c/{BOTH}")
    first_screen(page, "flow-1-campaign")
    asked = len(geocoder.requests)
    supporter.enter_address()
    # the server asked the geocoder, once, for exactly what was typed
    assert len(geocoder.requests) == asked + 1
    assert geocoder.requests[-1].query["address"] == "201 W Capitol Ave, Jefferson City, MO 65101"
    congress = congress_members("MO", 3)
    (senator,) = missouri_members("upper", "6")
    (representative,) = missouri_members("lower", "50")
    ids = _cards(page).evaluate_all("cards => cards.map(c => c.dataset.personId)")
    assert len(ids) == 5
    assert set(ids[:3]) == set(congress) and ids[3:] == [senator, representative]
    assert CAPITOL.split(",")[0] not in page.content()  # the address is nowhere on the page
    where = urlsplit(page.url)
    assert "201" not in where.path + where.query and "Capitol" not in where.query  # nor the URL
    first_screen(page, "flow-2-your-legislators")
    assert supporter.taps == 0 <= MAX_TAPS


def test_2_call_a_legislator_with_their_name_in_the_script(supporter: Supporter) -> None:
    supporter.enter_address()
    first = _cards(supporter.page).nth(0)
    call = first.locator("a.button.call")
    assert _on_first_screen(call), "the first legislator's Call button is on the first screen"
    name = first.locator("h3").inner_text().split(" (")[0]
    script = first.locator("blockquote.script").inner_text()
    assert script == f"Hello, I'm calling for {name}: please support S 1693."
    href = supporter.tap_outside(call)
    assert href.startswith("tel:+1") and len(href.removeprefix("tel:+1")) == 10
    assert supporter.taps == 1 <= MAX_TAPS


def test_3_say_how_the_call_went_then_the_next_legislator(supporter: Supporter) -> None:
    supporter.enter_address()
    page = supporter.page
    first = _cards(page).nth(0)
    person = str(first.get_attribute("data-person-id"))
    supporter.tap_outside(first.locator("a.button.call"))
    supporter.tap(first.get_by_role("button", name="Talked to someone"))
    page.wait_for_load_state()
    assert _counted(supporter.site, person) == {"reached": 1}
    # back at the next legislator, whose Call button is one tap away
    assert urlsplit(page.url).fragment == "leg-2"
    second = page.locator("#leg-2")
    assert "2 of 5" in second.inner_text()
    box = second.locator("a.button.call").bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]  # on screen
    first_screen(page, "flow-3-next-legislator")
    supporter.tap_outside(second.locator("a.button.call"))
    assert supporter.taps == 3 <= MAX_TAPS


def test_4_email_a_legislator_or_copy_the_message(supporter: Supporter) -> None:
    supporter.enter_address()
    page = supporter.page
    card = _cards(page).nth(3)  # the state senator: an email address in the data
    href = supporter.tap_outside(card.locator("a.button.email"))
    address, _, query = href.removeprefix("mailto:").partition("?")
    assert address.endswith("@senate.mo.gov")
    fields = parse_qs(query)
    assert fields["subject"] == ["Please vote yes on SB 792"]
    assert fields["body"][0].startswith("Dear Sen. ")
    # or copy the message (for another mail app): two more taps
    supporter.tap(card.locator("details.message summary"))
    supporter.tap(card.get_by_role("button", name="Copy text"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == card.locator(".email-body").text_content()
    assert unquote(query.split("&body=")[1]).replace("\r\n", "\n") == copied
    card.evaluate("e => e.scrollIntoView()")
    first_screen(page, "flow-4-email")
    assert supporter.taps == 3 <= MAX_TAPS


def test_5_contact_the_leadership(supporter: Supporter) -> None:
    supporter.enter_address()
    page = supporter.page
    supporter.tap(
        page.get_by_role("navigation", name="On this page").get_by_role(
            "link", name="The leadership"
        )
    )
    assert urlsplit(page.url).fragment == "leadership"
    leader = page.locator("li.leader[data-leader-id]").first
    person = str(leader.get_attribute("data-leader-id"))
    title = leader.locator(".post-title").inner_text()
    assert "Senate" in title
    name = leader.locator("h3").inner_text().split(" (")[0]
    assert name in leader.locator("blockquote.script").inner_text()
    supporter.tap_outside(leader.locator("a.button.call"))
    supporter.tap(leader.get_by_role("button", name="Left a voicemail"))
    page.wait_for_load_state()
    assert _counted(supporter.site, person) == {"voicemail": 1}
    assert urlsplit(page.url).fragment == "lead-2"
    first_screen(page, "flow-5-leadership")
    assert supporter.taps == 3 <= MAX_TAPS


def _opened_text(address: str) -> str:
    return parse_qs(urlsplit(address).query)["text"][0]


def test_6_post_to_them_on_each_platform(supporter: Supporter) -> None:
    supporter.enter_address()
    page = supporter.page
    congress = congress_members("MO", 3)
    handles = {m["x"] for m in congress.values() if m["x"]}
    assert handles

    # X: the intent tags their handles
    supporter.tap(
        page.get_by_role("navigation", name="On this page").get_by_role(
            "link", name="Post it yourself"
        )
    )
    opened = supporter.tap_to_open(page.locator('a.intent[data-platform="x"]').first)
    assert opened.startswith("https://x.com/intent/post?")
    text = _opened_text(opened)
    assert any(f"@{h}" in text for h in handles)
    assert supporter.taps == 2 <= MAX_TAPS

    for platform, start in (
        ("bluesky", "https://bsky.app/intent/compose?"),
        ("mastodon", "https://mastodon.social/share?"),
    ):
        supporter.taps = 0
        link = page.locator(f'a.intent[data-platform="{platform}"]').first
        opened = supporter.tap_to_open(link)
        assert opened.startswith(start)
        assert _opened_text(opened) == page.locator(f"#text-{platform}-1").text_content()
        assert supporter.taps == 1 <= MAX_TAPS

    # Facebook cannot pre-fill: copy the text, then share the campaign page (or their page)
    supporter.taps = 0
    post = page.locator("section[aria-labelledby=post] ol.ready.facebook li.post-card").first
    supporter.tap(post.get_by_role("button", name="Copy text"))
    assert (
        page.evaluate("navigator.clipboard.readText()")
        == page.locator("#text-facebook-1").text_content()
    )
    opened = supporter.tap_to_open(post.locator('a.intent[data-platform="facebook"]'))
    assert opened.startswith("https://www.facebook.com/sharer/sharer.php?")
    assert parse_qs(urlsplit(opened).query)["u"] == [supporter.site.url + f"/c/{BOTH}"]
    assert supporter.taps == 2 <= MAX_TAPS
    pages = page.locator("p.facebook-pages a")
    assert pages.count() >= 1
    assert str(pages.first.get_attribute("href")).startswith("https://www.facebook.com/")
    page.locator("#post").evaluate("e => e.scrollIntoView()")
    first_screen(page, "flow-6-post")
    assert len(supporter.opened) == 4


def test_7_sign_up_for_updates_with_double_opt_in(
    supporter: Supporter, mailbox: SMTPServer
) -> None:
    from tests.web.test_signup import _link

    supporter.enter_address()
    page = supporter.page
    mailbox.messages.clear()
    form = page.locator("#signup-form")
    form.get_by_label("Your email address").fill("jobs@example.org")
    supporter.tap(form.get_by_role("button", name="Send me updates"))
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    (received,) = mailbox.messages
    assert received.rcpt_tos == ["jobs@example.org"]
    # the link in the email, opened in the same browser: a tap in the mail app
    link = _link(received.message, supporter.site.url + "/updates/confirm/")
    page.goto(link)
    supporter.taps += 1
    supporter.tap(page.get_by_role("button", name="Confirm"))
    expect(page.get_by_role("heading", name="You're subscribed")).to_be_visible()
    first_screen(page, "flow-7-subscribed")
    from bot.store.subscribers import Subscriber

    with supporter.site.db.session() as session:
        row = session.scalars(
            select(Subscriber).where(Subscriber.email == "jobs@example.org")
        ).one()
        assert (row.status, row.campaign_id) == ("confirmed", BOTH)
    assert supporter.taps == 3 <= MAX_TAPS


def test_8_repost_the_bots_posts(supporter: Supporter) -> None:
    supporter.enter_address()
    page = supporter.page
    supporter.tap(page.get_by_role("link", name=f"← {_title(page)}"))
    opened = supporter.tap_to_open(page.get_by_role("link", name="Repost on X").first)
    assert opened == f"https://x.com/intent/retweet?tweet_id={REPOST_ID}"
    assert supporter.taps == 2 <= MAX_TAPS


def _title(page: Any) -> str:
    found = page.locator("main > p a").first.inner_text()
    return str(found).removeprefix("← ")


# -- nothing from elsewhere, on any supporter page -------------------------------------------


def test_no_supporter_page_loads_anything_from_elsewhere(supporter: Supporter) -> None:
    """The pages not walked through above (each test's own pages are checked as it ends)."""
    page = supporter.page
    base = supporter.site.url
    for path in (
        "/",
        f"/c/{BOTH}",
        f"/c/{BOTH}/leadership",
        f"/c/{BOTH}/act?state=MO&us_house=3&senate=6&house=50",
        f"/c/{BOTH}/feed.atom",
        "/updates",
        f"/c/{BOTH}?lookup=no_match",
    ):
        page.goto(base + path)
        page.wait_for_load_state()
    loaded = [url for own, _nav, url in supporter.requests if own]
    assert any(url.endswith(".css") for url in loaded)
    assert supporter.third_party() == []


def test_the_check_would_catch_a_request_to_elsewhere(supporter: Supporter) -> None:
    """The recorder flags what the supporter's own tab asks of another site.

    (A ``<link>`` to a font elsewhere, added to a page, is refused by the CSP before any
    request: the recorder would see nothing, which is the point of the CSP.)
    """
    page = supporter.page
    page.goto(supporter.site.url + f"/c/{BOTH}")
    page.goto("https://fonts.example.net/font.css")
    assert supporter.third_party() == ["https://fonts.example.net/font.css"]
    supporter.requests.clear()
