"""The act page links only checked contact values, whatever the database holds.

A directory filled before the import checks existed (or edited by hand) may
hold a hostile email, phone, link or handle; the page must still give a
supporter a ``mailto:`` with exactly one addressee, a normalised ``tel:``,
http(s) links only, and never the hostile handle. Flask's test client, no
browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.clock import FrozenClock
from bot.config import Settings
from bot.directory.models import PersonHandle, PersonRow
from bot.store.db import Database
from tests.support import ROOT
from tests.web.conftest import NOW

CAMPAIGN = "mo-sb792-expungement"
HOSTILE = {
    "email": "office@senate.mo.gov?bcc=harvest@evil.example&body=Send%20money",
    "phone": "573-751-1234\nBcc: x",
    "contact_form": "javascript:alert(document.cookie)",
    "url": "data:text/html,<script>alert(1)</script>",
}
SCAM_HANDLE = "SenX DONATE https://scam.example/give @everyone"


def _person(person_id: str, district: str, **values: str) -> PersonRow:
    return PersonRow(
        id=person_id,
        source="openstates",
        jurisdiction="mo",
        name=f"Member {district}",
        title="Sen.",
        state="MO",
        chamber="senate",
        district=district,
        active=True,
        first_seen_at=NOW,
        updated_at=NOW,
        **values,
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    from bot.web.app import WebConfig, create_app

    campaigns = tmp_path / "campaigns"
    shutil.copytree(ROOT / "campaigns", campaigns)
    path = tmp_path / "web.db"
    db = Database(f"sqlite:///{path}")
    with db.session() as session:
        session.add(_person("ocd-person/hostile", "1", **HOSTILE))
        session.add(
            _person(
                "ocd-person/good",
                "2",
                email="Good.Member@senate.mo.gov",
                phone="(573) 751-2222 ext. 12",
                contact_form="https://senate.mo.gov/contact",
                url="https://senate.mo.gov/member",
            )
        )
        session.flush()
        session.add(
            PersonHandle(
                person_id="ocd-person/hostile",
                platform="x",
                handle=SCAM_HANDLE,
                source="openstates",
                first_seen_at=NOW,
                imported_at=NOW,
            )
        )
    settings = Settings.load(
        environ={"DATABASE_URL": f"sqlite:///{path}", "CAMPAIGNS_DIR": str(campaigns)},
        dotenv=False,
    )
    config = WebConfig(
        settings=settings, password="pw", campaigns_dir=campaigns, clock=FrozenClock(NOW)
    )
    app = create_app(db, config)
    with app.test_client() as test_client:
        yield test_client
    db.dispose()


def _act(client: FlaskClient, district: str) -> str:
    response = client.get(f"/c/{CAMPAIGN}/act?state=MO&senate={district}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_hostile_contact_values_never_become_links(client: FlaskClient) -> None:
    page = _act(client, "1")
    assert "Member 1" in page  # the person is still shown, by name
    assert "harvest@evil.example" not in page and "bcc=" not in page
    assert "mailto:" not in page and "tel:" not in page
    assert "javascript:" not in page and "data:text/html" not in page
    assert "DONATE" not in page and "scam.example" not in page


def test_valid_contact_values_are_linked_normalised(client: FlaskClient) -> None:
    page = _act(client, "2")
    assert 'href="tel:+15737512222;ext=12"' in page
    assert 'href="mailto:Good.Member@senate.mo.gov"' in page
    assert 'href="https://senate.mo.gov/contact"' in page
    assert 'href="https://senate.mo.gov/member"' in page
