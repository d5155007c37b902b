"""A status's length as Mastodon counts it (``StatusLengthValidator``).

Mastodon (4.x, ``app/validators/status_length_validator.rb``) counts the
content warning plus the text after two rewrites, in extended grapheme
clusters (``each_grapheme_cluster``):

* every URL its extractor finds *with a protocol* counts as
  ``characters_reserved_per_url`` (23) characters, whatever its length. URLs
  are found with twitter-text's Ruby pattern as Mastodon patches it
  (``config/initializers/twitter_regex.rb``): more protocols (``dat``,
  ``gemini``...), any non-space character in a path, but a path never ends in
  ``. , ; : ! ? ' " ) ]`` and the like, so ``https://example.com/bill.`` is a
  23-character URL and a 1-character dot. The host must end in a known
  top-level domain or in punycode (``xn--`` and letters or digits: no second
  hyphen), and a URL longer than 4,096 characters is no URL;
* every mention ``@user@domain`` (``Account::MENTION_RE``) counts as
  ``@user``, unless it is followed by another ``@``, an accented Latin letter
  or ``://``, or its domain is longer than 253 characters.

A bare ``example.com`` is not a link on Mastodon and counts in full. Where a
URL and a mention overlap, the one that starts first wins (twitter-text's
``remove_overlapping_entities``). Whitespace-only text counts 0.

This module is this project's own reading of that Ruby code. The fake server
(``tests/fakes/mastodon.py``) enforces the limit with a separate, literal port
of the same Ruby regexes, and ``tests/compose/test_mastodon_length.py``
compares the two on thousands of generated texts and checks Mastodon's own
spec cases. The top-level domain lists are twitter-text's, as this project
already carries them (:mod:`bot.compose._twitter_text_data`).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex

from bot.compose._twitter_text_data import CCTLDS, GTLDS
from bot.compose.urls import COMMON_TLDS, tld_pattern, tlds_in
from bot.errors import AdvocacyBotError

log = logging.getLogger(__name__)

#: What a URL counts on a stock instance (``characters_reserved_per_url``).
URL_LENGTH = 23
#: twitter-text: a longer URL (IDN domain encoded) is not extracted.
MAX_URL_LENGTH = 4096
#: Mastodon's ``Extractor::MAX_DOMAIN_LENGTH``: a mention with a longer domain counts in full.
MAX_MENTION_DOMAIN = 253
#: Longest a URL search may take. twitter-text's domain pattern backtracks
#: catastrophically on long runs like ``a-a-a-...`` (Mastodon's too); past this the
#: text is counted by a safe upper bound instead (:func:`status_length`).
SEARCH_SECONDS = 0.5
#: Compiled URL patterns kept (each over the TLDs some ASCII texts hold; then the whole).
MAX_PATTERNS = 8
#: twitter-text: a t.co slug longer than this is no URL.
MAX_TCO_SLUG = 40


class TooComplex(AdvocacyBotError):
    """The URL search gave up on this text (see :data:`SEARCH_SECONDS`)."""


@dataclass(frozen=True, slots=True)
class Entity:
    """A URL or a mention Mastodon finds in a text, by code point offsets."""

    start: int
    end: int
    replacement: str | None
    """What it counts as: None for a URL (the URL length), ``@user`` for a mention."""


# -- the character sets, as Ruby's regexes define them -----------------------------------------

# twitter-text's DOMAIN_VALID_CHARS excludes directional marks, ASCII punctuation (but not the
# backslash), ASCII spaces and controls, the BOM and U+FFFE/FFFF, and Unicode spaces.
_NOT_IN_DOMAIN = (
    r"\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069"
    r"!\"#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~"
    r"\x00-\x20\x7F\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    r"\uFEFF\uFFFE\uFFFF"
)
_DOMAIN_CHAR = rf"[^{_NOT_IN_DOMAIN}]"
_LATIN_ACCENTS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
# Mastodon's path characters: anything but white space, angle brackets, parentheses and "?".
_PATH_CHAR = r"[^\p{White_Space}<>()?]"
# twitter-text's own (unpatched) path characters: they survive inside the balanced
# parentheses Mastodon's path-ending pattern was built from (the initializer replaces the
# parentheses pattern only after interpolating the old one there).
_OLD_PATH_CHAR = rf"[a-z\p{{Cyrillic}}0-9!*';:=+,.$/%#\[\]\p{{Pd}}_~&|@{_LATIN_ACCENTS}]"
_OLD_PARENS = rf"\((?:{_OLD_PATH_CHAR}+|{_OLD_PATH_CHAR}*\({_OLD_PATH_CHAR}+\){_OLD_PATH_CHAR}*)\)"
_PARENS = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_END = rf"(?:[^\p{{White_Space}}()?!*\"'「」<>;:=,.$%\[\]~&|@]|{_OLD_PARENS})"
_PATH = rf"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|{_PATH_CHAR}+/)"
_UCHARS = (
    r"\xA0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF\U00010000-\U0001FFFD\U00020000-\U0002FFFD"
    r"\U00030000-\U0003FFFD\U00040000-\U0004FFFD\U00050000-\U0005FFFD\U00060000-\U0006FFFD"
    r"\U00070000-\U0007FFFD\U00080000-\U0008FFFD\U00090000-\U0009FFFD\U000A0000-\U000AFFFD"
    r"\U000B0000-\U000BFFFD\U000C0000-\U000CFFFD\U000D0000-\U000DFFFD\U000E1000-\U000EFFFD"
    r"\uE000-\uF8FF\U000F0000-\U000FFFFD\U00100000-\U0010FFFD"
)
_QUERY = rf"\?[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{_UCHARS}]*[a-z0-9_&=#/\-{_UCHARS}]"
_DIRECTIONAL = r"\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069"
_BEFORE_URL = rf"(?:[^a-z0-9@＠$#＃\uFFFE\uFEFF\uFFFF]|[{_DIRECTIONAL}]|^)"
_PROTOCOL = r"(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"

# Account::MENTION_RE; [[:word:]] is Ruby's Unicode word class.
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
_MENTION = regex.compile(
    rf"(?<![=/]|{_WORD})@((?:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@{_WORD}+(?:[.-]+{_WORD}+)*)?)",
    regex.IGNORECASE | regex.V0,
)
_MENTION_REFUSED_AFTER = regex.compile(rf"[@＠{_LATIN_ACCENTS}]|://", regex.IGNORECASE)
_TCO = regex.compile(r"https?://t\.co/([a-z0-9]+)", regex.IGNORECASE)
_GRAPHEME = regex.compile(r"\X")
_BLANK = regex.compile(r"\p{White_Space}*")  # ActiveSupport's ``blank?``


@lru_cache(maxsize=MAX_PATTERNS)
def _url_pattern(words: frozenset[str] | None = None) -> regex.Pattern[str]:
    """twitter-text's ``valid_url`` with Mastodon's patches, compiled on first use.

    ``words``: only these top-level domains (for ASCII text, see :func:`_pattern_for`);
    None: all of them (some 0.3 s to compile).
    """
    if words is None:
        gtlds, cctlds = GTLDS, CCTLDS
    else:
        gtlds = [word for word in GTLDS if word in words]
        cctlds = [word for word in CCTLDS if word in words]
    tlds = f"(?:{tld_pattern(gtlds)}|{tld_pattern(cctlds)}|xn--[0-9a-z]+)"
    subdomain = rf"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
    domain_name = rf"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\.)"
    domain = f"{subdomain}*{domain_name}{tlds}"
    return regex.compile(
        rf"{_BEFORE_URL}(?P<url>(?P<protocol>{_PROTOCOL})?(?P<domain>{domain})"
        rf"(?::[0-9]+)?(?:/{_PATH}*)?(?:{_QUERY})?)",
        regex.IGNORECASE | regex.MULTILINE | regex.V0,
    )


def _pattern_for(text: str) -> regex.Pattern[str] | None:
    """The URL pattern to search ``text`` with; None when it can hold no URL.

    In ASCII text a top-level domain can only match as the whole run of letters
    after a dot, where the pattern's lookahead lets it end (the reasoning of
    :mod:`bot.compose.urls`), so a pattern over the TLDs found that way (and the
    usual ones, to share it) gives the same answer and compiles in milliseconds.
    Other text, or ASCII text once many such patterns were made, uses the whole one.
    """
    if not text.isascii() or _url_pattern.cache_info().currsize >= MAX_PATTERNS:
        return _url_pattern()
    found = tlds_in(text)
    if not found and "xn--" not in text.lower():
        return None
    return _url_pattern(found | COMMON_TLDS)


def _idna_length(domain: str) -> int | None:
    """Length of ``domain`` once IDNA-encoded (IDNA 2003, as libidn); None if it cannot be."""
    if domain.isascii():
        labels = domain.split(".")
        return None if any(not 0 < len(label) < 64 for label in labels) else len(domain)
    if any(unicodedata.ucd_3_2_0.category(char) == "Cn" for char in domain):
        return None  # unassigned in Unicode 3.2: libidn refuses it
    try:
        return len(domain.encode("idna"))
    except UnicodeError:
        return None


#: ASCII white space: no URL holds it (its domain, path and query all leave it out).
_ASCII_SPACE = " \t\n\x0b\x0c\r"


def _url_span(text: str) -> tuple[int, int]:
    """Where in ``text`` the URLs Mastodon counts can be: from the white space before
    the first ``://`` to the white space after the last.

    A URL counts only with its protocol, so it holds a ``://``, and no match of the
    pattern crosses ASCII white space but for the one character before a URL. A match
    outside this span holds no ``://`` and counts for nothing; the matches inside are
    those of a search of the whole text, for the search reaches the span's first
    character with nothing consumed beyond it, and a white space ends a URL as the end
    of the text does. Prose before the first link is not searched character by
    character (the pattern tries every position: ``validate`` counts hundreds of texts).
    """
    first, last = text.find("://"), text.rfind("://") + 3
    start = max(text.rfind(space, 0, first) for space in _ASCII_SPACE)
    ends = [end for space in _ASCII_SPACE if (end := text.find(space, last)) >= 0]
    return max(start, 0), min(ends, default=len(text))


def urls(text: str) -> list[Entity]:
    """The URLs Mastodon's length check finds in ``text`` (protocol required)."""
    if "://" not in text:
        return []
    found = []
    pattern = _pattern_for(text)
    if pattern is None:
        return []
    try:
        matches = list(pattern.finditer(text, *_url_span(text), timeout=SEARCH_SECONDS))
    except TimeoutError:
        raise TooComplex(text) from None
    for match in matches:
        if not match.group("protocol"):
            continue  # Mastodon extracts no URL without a protocol
        start, end = match.span("url")
        url = match.group("url")
        tco = _TCO.match(url)
        if tco:
            if len(tco.group(1)) > MAX_TCO_SLUG:
                continue
            url = tco.group(0)
            end = start + len(url)
        domain = match.group("domain")
        encoded = _idna_length(domain)
        if encoded is None or len(url) + max(0, encoded - len(domain)) > MAX_URL_LENGTH:
            continue
        found.append(Entity(start, end, None))
    return found


def mentions(text: str) -> list[Entity]:
    """The mentions Mastodon finds in ``text``, each counted as ``@user``."""
    if "@" not in text and "＠" not in text:
        return []
    found = []
    for match in _MENTION.finditer(text):
        if _MENTION_REFUSED_AFTER.match(text, match.end()):
            continue
        user, _, domain = match.group(1).partition("@")
        if len(domain) > MAX_MENTION_DOMAIN:
            continue
        found.append(Entity(match.start(), match.end(), "@" + user))
    return found


def entities(text: str) -> list[Entity]:
    """URLs and mentions in order, dropping any that overlaps one before it."""
    kept: list[Entity] = []
    for entity in sorted(urls(text) + mentions(text), key=lambda e: e.start):
        if kept and kept[-1].end > entity.start:
            continue
        kept.append(entity)
    return kept


def countable_text(text: str, url_length: int = URL_LENGTH) -> str:
    """``text`` with each URL replaced by ``url_length`` x's and each mention by ``@user``."""
    if _BLANK.fullmatch(text):
        return ""
    pieces = []
    position = 0
    for entity in entities(text):
        pieces.append(text[position : entity.start])
        pieces.append("x" * url_length if entity.replacement is None else entity.replacement)
        position = entity.end
    pieces.append(text[position:])
    return "".join(pieces)


def graphemes(text: str) -> int:
    """Extended grapheme clusters in ``text`` (current Unicode rules, as Ruby's)."""
    if text.isascii():
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(text))


def status_length(text: str, spoiler_text: str = "", url_length: int = URL_LENGTH) -> int:
    """What Mastodon's validator compares with ``max_characters`` for this status.

    A text the URL search gives up on (a pathological run of domain characters)
    is counted by an upper bound, never less than Mastodon would count: every
    grapheme, plus ``url_length`` and a margin for each ``://``.
    """
    try:
        return graphemes(spoiler_text + countable_text(text, url_length))
    except TooComplex:
        log.warning("mastodon length: URL search gave up on a %d-character text", len(text))
        return graphemes(spoiler_text + text) + text.count("://") * (url_length + 2)
