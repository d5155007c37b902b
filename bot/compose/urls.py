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
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.compose._twitter_text_data import CCTLDS, GTLDS

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
    ``?``), as the library's list has it.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
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
    """The URL pattern, compiled on first use (some 25 ms)."""
    return re.compile(extract_url_pattern(*_tld_patterns()), re.IGNORECASE)


@lru_cache(maxsize=1)
def _valid_ascii_domain() -> re.Pattern[str]:
    """Only URLs without ``http(s)://`` need this one: compiled when one is found."""
    return re.compile(ascii_domain_pattern(*_tld_patterns()), re.IGNORECASE)


_VALID_TCO_URL = re.compile(TCO_URL_PATTERN, re.IGNORECASE)


def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """All three compiled patterns (for the tests)."""
    return _extract_url(), _valid_ascii_domain(), _VALID_TCO_URL


_INVALID_WITHOUT_PROTOCOL_BEFORE = re.compile(r"[-_./]$")
DEFAULT_PROTOCOL = "https://"
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40


def extract_urls_with_indices(
    text: str, extract_urls_without_protocol: bool = True
) -> list[dict[str, object]]:
    """``twitter_text.extract_urls_with_indices``, line for line, on the patterns above.

    Each URL as ``{"url": str, "indices": [start, end]}``, in code points.
    """
    if text == "" or ("." not in text if extract_urls_without_protocol else ":" not in text):
        return []
    urls: list[dict[str, object]] = []
    for url_match in _extract_url().finditer(text):
        _, before, url, protocol, domain, _, path, _ = url_match.groups()
        end_position = url_match.end()
        start_position = end_position - len(url)
        if not _is_valid_url(url, protocol or DEFAULT_PROTOCOL, domain):
            continue
        if protocol is None:  # ASCII-only domains, and only after a suitable character
            if not extract_urls_without_protocol or _INVALID_WITHOUT_PROTOCOL_BEFORE.match(before):
                continue
            last_url: dict[str, object] | None = None
            for ascii_domain_match in _valid_ascii_domain().finditer(domain):
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
                last_url["url"] = url.replace(domain, str(last_url["url"]))
                last_url["indices"][1] = end_position  # type: ignore[index]
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
