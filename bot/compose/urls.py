"""twitter-text's URL extraction, without importing twitter-text-parser.

X counts every URL in a post as 23 characters, and finds URLs with
twitter-text's pattern (Mastodon's server uses nearly the same). The reference
implementation, ``twitter_text.extract_urls_with_indices``, is exact but its
package compiles an emoji pattern of 90,000 characters and reads its data with
``pkg_resources`` on import: half a second before the first post is counted,
which every ``advocacy-bot validate`` paid.

:func:`extract_urls_with_indices` here returns the same answer for every text.
Its pattern is the library's, built from the same pieces (copied verbatim
below), with one difference: the two top-level-domain alternations (1,574
words, ``zippo|zip|...``) are written as a trie (``zip(?:po)?``), which
compiles in a few milliseconds and matches much faster. That changes nothing:
after a TLD the pattern requires a character that is not an ASCII letter,
digit, ``@``, ``+`` or ``-``, so at most one TLD can match at a position, except
where one TLD is a prefix of another followed by such a character (``嘉里`` and
``嘉里大酒店``); there the library lists the longer first, and the trie, being
greedy, tries it first too. ``tests/compose/test_urls.py`` checks all of this:
that the assembled pattern equals the library's once the TLD parts are set
aside, that the word lists are the library's, and that no other pair of TLDs
could depend on order, and compares answers on many generated texts.

Compiling the whole pattern still takes some 40 ms, most of it for the 1,574
TLDs, and a command that counts a few posts (``advocacy-bot validate``) paid
it on every start. In ASCII text a TLD can only match right after a dot, as
the whole run of letters there, and only where the pattern's lookahead lets a
TLD end; a TLD that occurs nowhere like that cannot match, so leaving it out
of the alternation changes no answer. For ASCII text the pattern is therefore
compiled with only the TLDs such text has held so far (and a few common ones):
some 10 ms, once for the usual links. Text with no such TLD (and no punycode)
holds no URL and needs no pattern at all. Other text, and ASCII text once the
TLDs seen have changed a few times, uses the whole pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import TypedDict

from bot.compose._twitter_text_data import CCTLDS, GTLDS


class FoundUrl(TypedDict):
    """A URL found in a text, as twitter-text gives it."""

    url: str
    indices: list[int]
    """``[start, end]`` in code points."""


_Trie = dict[str, "_Trie"]


# -- the pieces of twitter-text's pattern (twitter_text/regexp/*.py) -------------------

SPACES_GROUP = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
PUNCT = r"\!'#%&'\(\)*\+,\\\-\.\/:;<=>\?@\[\]\^_{|}~\$/"
INVALID_CHARS_GROUP = r"\uFFFE\uFEFF\uFFFF"
DIRECTIONAL_MARKERS_GROUP = r"\u202A-\u202E\u061C\u200E\u200F\u2066\u2067\u2068\u2069"
LATIN_ACCENT_CHARS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
CYRILLIC_LETTERS_AND_MARKS = r"\u0400-\u04FF"

INVALID_DOMAIN_CHARS = PUNCT + SPACES_GROUP + INVALID_CHARS_GROUP + DIRECTIONAL_MARKERS_GROUP
VALID_DOMAIN_CHARS = rf"[^{INVALID_DOMAIN_CHARS}]"
VALID_SUBDOMAIN = (
    rf"(?:(?:{VALID_DOMAIN_CHARS}(?:[_-]|{VALID_DOMAIN_CHARS})*)?{VALID_DOMAIN_CHARS}\.)"
)
VALID_DOMAIN_NAME = (
    rf"(?:(?:{VALID_DOMAIN_CHARS}(?:-|{VALID_DOMAIN_CHARS})*)?{VALID_DOMAIN_CHARS}\.)"
)
VALID_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"
TLD_LOOKAHEAD = r"(?=[^0-9a-zA-Z@+-]|$)"
VALID_PORT_NUMBER = r"[0-9]+"
VALID_URL_PRECEDING_CHARS = (
    rf"(?:[^A-Za-z0-9@＠$#＃{INVALID_CHARS_GROUP}]|[{DIRECTIONAL_MARKERS_GROUP}]|^)"
)
VALID_GENERAL_URL_PATH_CHARS = (
    rf"[a-z{CYRILLIC_LETTERS_AND_MARKS}0-9!\*';:=\+,\.\$\/%#\[\]\-\u2013_~@\|&"
    rf"{LATIN_ACCENT_CHARS}]"
)
VALID_URL_BALANCED_PARENS = (
    rf"\((?:{VALID_GENERAL_URL_PATH_CHARS}+|(?:{VALID_GENERAL_URL_PATH_CHARS}*\("
    rf"{VALID_GENERAL_URL_PATH_CHARS}+\){VALID_GENERAL_URL_PATH_CHARS}*))\)"
)
VALID_URL_PATH_ENDING_CHARS = (
    rf"[\+\-a-z{CYRILLIC_LETTERS_AND_MARKS}0-9=_#\/{LATIN_ACCENT_CHARS}]"
    rf"|(?:{VALID_URL_BALANCED_PARENS})"
)
VALID_URL_PATH = (
    rf"(?:(?:{VALID_GENERAL_URL_PATH_CHARS}*(?:{VALID_URL_BALANCED_PARENS}"
    rf"{VALID_GENERAL_URL_PATH_CHARS}*)*{VALID_URL_PATH_ENDING_CHARS})|"
    rf"(?:@{VALID_GENERAL_URL_PATH_CHARS}+/))"
)
VALID_URL_QUERY_CHARS = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
VALID_URL_QUERY_ENDING_CHARS = r"[a-z0-9\-_&=#/]"


def tld_pattern(words: list[str]) -> str:
    """``(?:(?:<words as a trie>)(?=...))``: twitter-text's TLD pattern, compact.

    Where a word ends inside a longer one the longer is tried first (a greedy
    ``?``), as the library's list has it. No words: a pattern matching nothing.
    """
    if not words:
        return "(?!)"
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: _Trie) -> str:
        branches = [re.escape(char) + render(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here: try the longer words first
            return ("(?:" + body + ")" if len(branches) == 1 else body) + "?"
        return body

    return f"(?:(?:{render(trie)}){TLD_LOOKAHEAD})"


def extract_url_pattern(gtld: str, cctld: str) -> str:
    """twitter-text's ``extract_url`` pattern around the given TLD patterns."""
    domain = f"(?:{VALID_SUBDOMAIN}*{VALID_DOMAIN_NAME}(?:{gtld}|{cctld}|{VALID_PUNYCODE}))"
    return (
        f"(({VALID_URL_PRECEDING_CHARS})((https?:\\/\\/)?({domain})"
        f"(?::({VALID_PORT_NUMBER}))?(\\/{VALID_URL_PATH}*)?"
        f"(\\?{VALID_URL_QUERY_CHARS}*{VALID_URL_QUERY_ENDING_CHARS})?))"
    )


def ascii_domain_pattern(gtld: str, cctld: str) -> str:
    """twitter-text's ``valid_ascii_domain`` pattern around the given TLD patterns."""
    return rf"(?:(?:[\-a-z0-9{LATIN_ACCENT_CHARS}]+)\.)+(?:{gtld}|{cctld}|{VALID_PUNYCODE})"


TCO_URL_PATTERN = (
    rf"^https?:\/\/t\.co\/([a-z0-9]+)(?:\?{VALID_URL_QUERY_CHARS}*{VALID_URL_QUERY_ENDING_CHARS})?"
)


@lru_cache(maxsize=1)
def _tld_patterns() -> tuple[str, str]:
    return tld_pattern(GTLDS), tld_pattern(CCTLDS)


@lru_cache(maxsize=1)
def _extract_url() -> re.Pattern[str]:
    """The whole URL pattern, compiled on first use (some 40 ms)."""
    return re.compile(extract_url_pattern(*_tld_patterns()), re.IGNORECASE)


@lru_cache(maxsize=1)
def _valid_ascii_domain() -> re.Pattern[str]:
    """Only URLs without ``http(s)://`` need this one: compiled when one is found."""
    return re.compile(ascii_domain_pattern(*_tld_patterns()), re.IGNORECASE)


_VALID_TCO_URL = re.compile(TCO_URL_PATTERN, re.IGNORECASE)


def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """All three compiled patterns (for the tests)."""
    return _extract_url(), _valid_ascii_domain(), _VALID_TCO_URL


# -- ASCII text: the pattern over only the TLDs it can hold ---------------------------

_TLDS = frozenset(GTLDS).union(CCTLDS)
#: Where ASCII text can hold a TLD: a run of letters after a dot, as a whole (every
#: ASCII TLD is letters only), followed by what the TLD lookahead accepts.
_TLD_SPOT = re.compile(r"\.([a-z]+)(?![a-z0-9@+\-])", re.IGNORECASE)
#: The two-letter codes of US states and territories that are also country-code TLDs.
#: State sites put them before ``.gov`` (``house.mo.gov``, ``legis.ga.gov``,
#: ``in.gov``), where the pattern may take them for a TLD: without them a state
#: legislature's link would compile a pattern of its own (some 7 ms, per process).
STATE_TLDS = frozenset(
    {"al", "ar", "as", "az", "ca", "co", "de", "ga", "gu", "id", "il", "in", "ky", "la", "ma"}
    | {"md", "me", "mn", "mo", "mp", "ms", "mt", "nc", "ne", "pa", "pr", "sc", "sd", "tn", "va"}
    | {"vi"}
)
#: Always in the ASCII pattern, so that the usual links share one compiled pattern: the
#: common TLDs, and the states' codes (above), at some 1.3 ms more per compile.
COMMON_TLDS = (
    frozenset({"com", "org", "net", "gov", "edu", "info", "io", "app", "us", "co", "ly", "uk"})
    | STATE_TLDS
)
#: Compiles of the ASCII pattern (each some 10 ms) before the whole pattern is used.
MAX_ASCII_COMPILES = 4
_ascii_tlds: frozenset[str] = COMMON_TLDS
"""The TLDs of the latest ASCII pattern: each text's are added to them."""


def tlds_in(text: str) -> frozenset[str]:
    """Every TLD the URL pattern could match in ASCII ``text`` (lower case)."""
    return frozenset(
        word for spot in _TLD_SPOT.finditer(text) if (word := spot.group(1).lower()) in _TLDS
    )


@lru_cache(maxsize=MAX_ASCII_COMPILES)
def _ascii_tld_patterns(words: frozenset[str]) -> tuple[str, str]:
    """The TLD patterns of ``words``, in the library's order."""
    return (
        tld_pattern([word for word in GTLDS if word in words]),
        tld_pattern([word for word in CCTLDS if word in words]),
    )


@lru_cache(maxsize=MAX_ASCII_COMPILES)
def _ascii_extract_url(words: frozenset[str]) -> re.Pattern[str]:
    """The URL pattern over ``words``: exact for ASCII text holding no other TLD."""
    return re.compile(extract_url_pattern(*_ascii_tld_patterns(words)), re.IGNORECASE)


@lru_cache(maxsize=MAX_ASCII_COMPILES)
def _ascii_valid_ascii_domain(words: frozenset[str]) -> re.Pattern[str]:
    return re.compile(ascii_domain_pattern(*_ascii_tld_patterns(words)), re.IGNORECASE)


def _url_patterns(text: str) -> tuple[re.Pattern[str], Callable[[], re.Pattern[str]]] | None:
    """The URL pattern to search ``text`` with (and how to get the ASCII domain one).

    None when ``text`` cannot hold a URL: ASCII without a TLD or punycode.
    """
    global _ascii_tlds
    if not text.isascii() or _extract_url.cache_info().currsize:
        return _extract_url(), _valid_ascii_domain
    found = tlds_in(text)
    if not found and "xn--" not in text.lower():
        return None
    words = _ascii_tlds
    if not found <= words:
        if _ascii_extract_url.cache_info().misses >= MAX_ASCII_COMPILES:
            return _extract_url(), _valid_ascii_domain
        words = _ascii_tlds = words | found
    return _ascii_extract_url(words), partial(_ascii_valid_ascii_domain, words)


_INVALID_WITHOUT_PROTOCOL_BEFORE = re.compile(r"[-_./]$")
DEFAULT_PROTOCOL = "https://"
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40


def extract_urls_with_indices(
    text: str, extract_urls_without_protocol: bool = True
) -> list[FoundUrl]:
    """``twitter_text.extract_urls_with_indices``, line for line, on the patterns above.

    Each URL as ``{"url": str, "indices": [start, end]}``, in code points.
    """
    if text == "" or ("." not in text if extract_urls_without_protocol else ":" not in text):
        return []
    patterns = _url_patterns(text)
    if patterns is None:
        return []
    return _extract(text, extract_urls_without_protocol, *patterns)


def _extract(
    text: str,
    extract_urls_without_protocol: bool,
    extract_url: re.Pattern[str],
    valid_ascii_domain: Callable[[], re.Pattern[str]],
) -> list[FoundUrl]:
    urls: list[FoundUrl] = []
    for url_match in extract_url.finditer(text):
        _, before, url, protocol, domain, _, path, _ = url_match.groups()
        end_position = url_match.end()
        start_position = end_position - len(url)
        if not _is_valid_url(url, protocol or DEFAULT_PROTOCOL, domain):
            continue
        if protocol is None:  # ASCII-only domains, and only after a suitable character
            if not extract_urls_without_protocol or _INVALID_WITHOUT_PROTOCOL_BEFORE.match(before):
                continue
            last_url: FoundUrl | None = None
            for ascii_domain_match in valid_ascii_domain().finditer(domain):
                last_url = {
                    "url": ascii_domain_match.group(0),
                    "indices": [
                        start_position + ascii_domain_match.start(),
                        start_position + ascii_domain_match.end(),
                    ],
                }
                urls.append(last_url)
            if last_url is None:
                continue
            if path:  # the last domain found takes the path and query
                last_url["url"] = url.replace(domain, last_url["url"])
                last_url["indices"][1] = end_position
        else:
            tco_url_match = _VALID_TCO_URL.search(url)  # t.co URLs take no further path
            if tco_url_match:
                tco_url_slug = tco_url_match.group(1)
                if tco_url_slug and len(tco_url_slug) > MAX_TCO_SLUG_LENGTH:
                    continue
                url = tco_url_match.group(0)
                end_position = start_position + len(url)
            urls.append({"url": url, "indices": [start_position, end_position]})
    return urls


def _is_valid_url(url: str, protocol: str, domain: str) -> bool:
    try:
        puny_encoded_domain = domain.encode("idna").decode("ascii")
    except Exception:  # as the library: an invalid domain is no URL
        return False
    if not puny_encoded_domain:
        return False
    url_length = len(url) + len(puny_encoded_domain) - len(domain)
    return len(protocol) + url_length <= MAX_URL_LENGTH
