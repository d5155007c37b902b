"""Find my legislators from my address, in Chromium on a phone, against the fake geocoder.

The app runs for real on 127.0.0.1 with ``GEOCODER_URL`` pointing at the local
fake Census geocoder (:mod:`tests.fakes.geocoder`). Who the legislators are is
computed straight from the raw reference data (see :mod:`tests.web.test_supporter`).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.geocoder import VACANT_POINT, FakeGeocoder
from tests.web.conftest import BOTH, Server, screenshot
from tests.web.test_supporter import SB792, congress_members, missouri_members


def _shown(page) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        page.locator("li.person[data-person-id]").evaluate_all(
            "i => i.map(x => x.dataset.personId)"
        )
    )


def _dump(server: Server) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of every table."""
    from sqlalchemy import text

    with server.db.session() as session:
        tables = session.scalars(text("SELECT name FROM sqlite_master WHERE type='table'")).all()
        return [
            (t, [tuple(r) for r in session.execute(text(f'SELECT * FROM "{t}"'))]) for t in tables
        ]


def _outside_requests(page, server: Server) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if not r.url.startswith(server.url) else None)
    return seen


def test_an_address_finds_all_five_legislators_and_is_kept_nowhere(
    phone, app_server: Server, geocoder: FakeGeocoder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    outside = _outside_requests(phone, app_server)
    expected = {
        *congress_members("MO", 3),
        *missouri_members("upper", "6"),
        *missouri_members("lower", "50"),
    }
    assert len(expected) == 5  # two U.S. senators, the member for MO-3, a state senator and rep.

    before = _dump(app_server)
    phone.goto(app_server.url + f"/c/{BOTH}")
    assert "sent only to the U.S. Census Bureau" in phone.locator("main").inner_text()
    phone.get_by_label("Street address").fill("201 W Capitol Ave")
    phone.get_by_label("City and state, or ZIP code").fill("Jefferson City, MO 65101")
    phone.get_by_role("button", name="Find my legislators").click()
    phone.wait_for_load_state()

    assert _shown(phone) == expected
    assert "Found from your address" in phone.locator("main").inner_text()
    # the address went to the geocoder, by the server, and nowhere else
    assert [r.query["address"] for r in geocoder.requests] == [
        "201 W Capitol Ave, Jefferson City, MO 65101"
    ]
    assert outside == []  # the browser itself asked no third party
    url = urlsplit(phone.url)
    query = parse_qs(url.query)
    query.pop("instance", None)
    assert query == {
        "state": ["MO"],
        "us_house": ["3"],
        "senate": ["6"],
        "house": ["50"],
        "found": ["address"],
    }
    assert "Capitol" not in phone.url and "65101" not in phone.url
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Capitol" not in logged and "65101" not in logged
    assert _dump(app_server) == before  # nothing written: the address is stored nowhere
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "find-my-legislators-result")


def test_use_my_location_sends_coordinates_and_shows_a_vacant_seat(
    browser, app_server: Server, geocoder: FakeGeocoder
) -> None:
    latitude, longitude = VACANT_POINT
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": latitude, "longitude": longitude},
        permissions=["geolocation"],
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        phone.goto(app_server.url + f"/c/{SB792}")
        phone.get_by_role("button", name="Use my location").click()
        phone.wait_for_url("**/act?**")
        (seen,) = geocoder.requests
        assert seen.path.endswith("/geographies/coordinates")
        assert (seen.query["y"], seen.query["x"]) == (f"{latitude:.5f}", f"{longitude:.5f}")
        assert _shown(phone) == set(missouri_members("upper", "5"))
        assert missouri_members("lower", "95") == {}  # nobody holds House district 95
        vacant = phone.locator("li.vacant")
        assert vacant.count() == 1
        assert "Missouri House, district 95" in vacant.inner_text()
        assert "Vacant seat" in vacant.inner_text()
        screenshot(phone, "find-my-legislators-vacant")
    finally:
        context.close()


@pytest.mark.parametrize(
    ("street", "place", "says"),
    [
        ("9 Nowhere Rd", "Atlantis", "couldn't find that address"),
        ("100 Main St", "Springfield", "more than one district"),
        ("1 Error St", "Columbia, MO", "isn't answering"),
        ("1 Slow St", "Columbia, MO", "isn't answering"),
    ],
)
def test_a_failed_lookup_falls_back_to_the_pickers_and_official_lookups(
    phone, app_server: Server, street: str, place: str, says: str
) -> None:
    phone.goto(app_server.url + f"/c/{SB792}")
    phone.get_by_label("Street address").fill(street)
    phone.get_by_label("City and state, or ZIP code").fill(place)
    phone.get_by_role("button", name="Find my legislators").click()
    phone.wait_for_load_state()
    assert says in phone.get_by_role("alert").inner_text()
    assert street not in phone.url and street not in phone.content()
    # the pickers work from here, with a working link to the state's own lookup
    finder = phone.get_by_role("link", name="Find your Missouri legislators (Missouri Senate)")
    assert finder.get_attribute("href") == "https://www.senate.mo.gov/LegisLookup/Default.aspx"
    phone.get_by_label("Missouri Senate district").select_option("10")
    phone.get_by_role("button", name="Show my legislators").click()
    phone.wait_for_load_state()
    assert _shown(phone) == set(missouri_members("upper", "10"))


def test_the_find_form_needs_its_token_and_an_address(phone, app_server: Server) -> None:
    import requests

    refused = requests.post(
        app_server.url + f"/c/{SB792}/find",
        data={"street": "201 W Capitol Ave", "place": "65101"},
        timeout=5,
    )
    assert refused.status_code == 400
    assert "Capitol" not in refused.text
    phone.goto(app_server.url + f"/c/{SB792}")
    assert phone.get_by_label("Street address").get_attribute("required") is not None


def test_an_address_outside_the_campaigns_states_says_so(
    phone, app_server: Server, geocoder: FakeGeocoder
) -> None:
    from tests.fakes.geocoder import geographies

    geocoder.add_address("5 Lake Shore Dr, Chicago IL", geographies("17", "IL", "7", "3", "5"))
    phone.goto(app_server.url + f"/c/{SB792}")
    phone.get_by_label("Street address").fill("5 Lake Shore Dr")
    phone.get_by_label("City and state, or ZIP code").fill("Chicago IL")
    phone.get_by_role("button", name="Find my legislators").click()
    phone.wait_for_load_state()
    assert "outside the states this campaign is about" in phone.get_by_role("alert").inner_text()
