"""A supporter's districts from their address or location: the U.S. Census Bureau geocoder.

The Census geocoder (free, no key) answers ``geographies/onelineaddress``
(an address on one line) and ``geographies/coordinates`` (a longitude ``x``
and latitude ``y``) with the geographies that contain the point, keyed by
layer name::

    {"result": {"addressMatches": [{"matchedAddress": "...",
        "coordinates": {"x": -92.17, "y": 38.57},
        "geographies": {
            "119th Congressional Districts": [{"STATE": "29", "CD119": "03", "BASENAME": "3"}],
            "2024 State Legislative Districts - Upper": [{"STATE": "29", "SLDU": "006", ...}],
            "2024 State Legislative Districts - Lower": [{"STATE": "29", "SLDL": "059", ...}],
            "States": [{"STUSAB": "MO", "STATE": "29"}]}}]}}

(``coordinates`` answers ``{"result": {"geographies": {...}}}``). Layer names
carry a vintage that changes with each Congress and redistricting, so layers
are found by what they mean ("Congressional Districts", "Legislative
Districts - Upper"), not by their exact name.

Privacy: the address goes to the geocoder and nowhere else. It is not stored
and never logged: the request URL holds it, so a failure is reported by its
kind only (``requests``' own messages quote the URL), and urllib3's debug
line for each request is filtered out for geocoder URLs.

Everything in an answer is untrusted: each value is checked for its kind and
anything unexpected is "no answer", never an exception.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests
import urllib3

from bot.config import CENSUS_GEOCODER_URL as CENSUS_GEOCODER_URL
from bot.directory import normalize

log = logging.getLogger(__name__)


def _no_geocoder_urls(record: logging.LogRecord) -> bool:
    """Drop urllib3's debug lines about geocoder requests: they quote the URL, address and all."""
    return "/geographies/" not in " ".join(
        str(a) for a in (record.args or ()) if a is not None
    ) and ("/geographies/" not in str(record.msg))


# urllib3 logs each request line (with its query string) at DEBUG: never for the geocoder.
logging.getLogger("urllib3.connectionpool").addFilter(_no_geocoder_urls)

BENCHMARK = "Public_AR_Current"
VINTAGE = "Current_Current"
#: Every layer: the layer ids of the congressional and legislative districts
#: change with each vintage, and names are matched by meaning below.
LAYERS = "all"
TIMEOUT = 8.0
MAX_ANSWER = 2_000_000
"""Bytes of an answer read at most (an "all layers" answer is some 20 kB)."""
MAX_ADDRESS = 200

#: State FIPS codes → postal codes (the layers' ``STATE`` field).
STATE_FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}  # fmt: skip

_CD_FIELD = re.compile(r"^CD\d{3}$")
_DISTRICT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .'&/-]{0,39}$")


class Kind(StrEnum):
    FOUND = "found"
    NO_MATCH = "no_match"
    """The geocoder found no such address (or no districts there)."""
    AMBIGUOUS = "ambiguous"
    """Several addresses matched, in different districts: the supporter must say more."""
    UNAVAILABLE = "unavailable"
    """The geocoder failed, was too slow or answered something else than expected."""


@dataclass(frozen=True)
class Districts:
    """Where a supporter votes: their state and districts (``None`` where unknown)."""

    state: str
    """Postal code: ``MO``."""
    congressional: str | None
    """``"3"``; ``"0"`` for an at-large seat (or a delegate)."""
    upper: str | None
    """State Senate district (the one chamber of a unicameral legislature)."""
    lower: str | None
    """State House (Assembly, House of Delegates) district."""


@dataclass(frozen=True)
class Lookup:
    """What a lookup gave: districts, or why not."""

    kind: Kind
    districts: Districts | None = None


def _layer(geographies: dict[str, Any], *words: str) -> dict[str, Any] | None:
    """The first area of the layer whose name holds all ``words`` (not "Labels" layers)."""
    for name, areas in geographies.items():
        lowered = name.lower() if isinstance(name, str) else ""
        if "label" in lowered or not all(w in lowered for w in words):
            continue
        if isinstance(areas, list) and areas and isinstance(areas[0], dict):
            return areas[0]
    return None


def _text(area: dict[str, Any], key: str) -> str | None:
    value = area.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _district(area: dict[str, Any] | None, code_field: str | None) -> str | None:
    """A district as the directory writes it: ``"006"`` → ``"6"``; ``ZZ`` (water) → None."""
    if area is None:
        return None
    code = _text(area, code_field) if code_field else None
    if code is None:  # the congressional code's field is named for its Congress: CD119
        code = next(
            (_text(area, k) for k in area if isinstance(k, str) and _CD_FIELD.match(k)), None
        )
    if code is not None and code.isdigit():
        if code_field is None and int(code) in (0, 98):  # at-large seat, or a delegate
            return "0"
        return normalize.district(code)
    if code is not None and set(code.upper()) == {"Z"}:
        return None
    name = _text(area, "BASENAME")
    if name is None or not _DISTRICT.match(name):
        return None
    return normalize.district(name)


def _state(geographies: dict[str, Any], areas: list[dict[str, Any] | None]) -> str | None:
    states = _layer(geographies, "states")
    if states is not None:
        code = _text(states, "STUSAB")
        if code and code.upper() in normalize.STATE_NAMES:
            return code.upper()
    for area in [states, *areas]:
        fips = _text(area, "STATE") if area else None
        if fips in STATE_FIPS:
            return STATE_FIPS[fips]
    return None


def districts_in(geographies: object) -> Districts | None:
    """The state and districts in a ``geographies`` object, or None when it has no state."""
    if not isinstance(geographies, dict):
        return None
    congress = _layer(geographies, "congressional district")
    upper = _layer(geographies, "legislative district", "upper")
    lower = _layer(geographies, "legislative district", "lower")
    state = _state(geographies, [congress, upper, lower])
    if state is None:
        return None
    return Districts(
        state=state,
        congressional=_district(congress, None),
        upper=_district(upper, "SLDU"),
        lower=_district(lower, "SLDL"),
    )


def _result(answer: object) -> dict[str, Any] | None:
    if isinstance(answer, dict) and isinstance(answer.get("result"), dict):
        found: dict[str, Any] = answer["result"]
        return found
    return None


def read_address_answer(answer: object) -> Lookup:
    """What a ``geographies/onelineaddress`` answer says (pure: no I/O)."""
    result = _result(answer)
    matches = result.get("addressMatches") if result is not None else None
    if not isinstance(matches, list):
        return Lookup(Kind.UNAVAILABLE)
    found = {
        d
        for match in matches
        if isinstance(match, dict) and (d := districts_in(match.get("geographies"))) is not None
    }
    if not found:
        return Lookup(Kind.NO_MATCH)
    if len(found) > 1:
        return Lookup(Kind.AMBIGUOUS)
    return Lookup(Kind.FOUND, found.pop())


def read_coordinates_answer(answer: object) -> Lookup:
    """What a ``geographies/coordinates`` answer says (pure: no I/O)."""
    result = _result(answer)
    if result is None:
        return Lookup(Kind.UNAVAILABLE)
    districts = districts_in(result.get("geographies"))
    return Lookup(Kind.FOUND, districts) if districts else Lookup(Kind.NO_MATCH)


def one_line(street: str, place: str) -> str | None:
    """``street`` and ``place`` (city and state, or ZIP) as one line; None if unusable."""
    parts = [" ".join(p.split()) for p in (street, place)]
    line = ", ".join(p for p in parts if p)
    if not parts[0] or not parts[1] or len(line) > MAX_ADDRESS:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in line):
        return None
    return line


def coordinates(latitude: str, longitude: str) -> tuple[float, float] | None:
    """``(latitude, longitude)`` from form text, or None unless both are real coordinates."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 5), round(lon, 5)


class Geocoder:
    """The Census geocoder's two geographies lookups, over ``requests``."""

    def __init__(
        self,
        base_url: str = CENSUS_GEOCODER_URL,
        *,
        timeout: float = TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def address(self, line: str) -> Lookup:
        """The districts of an address given on one line (see :func:`one_line`)."""
        answer = self._get("onelineaddress", {"address": line})
        return read_address_answer(answer) if answer is not None else Lookup(Kind.UNAVAILABLE)

    def location(self, latitude: float, longitude: float) -> Lookup:
        """The districts of a point (from the browser's geolocation)."""
        answer = self._get("coordinates", {"x": f"{longitude:.5f}", "y": f"{latitude:.5f}"})
        return read_coordinates_answer(answer) if answer is not None else Lookup(Kind.UNAVAILABLE)

    def _get(self, endpoint: str, params: dict[str, str]) -> object | None:
        query = {
            **params,
            "benchmark": BENCHMARK,
            "vintage": VINTAGE,
            "layers": LAYERS,
            "format": "json",
        }
        url = f"{self.base_url}/geographies/{endpoint}"
        try:
            with self.session.get(url, params=query, timeout=self.timeout, stream=True) as reply:
                if reply.status_code != 200:
                    log.warning("geocoder %s answered HTTP %s", endpoint, reply.status_code)
                    return None
                body = reply.raw.read(MAX_ANSWER + 1, decode_content=True)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            # never str(exc): requests quotes the URL, and the URL holds the address
            log.warning("geocoder %s failed: %s", endpoint, type(exc).__name__)
            return None
        if len(body) > MAX_ANSWER:
            log.warning("geocoder %s answer is over %d bytes", endpoint, MAX_ANSWER)
            return None
        try:
            return json.loads(body)
        except ValueError:
            log.warning("geocoder %s answered something that is not JSON", endpoint)
            return None
