"""Legislators' portraits: fetched once by the bot from an allowed origin, checked, kept in
the database and served from the bot's own origin (``/photo/<id>``), so a supporter's
browser never asks a third party. Against a fake image host on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from bot.clock import FrozenClock
from bot.config import DEFAULT_PHOTO_ORIGINS, ConfigError, Settings
from bot.directory.models import PersonPhoto, PersonRow
from bot.store.db import Database
from bot.web import photos
from tests.fakes.images import BIG, PORTRAIT, FakeImageHost
from tests.support import ROOT
from tests.web.conftest import BOTH, NOW, Server
from tests.web.test_supporter import missouri_members


@pytest.fixture
def host() -> Iterator[FakeImageHost]:
    fake = FakeImageHost().start()
    yield fake
    fake.stop()


def test_fetch_keeps_only_a_real_image_within_its_limits(host: FakeImageHost) -> None:
    got = photos.fetch(f"{host.origin}/portrait.png")
    assert (got.content_type, got.body) == ("image/png", PORTRAIT)
    refused = {
        "/big.png": f"larger than {BIG // 2:,}",
        "/endless.png": f"larger than {BIG // 2:,}",
        "/page.jpg": "not a JPEG, PNG or WebP image",
        "/moved.jpg": "answered 302",  # never followed to the other host
        "/gone.jpg": "answered 404",
        "/slow.png": "could not be reached (ReadTimeout)",
    }
    for path, says in refused.items():
        with pytest.raises(photos.PhotoError) as caught:
            photos.fetch(f"{host.origin}{path}", timeout=0.2, max_bytes=BIG // 2)
        assert says in str(caught.value), path
        assert "127.0.0.1" not in str(caught.value)  # the URL never reaches a log line
    assert "/portrait.jpg" not in " ".join(host.requests)  # the redirect was not followed


def test_photo_origins_setting() -> None:
    def origins(value: str | None) -> tuple[str, ...]:
        env = {} if value is None else {"PHOTO_ORIGINS": value}
        return Settings.load(environ=env, dotenv=False).photo_origins

    assert origins(None) == DEFAULT_PHOTO_ORIGINS
    assert origins("none") == ()
    assert origins("https://House.MO.gov/, http://127.0.0.1:8080") == (
        "https://house.mo.gov",
        "http://127.0.0.1:8080",
    )
    for wrong in ("house.mo.gov", "https://house.mo.gov/photos", "ftp://x.org"):
        with pytest.raises(ConfigError, match="PHOTO_ORIGINS: .* is not an origin"):
            origins(wrong)
    assert not photos.allowed("https://house.mo.gov.evil.example/a.jpg", ("https://house.mo.gov",))
    assert not photos.allowed("http://house.mo.gov/a.jpg", ("https://house.mo.gov",))


def _person(person_id: str, photo_url: str) -> PersonRow:
    return PersonRow(
        id=person_id,
        source="openstates",
        jurisdiction="mo",
        name="Member One",
        state="MO",
        chamber="senate",
        district="1",
        active=True,
        first_seen_at=NOW,
        updated_at=NOW,
        photo_url=photo_url,
    )


@pytest.fixture
def app(host: FakeImageHost, tmp_path: Path) -> Iterator[tuple[FlaskClient, FrozenClock, Database]]:
    from bot.web.app import WebConfig, create_app

    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    with db.session() as session:
        session.add(_person("good", f"{host.origin}/portrait.png"))
        session.add(_person("broken", f"{host.origin}/page.jpg"))
        session.add(_person("elsewhere", "https://unitedstates.github.io/images/x/A000001.jpg"))
    settings = Settings.load(
        environ={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "CAMPAIGNS_DIR": str(ROOT / "campaigns"),
            "PHOTO_ORIGINS": host.origin,
        },
        dotenv=False,
    )
    clock = FrozenClock(NOW)
    config = WebConfig(
        settings=settings, password="pw", campaigns_dir=ROOT / "campaigns", clock=clock
    )
    with create_app(db, config).test_client() as client:
        yield client, clock, db
    db.dispose()


def test_a_portrait_is_fetched_once_then_served_from_the_database(
    app: tuple[FlaskClient, FrozenClock, Database], host: FakeImageHost
) -> None:
    client, _, db = app
    for _ in range(2):
        answer = client.get("/photo/good")
        assert answer.status_code == 200 and answer.content_type == "image/png"
        assert answer.data == PORTRAIT
        assert "max-age=604800" in answer.headers["Cache-Control"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert host.requests == ["/portrait.png"]
    # a new URL from the next import is fetched again
    with db.session() as session:
        session.execute(
            update(PersonRow)
            .where(PersonRow.id == "good")
            .values(photo_url=f"{host.origin}/portrait.png?v=2")
        )
    assert client.get("/photo/good").data == PORTRAIT
    assert host.requests == ["/portrait.png", "/portrait.png?v=2"]


def test_no_portrait_is_a_silhouette_and_a_failure_waits_a_day(
    app: tuple[FlaskClient, FrozenClock, Database], host: FakeImageHost
) -> None:
    client, clock, db = app
    for person in ("broken", "elsewhere", "nobody"):
        answer = client.get(f"/photo/{person}")
        assert answer.status_code == 200 and answer.content_type == "image/svg+xml"
        assert answer.data == photos.PLACEHOLDER_SVG
    assert host.requests == ["/page.jpg"]  # the origin not allowed was never asked
    with db.session() as session:
        failed = session.get(PersonPhoto, "broken")
        assert failed is not None and failed.body is None
        assert failed.problem == "the answer is not a JPEG, PNG or WebP image"
    clock.advance(timedelta(hours=23))
    client.get("/photo/broken")
    assert host.requests == ["/page.jpg"]
    clock.advance(timedelta(hours=1))
    client.get("/photo/broken")
    assert host.requests == ["/page.jpg", "/page.jpg"]


@pytest.fixture
def extra_env(host: FakeImageHost) -> dict[str, str]:
    return {"PHOTO_ORIGINS": host.origin}


def test_cards_show_portraits_from_the_bots_own_origin_only(
    phone, app_server: Server, host: FakeImageHost
) -> None:
    (senator,) = missouri_members("upper", "6")
    with app_server.db.session() as session:
        session.execute(
            update(PersonRow)
            .where(PersonRow.id == senator)
            .values(photo_url=f"{host.origin}/portrait.png")
        )
    asked: list[str] = []
    phone.on("request", lambda request: asked.append(request.url))
    phone.goto(f"{app_server.url}/c/{BOTH}/act?state=MO&us_house=3&senate=6&house=50")
    card = phone.locator(f"li.person[data-person-id='{senator}']")
    portrait = card.locator("img.portrait")
    assert portrait.get_attribute("alt") == card.locator("h3").inner_text().split(" (")[0]
    portrait.scroll_into_view_if_needed()
    phone.wait_for_function(
        "id => document.querySelector(`li[data-person-id='${id}'] img.portrait`).naturalWidth > 0",
        arg=senator,
    )
    assert portrait.evaluate("img => img.naturalWidth") == 30  # the fake's PNG, drawn
    assert asked and all(url.startswith(app_server.url + "/") for url in asked), asked
    assert host.requests == ["/portrait.png"]
    # members of Congress have portrait URLs too, but not from an allowed origin here
    assert phone.locator("img.portrait").count() == 1
