"""Mastodon's length rule: Mastodon's own spec cases, and agreement with a separate port.

The project's counter (:mod:`bot.compose.mastodon_length`) and the fake server's
(:mod:`tests.fakes.mastodon_validator`, a literal port of the Ruby) are written
apart; they must agree on every text. Both are also held to the cases of
Mastodon's ``spec/validators/status_length_validator_spec.rb`` (limit 500).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.compose import length
from bot.compose.mastodon_length import countable_text, entities, status_length
from tests.compose import mastodon_texts
from tests.fakes import mastodon_validator

LIMIT = 500


def over_limit(text: str, spoiler_text: str = "") -> tuple[bool, bool]:
    """Whether each implementation refuses the status at 500 characters."""
    ours = status_length(text, spoiler_text) > LIMIT
    port = mastodon_validator.countable_length(text, spoiler_text) > LIMIT
    return ours, port


# Mastodon's spec, case by case: (its description, spoiler_text, text, refused?).
SPEC = [
    ("adds an error when content warning is over character limit", "a" * 520, "", True),
    ("adds an error when text is over character limit", "", "a" * 520, True),
    ("adds an error when text and content warning are over limit total", "a" * 250, "b" * 251,
     True),
    (
        "reduces calculated length of auto-linkable space-separated URLs",
        "",
        "a" * 476 + " " + "http://" + "b" * 30 + ".com/example",
        False,
    ),
    (
        "does not reduce calculated length of non-autolinkable URLs",
        "",
        "a" * 476 + "http://" + "b" * 30 + ".com/example",
        True,
    ),
    (
        "does not reduce calculated length of count overly long URLs",
        "",
        "http://example.com/valid?" + "#foo?" * 1000,
        True,
    ),
    ("counts only the front part of remote usernames", "",
     "a" * 475 + " @alice@" + "b" * 30 + ".com", False),
    (
        "does count both parts of remote usernames for overly long domains",
        "",
        "@alice@" + "b" * 500 + ".com",
        True,
    ),
    ("counts multi byte emoji as single character", "", "✨" * 500, False),
    ("counts ZWJ sequence emoji as single character", "", "🏳️\u200d⚧️" * 500, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spoiler", "text", "refused"), [c[1:] for c in SPEC], ids=[c[0] for c in SPEC]
)
def test_mastodons_own_spec_cases(spoiler: str, text: str, refused: bool) -> None:
    assert over_limit(text, spoiler) == (refused, refused)


def test_the_spec_cases_sit_right_at_the_limit() -> None:
    """The accepted cases are exactly 500 or close: off by one anywhere would fail them."""
    assert status_length("a" * 476 + " http://" + "b" * 30 + ".com/example") == 500
    assert status_length("a" * 475 + " @alice@" + "b" * 30 + ".com") == 482
    assert status_length("🏳️\u200d⚧️" * 500) == 500


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The examples of issue 14 (there with four characters before each of the last three).
        ("See https://example.com/bill. Thanks!", 36),  # the "." ends the sentence, not the URL
        ("@john.doe@host.social", len("@john.doe")),
        ("cc: @john.doe@host.social", 13),
        ("https://xn--bcher-kva.example/x", 31),  # no known TLD and not punycode: plain text
        ("cc: https://xn--bcher-kva.example/x", 35),
        ("@dave@example.com@x", 19),  # followed by "@": no mention, counted in full
        ("🏳️\u200d⚧️", 1),
        # More of the rule.
        ("Read (https://en.wikipedia.org/wiki/Bill_(law)) now", 5 + 1 + 23 + 1 + 4),
        ("https://example.com/a.b?x=1&y=2.", 24),
        ("see senate.mo.gov here", 22),  # no protocol: Mastodon links nothing
        ("gemini://example.com/x", 23),
        ("ftp://example.com/x", 19),  # ftp is not one of Mastodon's protocols: plain text
        ("https://t.co/abc123/more", 23 + len("/more")),
        ("@SenatorSmith@Senate.Social!", len("@SenatorSmith!")),
        ("@useré@host.social", 18),  # an accented letter after "@user": no mention
        ("mail office@senate.mo.gov", 25),  # preceded by a letter: no mention
        ("क्ष" * 151, 151),  # Unicode 15.1 conjuncts: one cluster each
        ("   \n ", 0),  # blank text counts nothing
    ],
)
def test_counts(text: str, expected: int) -> None:
    assert status_length(text) == expected
    assert mastodon_validator.countable_length(text) == expected
    assert length.count("mastodon", text) == expected


def test_the_url_length_is_the_instances() -> None:
    text = "See https://example.com/bill. Thanks!"
    assert status_length(text, url_length=30) == 36 - 23 + 30
    assert mastodon_validator.countable_length(text, url_chars=30) == 36 - 23 + 30


def test_overlapping_url_and_mention_keep_the_first() -> None:
    text = "https://example.com/@user@example.org and @a@b.org"
    found = entities(text)
    assert [(e.start, e.replacement) for e in found] == [(0, None), (42, "@a")]
    assert countable_text(text) == "x" * 23 + " and @a"


def test_generated_texts_are_counted_as_the_separate_port_counts_them() -> None:
    """2,000 texts made of the pieces that decide Mastodon's count (URLs, mentions,
    what comes before and after them, scripts, emoji): the two agree on every one.
    The old counters agreed on 421 (composer) and 412 (pre-send check)."""
    sample = mastodon_texts.texts(2000)
    rewritten = sum(countable_text(text) != text for text in sample)
    assert rewritten > 1000  # most texts hold a URL or mention Mastodon rewrites
    differing = [
        (text, status_length(text), mastodon_validator.countable_length(text))
        for text in sample
        if status_length(text) != mastodon_validator.countable_length(text)
    ]
    assert differing == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_hypothesis_texts_agree_with_the_port(rng: random.Random) -> None:
    text = mastodon_texts.text(rng)
    assert status_length(text) == mastodon_validator.countable_length(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"ab.:/@-_()?!,'\" \nxné", "https://", "example.com", "xn--"]),
        max_size=30,
    ).map("".join)
)
def test_arbitrary_text_agrees_with_the_port(text: str) -> None:
    assert status_length(text) == mastodon_validator.countable_length(text)


def test_the_url_search_skips_the_prose_around_the_links() -> None:
    """Only the words holding a ``://`` are searched (from the white space before the
    first): ``validate`` counts hundreds of texts, and the pattern tries every position."""
    from bot.compose.mastodon_length import _url_span

    text = "Call Sen. Smith (R-MO) today! https://senate.mo.gov/bill thanks @a@b.org #SB792"
    start, end = _url_span(text)
    assert text[start:end] == " https://senate.mo.gov/bill"
    two = "See https://a.org, then\thttps://b.org/x. Thank you"
    assert two[slice(*_url_span(two))] == " https://a.org, then\thttps://b.org/x."
    assert _url_span("https://a.org") == (0, 13)
    assert countable_text(text) == text.replace("https://senate.mo.gov/bill", "x" * 23).replace(
        "@a@b.org", "@a"
    )


def test_the_cheap_bound_is_never_below_the_count() -> None:
    """``length.at_most`` (every grapheme, 25 a ``://``) is what validate compares with
    the limit before it looks for URLs: it must never under-count."""
    sample = [*mastodon_texts.texts(2000), "a https://a.b\u0301 b", "\u0301https://x.org\u0301"]
    assert all(length.at_most("mastodon", text) >= status_length(text) for text in sample)
    assert length.at_most("x", "https://x.org") == length.count("x", "https://x.org") == 23


def test_limit_and_count_follow_the_instance_once_known() -> None:
    length.forget_mastodon_instances()
    try:
        assert length.limit("mastodon", account="default") == 500
        length.remember_mastodon_instance("default", length.MastodonInstance(5000, 30))
        assert length.limit("mastodon", account="default") == 5000
        assert length.limit("mastodon", account="other") == 500
        assert length.limit("mastodon") == 500
        assert length.count("mastodon", "https://example.com", account="default") == 30
        assert length.fits("mastodon", "a" * 4000, account="default")
        assert not length.fits("mastodon", "a" * 4000, account="other")
    finally:
        length.forget_mastodon_instances()


def test_a_pathological_text_is_counted_safely_and_quickly() -> None:
    """twitter-text's domain pattern backtracks for seconds on ``a-a-a-...``; the count
    gives up after half a second with an upper bound, never an under-count."""
    text = "https://" + "a-" * 2000 + ".com https://x.org"
    assert status_length(text) >= len(text) - 2 * (len("https://x.org") - 23)
    assert status_length(text) >= mastodon_validator.countable_length("https://x.org") + 4000


#: Every state legislature's site, as the bot's campaigns link them: the state's code
#: before ``.gov`` is a country-code TLD for 31 states and territories.
STATE_LINKS = [
    "https://house.mo.gov/Bill.aspx?bill=HB1526&year=2018&code=R",
    "https://leg.colorado.gov/bills/sb24-001",
    "https://www.legis.ga.gov/legislation/1",
    "https://iga.in.gov/legislative/2026/bills/house/1",
    "https://www.legislature.va.gov/bill/1",
    "https://legislature.ca.gov/x",
    "https://www.congress.gov/bill/115th-congress/senate-bill/1693",
]


def test_state_legislature_links_share_one_url_pattern() -> None:
    """A state's code before ``.gov`` (``house.mo.gov``) needs no pattern of its own: each
    compile costs some 7 ms of a command's start (``validate`` counts every text)."""
    from bot.compose import mastodon_length

    mastodon_length._url_pattern.cache_clear()
    for link in STATE_LINKS:
        text = f"Please vote yes. {link} @someone@mastodon.example"
        assert status_length(text) == mastodon_validator.countable_length(text, "")
    assert mastodon_length._url_pattern.cache_info().misses == 1
