"""The Census geocoder client, over real HTTP against the local fake."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.web.geocode import Districts, Geocoder, Kind, coordinates, districts_in, one_line
from tests.fakes.geocoder import (
    AMBIGUOUS,
    CAPITOL,
    VACANT_POINT,
    FakeGeocoder,
    geographies,
    missouri_example,
)


@pytest.fixture
def fake() -> Iterator[FakeGeocoder]:
    server = missouri_example(FakeGeocoder()).start()
    yield server
    server.stop()


def test_an_address_gives_its_state_and_three_districts(fake: FakeGeocoder) -> None:
    found = Geocoder(fake.url, timeout=2).address(CAPITOL)
    assert found.kind is Kind.FOUND
    assert found.districts == Districts(state="MO", congressional="3", upper="6", lower="50")
    (seen,) = fake.requests
    assert seen.path == "/geocoder/geographies/onelineaddress"
    assert seen.query["address"] == CAPITOL
    assert seen.query["benchmark"] == "Public_AR_Current"
    assert seen.query["vintage"] == "Current_Current"
    assert seen.query["format"] == "json"


def test_a_location_gives_its_districts(fake: FakeGeocoder) -> None:
    found = Geocoder(fake.url, timeout=2).location(*VACANT_POINT)
    assert found.districts == Districts(state="MO", congressional="1", upper="5", lower="95")
    assert fake.requests[0].path == "/geocoder/geographies/coordinates"
    assert fake.requests[0].query["x"] == f"{VACANT_POINT[1]:.5f}"


def test_no_match_ambiguous_and_failures_say_which(
    fake: FakeGeocoder, caplog: pytest.LogCaptureFixture
) -> None:
    geocoder = Geocoder(fake.url, timeout=0.05)
    caplog.set_level(logging.DEBUG)
    assert geocoder.address("9 Nowhere Rd, Atlantis").kind is Kind.NO_MATCH
    assert geocoder.address(AMBIGUOUS).kind is Kind.AMBIGUOUS
    assert geocoder.address("1 Error St, Columbia MO").kind is Kind.UNAVAILABLE
    assert geocoder.address("1 Slow St, Columbia MO").kind is Kind.UNAVAILABLE
    assert geocoder.location(0.0, 0.0).kind is Kind.NO_MATCH
    fake.fault = "garbage"
    assert geocoder.address(CAPITOL).kind is Kind.UNAVAILABLE
    # the address is in the request URL, which requests quotes in its errors: never logged
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "failed: ReadTimeout" in logged
    assert "Slow" not in logged and "Error St" not in logged and "Error+St" not in logged


def test_an_unreachable_geocoder_is_unavailable() -> None:
    assert Geocoder("http://127.0.0.1:9", timeout=0.05).address(CAPITOL).kind is Kind.UNAVAILABLE


def test_layers_are_found_by_meaning_whatever_their_vintage() -> None:
    geos = geographies("31", "NE", "0", "12", None)
    renamed = {k.replace("119th", "121st").replace("2024", "2032"): v for k, v in geos.items()}
    renamed["121st Congressional Districts"][0]["CD121"] = renamed["121st Congressional Districts"][
        0
    ].pop("CD119")
    assert districts_in(renamed) == Districts("NE", "0", "12", None)


@pytest.mark.parametrize(
    "geos",
    [
        None,
        [],
        {"States": "MO"},
        {"States": [{"STUSAB": "<b>"}]},
        {"119th Congressional Districts": [{"CD119": "03"}]},  # no state anywhere
    ],
)
def test_answers_of_another_shape_are_no_districts(geos: object) -> None:
    assert districts_in(geos) is None


def test_untrusted_district_values_are_dropped() -> None:
    geos = geographies("29", "MO", "3", "6", "50")
    geos["2024 State Legislative Districts - Upper"][0].update(SLDU="ZZZ", BASENAME="ZZZ")
    geos["2024 State Legislative Districts - Lower"][0].update(SLDL=None, BASENAME="<script>")
    assert districts_in(geos) == Districts("MO", "3", None, None)


def test_form_input_is_checked() -> None:
    assert one_line(" 201  W Capitol Ave ", "65101") == "201 W Capitol Ave, 65101"
    assert one_line("", "65101") is None
    assert one_line("201 W Capitol\x00", "65101") is None
    assert one_line("x" * 300, "65101") is None
    assert coordinates("38.5", "-92.1") == (38.5, -92.1)
    assert coordinates("nan", "1") is None
    assert coordinates("91", "0") is None
    assert coordinates("", "") is None
