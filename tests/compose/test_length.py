"""How each platform counts a post's length (bot.compose.length)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import twitter_text
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from twitter_text.regexp.emoji import emoji_list

from bot.compose import length
from bot.compose.length import (
    LIMITS,
    count,
    fits,
    graphemes,
    limit,
    mastodon_length,
    x_weighted_length,
)
from tests.support import SHARED_DATA, unavailable

BILL_URL = "https://www.senate.mo.gov/24info/BTS_Web/Bill.aspx?SessionType=R&BillID=44"
BEFORE_URL = (
    "Missouri SB 792 lets survivors of trafficking clear their records. "
    "@SenHawley @SenEricSchmitt please support it: "
)
POST = BEFORE_URL + BILL_URL


# -- X: the official twitter-text conformance cases -------------------------------

VALIDATE_YML = SHARED_DATA / "twitter-text" / "validate.yml"

# WeightedTweetsWithDiscountedEmojiCounterTest is the v3 config (what X uses and
# what x_weighted_length implements) and UnicodeDirectionalMarkerCounterTest passes
# under v3 too. WeightedTweetsCounterTest was written for the v2 config, which
# weighs every code point of an emoji; its cases without emoji agree with v3 and
# run, these two count emoji the v2 way and are skipped.
V3_SUITES = ["WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest"]
V2_SUITE = "WeightedTweetsCounterTest"
V2_ONLY = {
    "Count a mix of single byte single word, and double word unicode characters",
    "Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers",
}


def conformance_cases() -> list:
    """One pytest param per weighted-length case of validate.yml."""
    if not VALIDATE_YML.is_file():
        return [pytest.param(None, None, id="absent")]
    suites = yaml.safe_load(VALIDATE_YML.read_text(encoding="utf-8"))["tests"]
    params = []
    for suite in [*V3_SUITES, V2_SUITE]:
        for case in suites[suite]:
            marks = []
            if suite == V2_SUITE and case["description"] in V2_ONLY:
                marks = [pytest.mark.skip(reason="v2 weighting of emoji; X uses v3")]
            expected = case["expected"]["weightedLength"]
            case_id = f"{suite}: {case['description']}"
            params.append(pytest.param(case["text"], expected, marks=marks, id=case_id))
    return params


@pytest.mark.parametrize(("text", "expected"), conformance_cases())
def test_x_conformance(text: str | None, expected: int | None) -> None:
    if text is None:
        unavailable(f"twitter-text conformance cases not found at {VALIDATE_YML}")
    assert x_weighted_length(text) == expected


def test_conformance_suites_are_all_there(shared_data: Path) -> None:
    suites = yaml.safe_load((shared_data / "twitter-text" / "validate.yml").read_text("utf-8"))
    for suite in [*V3_SUITES, V2_SUITE]:
        assert suites["tests"][suite], suite
    descriptions = {case["description"] for case in suites["tests"][V2_SUITE]}
    assert descriptions >= V2_ONLY


def test_x_weights_follow_v3_json(shared_data: Path) -> None:
    """The weight-1 ranges written into length.py are those of config/v3.json."""
    config = json.loads((shared_data / "twitter-text" / "v3.json").read_text("utf-8"))
    assert (config["scale"], config["defaultWeight"]) == (100, 200)
    assert config["transformedURLLength"] == length.X_URL_LENGTH
    light = {
        chr(point)
        for r in config["ranges"]
        if r["weight"] == 100
        for point in range(r["start"], r["end"] + 1)
    }
    assert max(r["end"] for r in config["ranges"]) < 0x3000  # above, everything weighs 2
    for point in range(0x3000):
        char = chr(point)
        if 0xD800 <= point < 0xE000:
            continue
        expected = 1 if char in light else 2
        assert length._x_plain_weight(char) == expected, hex(point)
    assert length._x_plain_weight("\U00020000\uac00") == 4  # CJK Ext. B, Hangul


def test_every_twitter_text_emoji_has_a_non_ascii_code_point() -> None:
    """What lets x_weighted_length skip the emoji scan for ASCII text."""
    for emoji in emoji_list:
        assert any(int(point, 16) > 0x7F for point in emoji.codepoint.split()), emoji


# -- X: typical posts ----------------------------------------------------------------


def test_x_typical_post() -> None:
    assert x_weighted_length(POST) == len(BEFORE_URL) + 23
    assert x_weighted_length(POST) == twitter_text.parse_tweet(POST).weightedLength


@pytest.mark.parametrize(
    "text",
    [
        POST,
        "HB 1414 helps survivors. Read more at house.mo.gov/Bill.aspx?bill=HB1414 #MOleg",
        "Señora Senadora, apoye el proyecto SB 792 por favor: https://t.co/AbCdEf123",
        "CO SB24-175 \u2014 \u201cclean slate\u201d for survivors\u2026 @ColoradoSenate\r\nthanks",
        "Спасибо! 支持这项法案 https://leg.colorado.gov/bills/sb24-175",
        "Call 573-751-3824 today. e.g. ask about SB 792... U.S. law too.",
    ],
)
def test_x_emoji_free_posts_skip_the_slow_library(monkeypatch, text: str) -> None:
    expected = twitter_text.parse_tweet(text).weightedLength

    def not_called(text: str) -> None:
        raise AssertionError("parse_tweet called for emoji-free text")

    monkeypatch.setattr(length, "parse_tweet", not_called)
    assert x_weighted_length(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thank you \u00a9 2026", 10 + 2 + 5),  # © is an emoji to twitter-text
        ("Thank you \U0001f64f\U0001f3fd", 10 + 2),  # one emoji with a skin tone
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467 families", 2 + 9),
        ("\u65e5\u672c\u8a9e", 6),  # CJK weighs 2
        ("e\u0301", 1),  # NFC composes it to é first
        ("a\r\nb", 3),  # CR LF counts once
    ],
)
def test_x_weighting(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


# -- X: differential test against the library ---------------------------------------

WORDS = ["Missouri", "SB", "792", "survivors", "records", "please", "support", "HB1414"]
PUNCTUATION = list(".,:;!?()[]'\"-_/&=%~|#$@\uff20\uff03") + ["e.g.", "U.S.", "...", "records."]
SPACES = [" ", " ", " ", "\n", "\r\n", "\r", "\t", "\u3000", "\u00a0", "\u180e", "\u2066", "\u200e"]
LATIN = ["se\u00f1ora", "Zo\u00eb", "na\u00efve", "e\u0301", "\u00df", "\u017f", "\u0130", "\u0301"]
OTHER_SCRIPTS = [
    "\u65e5\u672c\u8a9e",
    "\ud55c\uad6d\uc5b4",
    "\u1100\u1161\u11a8",
    "\u043c\u043e\u0441",
]
SCHEMES = ["", "", "http://", "https://", "HTTPS://"]
HOSTS = [
    "example.com",
    "www.senate.mo.gov",
    "house.mo.gov",
    "t.co",
    "bit.ly",
    "leg.colorado.gov",
    "gr\u00e5.org",
    "\u65e5\u672c\u8a9e.jp",
    "xn--bcher-kva.com",
    "foo.co.uk",
    "\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
    "not-a-tld.zzzz",
]
PATHS = [
    "",
    "/",
    "/bill/HB1414",
    "/24info/Bill.aspx?SessionType=R&BillID=44",
    "/a_(b)",
    "/\u00e9t\u00e9",
]
EMOJI = [
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # family (ZWJ)
    "\U0001f44b\U0001f3fd",  # waving hand, skin tone
    "\U0001f9d1\U0001f3fe\u200d\u2696\ufe0f",  # judge, skin tone, ZWJ
    "\U0001f1fa\U0001f1f8",  # flag
    "\u2764\ufe0f",
    "\u2764",
    "\u00a9",
    "\u00ae",
    "\u2122",
    "#\ufe0f\u20e3",
    "1\u20e3",
    "\U0001f3f3\ufe0f\u200d\U0001f308",
    "\U0001f3fd",  # a skin tone on its own
    "\u200d",
    "\ufe0f",
]


def random_piece(rng: random.Random, *, emoji: bool) -> str:
    """One piece of a generated post: a word, URL, mention, space, emoji..."""
    kind = rng.randrange(10 if emoji else 8)
    if kind == 0:
        return rng.choice(SCHEMES) + rng.choice(HOSTS) + rng.choice(PATHS)
    if kind == 1:
        return rng.choice("@#") + rng.choice(WORDS)
    if kind == 8:
        return rng.choice(EMOJI)
    if kind == 9:  # any code point but a surrogate
        point = rng.randrange(0x10000 if rng.random() < 0.7 else 0x110000)
        return chr(point) if not 0xD800 <= point < 0xE000 else "?"
    return rng.choice([WORDS, PUNCTUATION, SPACES, LATIN, OTHER_SCRIPTS, WORDS][kind - 2])


@pytest.mark.parametrize("seed", range(10))
def test_x_matches_library_on_random_posts(seed: int) -> None:
    """300 generated posts a seed, four in five without emoji (the fast path)."""
    rng = random.Random(seed)
    for _ in range(300):
        emoji = rng.random() < 0.2
        text = "".join(random_piece(rng, emoji=emoji) for _ in range(rng.randrange(30)))
        expected = twitter_text.parse_tweet(text).weightedLength
        assert x_weighted_length(text) == expected, text


# Hypothesis explores the same pieces with fewer, shrinkable examples.
urls = st.builds(
    lambda scheme, host, path: scheme + host + path,
    st.sampled_from(SCHEMES),
    st.sampled_from(HOSTS),
    st.sampled_from(PATHS),
)
pieces = st.one_of(
    st.sampled_from(WORDS + PUNCTUATION + SPACES + LATIN + OTHER_SCRIPTS + EMOJI),
    st.sampled_from(WORDS).map(lambda word: "@" + word),
    urls,
    st.characters(codec="utf-8"),  # anything at all, one code point
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(pieces, max_size=20).map("".join))
def test_x_matches_library(text: str) -> None:
    assert x_weighted_length(text) == twitter_text.parse_tweet(text).weightedLength


# -- Bluesky: graphemes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SB 792", 6),
        ("a\r\nb", 3),  # CR LF is one cluster
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", 1),  # ZWJ family
        ("\U0001f9d1\U0001f3fe\u200d\u2696\ufe0f", 1),  # judge: skin tone and ZWJ
        ("\U0001f3f3\ufe0f\u200d\U0001f308", 1),  # rainbow flag
        ("\U0001f1fa\U0001f1f8\U0001f1f2\U0001f1fd", 2),  # two flags
        ("\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 1),  # Scotland
        ("#\ufe0f\u20e3", 1),  # keycap
        ("Se\u00f1ora", 6),
        ("Sen\u0303ora", 6),  # combining tilde
        ("e\u0301\u0323", 1),  # two combining marks
        ("\u1100\u1161\u11a8", 1),  # Hangul jamo
        ("\u0915\u094d\u0937\u093f", 1),  # Devanagari conjunct (Unicode 15.1, Intl.Segmenter)
    ],
)
def test_graphemes(text: str, expected: int) -> None:
    assert graphemes(text) == expected
    assert count("bluesky", text) == expected


def test_bluesky_post_with_emoji() -> None:
    text = POST + " \U0001f64f\U0001f3fd #EndTrafficking"
    assert graphemes(text) == len(POST) + 2 + 16


def test_bluesky_fits_checks_graphemes_and_bytes() -> None:
    assert fits("bluesky", "x" * 300)
    assert not fits("bluesky", "x" * 301)
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 25 UTF-8 bytes
    assert graphemes(family * 120) == 120
    assert fits("bluesky", family * 120)  # 3000 bytes
    assert not fits("bluesky", family * 121)  # 121 graphemes but 3025 bytes


# -- Mastodon -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (POST, len(BEFORE_URL) + 23),
        ("see https://example.com here", 4 + 23 + 5),
        ("see http://x.co here", 4 + 23 + 5),  # short URLs count 23 too
        ("see senate.mo.gov here", 22),  # no scheme: not a link on Mastodon, counted as text
        ("@SenWyden@mastodon.social please vote yes", len("@SenWyden please vote yes")),
        ("cc @staffer@m.example.org, @staffer", len("cc @staffer, @staffer")),
        ("@local_user only", 16),
        ("write to office@senate.mo.gov", 29),  # an address, not a mention
        ("https://example.com/@user@example.org", 23),  # inside a URL
        ("Se\u00f1ora, gracias \u00a1", 17),
    ],
)
def test_mastodon_length(text: str, expected: int) -> None:
    assert mastodon_length(text) == expected
    assert count("mastodon", text) == expected


def test_mastodon_url_length_is_configurable() -> None:
    text = f"Support SB 792: {BILL_URL} and https://example.com"
    assert mastodon_length(text, url_length=30) == 16 + 30 + 5 + 30
    assert count("mastodon", text, mastodon_url_length=30) == 16 + 30 + 5 + 30


# -- Facebook, limits, fits -------------------------------------------------------------


def test_facebook_counts_code_points() -> None:
    text = POST + " \U0001f64f\U0001f3fd"
    assert count("facebook", text) == len(POST) + 3


def test_limits() -> None:
    assert LIMITS == {"x": 280, "bluesky": 300, "mastodon": 500, "facebook": 63206}
    assert [limit(p) for p in LIMITS] == [280, 300, 500, 63206]
    assert limit("mastodon", mastodon_limit=5000) == 5000
    assert limit("x", mastodon_limit=5000) == 280


@pytest.mark.parametrize(
    ("platform", "longest"),
    [
        ("x", "a" * 280),
        ("x", "\u6cd5" * 140),
        ("x", (BILL_URL + " ") * 11 + "a" * 16),
        ("facebook", "a" * 63206),
    ],
)
def test_fits_at_the_limit(platform: str, longest: str) -> None:
    assert fits(platform, longest)
    assert not fits(platform, longest + "a")


def test_fits_uses_the_instance_limit_on_mastodon() -> None:
    text = "a" * 600
    assert not fits("mastodon", text)
    assert fits("mastodon", text, mastodon_limit=1000)
    assert fits("mastodon", "a" * 500)


@pytest.mark.parametrize("call", [count, fits])
def test_unknown_platform(call) -> None:
    with pytest.raises(ValueError, match="threads"):
        call("threads", "hello")
    with pytest.raises(ValueError, match="threads"):
        limit("threads")
