"""twitter-text's URL extraction without the library (bot.compose.urls)."""

from __future__ import annotations

import random
import re
import subprocess
import sys

import pytest
import twitter_text
from twitter_text.regexp.extract_url import extract_url
from twitter_text.regexp.valid_ascii_domain import valid_ascii_domain
from twitter_text.regexp.valid_cctld import valid_cctld
from twitter_text.regexp.valid_gtld import valid_gtld
from twitter_text.regexp.valid_tco_url import valid_tco_url

from bot.compose import _twitter_text_data as data
from bot.compose import urls
from tests.compose import twitter_text_data
from tests.compose.test_length import random_piece
from tests.support import ROOT

REGENERATE = "run `python -m tests.compose.twitter_text_data > bot/compose/_twitter_text_data.py`"


def test_patterns_are_the_library_s_apart_from_the_tld_trie() -> None:
    """Built from the library's TLD alternations, our patterns are the library's, exactly."""
    gtld, cctld = valid_gtld.pattern, valid_cctld.pattern
    assert urls.extract_url_pattern(gtld, cctld) == extract_url.pattern
    assert urls.ascii_domain_pattern(gtld, cctld) == valid_ascii_domain.pattern
    assert valid_tco_url.pattern == urls.TCO_URL_PATTERN
    compiled = urls._patterns()
    assert [p.flags for p in compiled] == [
        extract_url.flags,
        valid_ascii_domain.flags,
        valid_tco_url.flags,
    ]


def test_copied_data_is_the_library_s() -> None:
    assert twitter_text_data.tld_words(valid_gtld.pattern) == data.GTLDS, REGENERATE
    assert twitter_text_data.tld_words(valid_cctld.pattern) == data.CCTLDS, REGENERATE
    emoji = twitter_text_data.ranges(twitter_text_data.emoji_code_points())
    assert [f"{a:X}" if a == b else f"{a:X}-{b:X}" for a, b in emoji] == data.EMOJI_CODE_POINTS, (
        REGENERATE
    )


def test_tld_order_matters_only_where_the_trie_keeps_it() -> None:
    """Where two TLDs could match at one place, the library lists the longer first.

    After a TLD the pattern wants a character that is not an ASCII letter,
    digit, @, + or -, so a TLD that is a prefix of another can match where the
    longer does only if the longer goes on with another character; there the
    alternation's order decides, and the trie (greedy) tries the longer first.
    """
    words = data.GTLDS + data.CCTLDS
    assert len(set(words)) == len(words)
    follows_tld = re.compile(r"[^0-9a-zA-Z@+-]", re.IGNORECASE)
    order = {word: index for index, word in enumerate(words)}
    sensitive = [
        (short, long)
        for short in words
        for long in words
        if short != long
        and long.lower().startswith(short.lower())
        and follows_tld.match(long[len(short)])
    ]
    assert sensitive  # the two known ones: 嘉里/嘉里大酒店 and भारत/भारतम्
    for short, long in sensitive:
        assert order[long] < order[short], (short, long)


def test_tld_trie_matches_as_the_alternation_does() -> None:
    library = re.compile(f"(?:{valid_gtld.pattern}|{valid_cctld.pattern})", re.IGNORECASE)
    ours = re.compile(
        f"(?:{urls.tld_pattern(data.GTLDS)}|{urls.tld_pattern(data.CCTLDS)})", re.IGNORECASE
    )
    words = data.GTLDS + data.CCTLDS
    rng = random.Random(7)
    samples = [w + tail for w in words for tail in ("", ".", "/x", "a", "-", "@", " ", "大酒店")]
    samples += [w.upper() for w in words] + [w[:-1] for w in words]
    samples += [
        "".join(rng.choice(words)[: rng.randrange(1, 6)] for _ in range(3)) for _ in range(3000)
    ]
    for text in samples:
        expected = library.match(text)
        found = ours.match(text)
        assert (found and found.span()) == (expected and expected.span()), text


def generated_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        emoji = rng.random() < 0.2
        texts.append("".join(random_piece(rng, emoji=emoji) for _ in range(rng.randrange(30))))
    return texts


URL_EDGE_CASES = [
    "foo.com.zzzz and a_b.com/a_b.com and x.co",
    "https://t.co/" + "a" * 41 + " https://t.co/abc?x=1 http://t.co/abc/def",
    "see www.example.com:8080/path(with)parens?q=1&x=2# then .com",
    "a" * 64 + ".com " + "b" * 63 + ".com",
    '"example.com" `example.org` ex\x01ample.net',
    "-example.com _example.com /example.com .example.com",
    "@user.com #tag.com $cash.com ＠user.com",
    "https://www.senate.mo.gov/24info/BTS_Web/Bill.aspx?SessionType=R&BillID=44.",
    "foo.嘉里大酒店 foo.嘉里x bar.भारतम् bar.भारत",
    "xn--bcher-kva.com xn--p1ai.xn--p1ai http://xn--fiqs8s",
    "ſite.com http://example.ſite KOM.com",
    "",
    "no dot here",
]


@pytest.mark.parametrize("protocol_optional", [True, False])
def test_matches_the_library(protocol_optional: bool) -> None:
    texts = URL_EDGE_CASES + generated_texts(11, 2000)
    for text in texts:
        expected = twitter_text.extract_urls_with_indices(text, protocol_optional)
        assert urls.extract_urls_with_indices(text, protocol_optional) == expected, text


def test_counting_plain_text_does_not_import_the_library() -> None:
    """The library costs half a second to import; only text with an emoji needs it."""
    script = (
        "import sys\n"
        "from bot.compose import length\n"
        "assert length.x_weighted_length('Hi @a, see https://example.com/x.') == 35\n"
        "assert length.x_weighted_length('Se\u00f1ora \u201cSB 792\u201d \u65e5\u672c') == 20\n"
        "assert length.count('mastodon', 'see https://example.com') == 27\n"
        "assert 'twitter_text' not in sys.modules, 'twitter_text imported'\n"
        "assert length.x_weighted_length('thanks \U0001f64f') == 9\n"
        "assert 'twitter_text' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def ascii_texts() -> list[str]:
    """URL edge cases and generated posts made ASCII, in both cases."""
    texts = [text for text in URL_EDGE_CASES if text.isascii()]
    texts += [text.encode("ascii", "ignore").decode() for text in generated_texts(13, 600)]
    texts += ["house.mo.gov/x go.gov.as", "a.b-c.com x.com-y x.comedy a.ly@b c.co+d", "x.XN--p1ai"]
    return texts + [text.upper() for text in texts[:300]]


def test_ascii_text_needs_only_the_tlds_it_holds() -> None:
    """Searched with a pattern over only the TLDs :func:`tlds_in` finds, the library's answers.

    A text in which it finds none (and no punycode) holds no URL at all.
    """
    patterns: dict[frozenset[str], tuple[re.Pattern[str], re.Pattern[str]]] = {}
    for text in ascii_texts():
        words = urls.tlds_in(text)
        if words not in patterns:
            gtld, cctld = urls._ascii_tld_patterns(words)
            patterns[words] = (
                re.compile(urls.extract_url_pattern(gtld, cctld), re.IGNORECASE),
                re.compile(urls.ascii_domain_pattern(gtld, cctld), re.IGNORECASE),
            )
        extract, domain = patterns[words]
        for optional in (True, False):
            expected = twitter_text.extract_urls_with_indices(text, optional)
            if not words and "xn--" not in text.lower():
                assert expected == [], text
            found = urls._extract(text, optional, extract, lambda domain=domain: domain)
            assert found == expected, (text, sorted(words))


def test_ascii_text_shares_a_few_small_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The TLDs seen so far make one pattern; the whole one only after a few changes."""
    monkeypatch.setattr(urls, "_ascii_tlds", urls.COMMON_TLDS)
    urls._extract_url.cache_clear()
    urls._ascii_extract_url.cache_clear()
    links = ["https://house.mo.gov/Bill.aspx?bill=HB1526", "www.congress.gov/bill/1", "x.co"]
    for text in links:
        assert urls.extract_urls_with_indices(text) == twitter_text.extract_urls_with_indices(text)
    assert urls._ascii_extract_url.cache_info().misses == 1  # one pattern for all three
    assert urls._extract_url.cache_info().currsize == 0
    assert urls.extract_urls_with_indices("Sen. J.R. Smith, e.g. this") == []
    assert urls._ascii_extract_url.cache_info().misses == 1  # no TLD: no pattern
    for text in ascii_texts():
        for optional in (True, False):
            expected = twitter_text.extract_urls_with_indices(text, optional)
            assert urls.extract_urls_with_indices(text, optional) == expected, text
    assert urls._ascii_extract_url.cache_info().misses == urls.MAX_ASCII_COMPILES
    assert urls._extract_url.cache_info().currsize == 1  # more TLDs: the whole pattern


def test_state_legislature_links_share_one_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    """``house.mo.gov``, ``legis.ga.gov``, ``in.gov``: a state's code that is also a TLD
    is in the shared pattern from the start, so such links compile no pattern of their own."""
    from tests.compose.test_mastodon_length import STATE_LINKS

    monkeypatch.setattr(urls, "_ascii_tlds", urls.COMMON_TLDS)
    urls._extract_url.cache_clear()
    urls._ascii_extract_url.cache_clear()
    for link in STATE_LINKS:
        text = f"Please vote yes. {link} @someone"
        assert urls.extract_urls_with_indices(text) == twitter_text.extract_urls_with_indices(text)
    assert urls._ascii_extract_url.cache_info().misses == 1
    assert urls._extract_url.cache_info().currsize == 0
    assert urls.STATE_TLDS.issubset(data.CCTLDS)
