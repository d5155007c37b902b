"""The web app, served for real on 127.0.0.1, and headless Chromium to drive it.

A post log is built once per session by the real pipeline (the example
campaigns planned and dry-run published on several days, with the
legislator directory imported from ``../shared/data``), plus a few rows only
a live run makes (posted, failed, unknown; one whose text is HTML). Each test
gets its own copy of that database and its own server, so tests that approve
or pause never affect others.

Browser tests need Debian's ``chromium`` (``/usr/bin/chromium``; ``scripts/test``
installs it) and the ``playwright`` package; without them they skip, saying so.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.clock import FrozenClock
from bot.config import Mode, Settings
from bot.store.db import Database
from tests.support import ROOT, SHARED_DATA, unavailable

if TYPE_CHECKING:
    from tests.fakes.geocoder import FakeGeocoder

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
#: "Now" for the app: a Wednesday, inside every example campaign's schedule.
NOW = datetime(2026, 8, 12, 18, 0, tzinfo=UTC)
#: The day the directory is imported "on" (inside the reference data's terms).
IMPORTED = datetime(2026, 8, 10, 12, 0, tzinfo=UTC)
SCREENSHOTS = ROOT / "docs" / "screenshots"
ARTIFACTS = ROOT / "artifacts" / "screenshots"
XSS_TEXT = "<script>alert(1)</script><b>x</b> Senators, please pass S 1693."
POSTED_X_ID = "1823456789012345678"


@dataclass(frozen=True)
class Seeded:
    path: Path
    directory: bool
    """Whether the legislator directory was imported (the shared data was found)."""
    ids: dict[str, int]
    """Names of the hand-made rows → their post ids."""


def _insert_live_rows(db: Database) -> dict[str, int]:
    """Rows only a live run makes: posted (with remote ids), failed, unknown, and HTML text."""
    from bot.compose.plan import post_key, text_hash
    from bot.store.models import Attempt, Post, PostTarget

    campaign = "us-s1693-online-trafficking"
    bill = "us/115/S 1693"
    made: dict[str, int] = {}

    def row(
        name,
        platform,
        status,
        text,
        *,
        when,
        remote_id=None,
        remote_url=None,
        error=None,
        cost=0.0,
        targets=(),
        attempts=(),
    ):  # type: ignore[no-untyped-def]
        post = Post(
            key=post_key(platform, "default", campaign, bill, [t[0] for t in targets], text),
            created_at=when,
            scheduled_for=when,
            updated_at=when + timedelta(minutes=1),
            mode="live",
            campaign_id=campaign,
            bill=bill,
            platform=platform,
            account="default",
            variant="loophole",
            text=text,
            text_hash=text_hash(text),
            length=len(text),
            link="https://www.congress.gov/bill/115th-congress/senate-bill/1693",
            status=status,
            error=error,
            remote_id=remote_id,
            remote_url=remote_url,
            cost=cost,
            attempt_count=len(attempts),
            approved_by="cli",
        )
        post.targets = [
            PostTarget(
                position=i,
                person_id=pid,
                name=pname,
                handle=handle,
                platform=platform,
                bill=bill,
                created_at=when,
            )
            for i, (pid, pname, handle) in enumerate(targets)
        ]
        post.attempts = [
            Attempt(
                started_at=when,
                finished_at=when + timedelta(seconds=2),
                outcome=outcome,
                http_status=http,
                error=err,
                worker="web-test:1",
            )
            for outcome, http, err in attempts
        ]
        with db.session() as session:
            session.add(post)
            session.flush()
            made[name] = post.id

    day = NOW - timedelta(days=2)
    row(
        "posted_x",
        "x",
        "posted",
        "@SenHawleyPress @SenEricSchmitt: websites that knowingly profit from sex trafficking "
        "should not hide behind their users. Please support S 1693.",
        when=day.replace(hour=16),
        remote_id=POSTED_X_ID,
        remote_url=f"https://x.com/yourorg/status/{POSTED_X_ID}",
        cost=0.2,
        targets=[
            ("H001089", "Sen. Josh Hawley", "SenHawleyPress"),
            ("S001227", "Sen. Eric Schmitt", "SenEricSchmitt"),
        ],
        attempts=[("ok", 201, None)],
    )
    row(
        "posted_bluesky",
        "bluesky",
        "posted",
        "Sen. Chuck Grassley and Sen. Richard J. Durbin, please pass S 1693.",
        when=day.replace(hour=17),
        remote_id="at://did:plc:abc/app.bsky.feed.post/3kxyz",
        remote_url="https://bsky.app/profile/yourorg.bsky.social/post/3kxyz",
        targets=[
            ("G000386", "Sen. Chuck Grassley", None),
            ("D000563", "Sen. Richard J. Durbin", None),
        ],
        attempts=[("ok", 200, None)],
    )
    row(
        "failed",
        "x",
        "failed",
        "@GrahamBlog: please move S 1693 forward.",
        when=day.replace(hour=18),
        error="403 Forbidden: You are not permitted to perform this action (X error 453)",
        targets=[("G000359", "Sen. Lindsey Graham", "GrahamBlog")],
        attempts=[("rate_limited", 429, "Too Many Requests"), ("forbidden", 403, "not permitted")],
    )
    row(
        "unknown",
        "mastodon",
        "unknown",
        "Sen. John Cornyn, please pass S 1693.",
        when=day.replace(hour=19),
        targets=[("C001056", "Sen. John Cornyn", None)],
        attempts=[("interrupted", None, "connection reset while sending")],
    )
    row(
        "xss",
        "x",
        "posted",
        XSS_TEXT,
        when=(NOW - timedelta(days=1)).replace(hour=15),
        remote_id="1823456789012345999",
        remote_url="javascript:alert(2)",
        targets=[("C001098", "Sen. Ted Cruz", "SenTedCruz")],
        attempts=[("ok", 201, None)],
    )
    return made


def _run_pipeline(db: Database, settings: Settings) -> None:
    """The example campaigns, run and dry-run published on each of the last eight days."""
    from bot.campaigns.loader import load_campaigns
    from bot.guard import guard_for
    from bot.platforms.dryrun import DryRunPublisher
    from bot.schedule.runner import run_campaign
    from bot.schedule.worker import publish_due

    campaigns, errors = load_campaigns([ROOT / "campaigns"])
    assert not errors, errors
    guard = guard_for(settings, Mode.DRY_RUN)

    def publisher_for(platform: str, account: str) -> DryRunPublisher:
        return DryRunPublisher(platform, account)

    for days_ago in range(8, 0, -1):
        start = (NOW - timedelta(days=days_ago)).replace(hour=15)
        for loaded in campaigns:
            run_campaign(db, loaded, mode=Mode.DRY_RUN, now=start, fire_time=start)
        for hour in range(4):
            clock = FrozenClock(start + timedelta(hours=hour))
            publish_due(db, publisher_for, mode=Mode.DRY_RUN, clock=clock, guard=guard)


#: The imported directory lists real portrait URLs: tests never fetch them (a test about
#: portraits sets PHOTO_ORIGINS to its fake image server's origin).
NO_PHOTOS = {"PHOTO_ORIGINS": "none"}


def web_settings(db_path: Path) -> Settings:
    return Settings.load(
        environ={
            "DATABASE_URL": f"sqlite:///{db_path}",
            "CAMPAIGNS_DIR": str(ROOT / "campaigns"),
            **NO_PHOTOS,
        },
        dotenv=False,
    )


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The template post log (and directory), built once."""
    path = tmp_path_factory.mktemp("web") / "template.db"
    db = Database(f"sqlite:///{path}")
    directory = (SHARED_DATA / "congress-legislators").is_dir()
    if directory:
        from bot.directory.importers import import_paths

        with db.session() as session:
            import_paths(
                session,
                [SHARED_DATA / "congress-legislators", SHARED_DATA / "openstates" / "mo"],
                IMPORTED,
            )
    _run_pipeline(db, web_settings(path))
    ids = _insert_live_rows(db)
    db.dispose()
    return Seeded(path, directory, ids)


@dataclass
class Server:
    url: str
    db: Database
    ids: dict[str, int]
    directory: bool


@contextmanager
def serving(app_for: Callable[[str], Any]) -> Iterator[str]:
    """Serve the app ``app_for(url)`` builds, on a port of 127.0.0.1 the system chose; its URL.

    The port is held from the moment it is chosen, so no other process (a parallel
    test's connection) can take it before the server listens, and the app knows its
    own address (sign-up emails link to it).
    """
    from werkzeug.serving import make_server

    with socket.create_server(("127.0.0.1", 0)) as listener:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        httpd = make_server("127.0.0.1", 0, app_for(url), threaded=True, fd=listener.fileno())
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield url
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()


@pytest.fixture
def server(seeded: Seeded, tmp_path: Path) -> Iterator[Server]:
    """The app over a private copy of the seeded log, on a free port of 127.0.0.1."""
    from bot.web.app import WebConfig, create_app

    path = tmp_path / "log.db"
    shutil.copy(seeded.path, path)
    db = Database(f"sqlite:///{path}", migrate=False)  # a copy of a migrated file
    config = WebConfig(
        settings=web_settings(path),
        password=PASSWORD,
        campaigns_dir=ROOT / "campaigns",
        clock=FrozenClock(NOW),
    )
    try:
        with serving(lambda _url: create_app(db, config)) as url:
            yield Server(url, db, seeded.ids, seeded.directory)
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        unavailable(
            f"browser tests need Debian's chromium at {CHROMIUM} "
            "(apt-get install -y chromium; scripts/test does it when run as root)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("browser tests need the playwright package (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Dialogs:
    messages: list[str]


@pytest.fixture
def dialogs() -> Dialogs:
    return Dialogs([])


@pytest.fixture
def page(browser, dialogs: Dialogs):  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) at desktop width; dialogs are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.messages.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    yield tab
    context.close()


@pytest.fixture
def phone(browser, dialogs: Dialogs):  # type: ignore[no-untyped-def]
    """A phone-sized context (390 × 844, touch)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.on("dialog", lambda d: (dialogs.messages.append(d.message), d.dismiss()))
    yield tab
    context.close()


def login(page, server: Server, *, next_path: str = "/dashboard/") -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + next_path)
    page.get_by_label("Dashboard password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def screenshot(page, name: str, max_height: int = 1800) -> None:  # type: ignore[no-untyped-def]
    """Save the page (its top ``max_height`` pixels) as a test artifact
    (artifacts/screenshots, git-ignored) and, for the docs, into docs/screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    width = page.viewport_size["width"]
    height = min(page.evaluate("document.documentElement.scrollHeight"), max_height)
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
        animations="disabled",
        caret="hide",
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / f"{name}.png")


# -- supporter pages with a geocoder (tests/fakes/geocoder.py) -------------------------------

BOTH = "mo-both-chambers-and-congress"
"""A campaign with a Missouri and a U.S. bill: five legislators per supporter."""


def _campaigns(folder: Path) -> Path:
    """The example campaigns, plus one with a Missouri and a U.S. bill (five legislators)."""
    import yaml

    shutil.copytree(ROOT / "campaigns", folder)
    state = yaml.safe_load((folder / "mo-sb792-expungement.yaml").read_text())
    us = yaml.safe_load((folder / "us-s1693-online-trafficking.yaml").read_text())
    state["id"] = BOTH
    state["title"] = "Missouri and Congress: protect trafficking survivors"
    state["bills"] = [*state["bills"], *us["bills"]]
    state["call_scripts"] = {
        "senate": "Hello, I'm calling for {{ targets[0].display_name }}: "
        "please support {{ bill.identifier }}.",
        "house": "Hi, please tell {{ targets[0].display_name }} of district "
        "{{ targets[0].district }} to support {{ bill.identifier }}.",
    }
    (folder / f"{BOTH}.yaml").write_text(yaml.safe_dump(state, sort_keys=False))
    return folder


@pytest.fixture
def geocoder() -> Iterator[FakeGeocoder]:
    """The fake Census geocoder with the Missouri examples, on 127.0.0.1."""
    from tests.fakes.geocoder import FakeGeocoder, missouri_example

    fake = missouri_example(FakeGeocoder()).start()
    yield fake
    fake.stop()


@pytest.fixture
def extra_env() -> dict[str, str]:
    """More settings for :func:`app_server` (a test module overrides this fixture)."""
    return {}


@pytest.fixture
def app_server(
    seeded: Seeded, tmp_path: Path, geocoder: FakeGeocoder, extra_env: dict[str, str]
) -> Iterator[Server]:
    """The app over a copy of the seeded log, its geocoder the fake."""
    from bot.web.app import WebConfig, create_app

    if not seeded.directory:
        pytest.skip("the supporter lookups need the reference data in ../shared/data")
    path = tmp_path / "log.db"
    shutil.copy(seeded.path, path)
    campaigns = _campaigns(tmp_path / "campaigns")
    settings = Settings.load(
        environ={
            "DATABASE_URL": f"sqlite:///{path}",
            "CAMPAIGNS_DIR": str(campaigns),
            "GEOCODER_URL": geocoder.url,
            **NO_PHOTOS,
            **extra_env,
        },
        dotenv=False,
    )
    db = Database(f"sqlite:///{path}", migrate=False)
    config = WebConfig(
        settings=settings, password=PASSWORD, campaigns_dir=campaigns, clock=FrozenClock(NOW)
    )
    try:
        with serving(lambda _url: create_app(db, config)) as url:
            yield Server(url, db, seeded.ids, seeded.directory)
    finally:
        db.dispose()
