"""How each platform counts a post's length, and each platform's limit.

=========  ==========================================================  =======
platform   what counts                                                 limit
=========  ==========================================================  =======
x          twitter-text v3 weighted length: NFC first, every URL 23,   280
           an emoji 2, code points in the v3 weight-1 ranges 1
           (Latin, Greek, Cyrillic, Hebrew, Arabic, general
           punctuation...), any other code point 2 (CJK, Hangul...)
bluesky    extended grapheme clusters (and at most 3000 UTF-8 bytes)   300
mastodon   grapheme clusters; a URL with a protocol counts 23 whatever 500, or
           its length, ``@user@domain`` counts as ``@user``            the
           (:mod:`bot.compose.mastodon_length`, Mastodon's own rule)   instance's
facebook   code points                                                 63206
=========  ==========================================================  =======

X's rules are those of the official twitter-text library; ``twitter-text-parser``
is the reference implementation and :func:`x_weighted_length` returns exactly its
``parse_tweet(text).weightedLength``. The library spends almost all of its 1-2 ms
per post scanning for emoji, and half a second importing itself (its emoji
pattern), so for text that cannot contain an emoji (no code point of any emoji,
which is true of all ASCII) we weigh the characters ourselves and find URLs with
:mod:`bot.compose.urls`, twitter-text's own pattern without the library: some
20 µs for a typical post, and the library is imported only when a text holds an
emoji. The tests check both against the library on thousands of generated posts.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.compose._twitter_text_data import EMOJI_CODE_POINTS
from bot.compose.urls import SPACES_GROUP, extract_urls_with_indices

if TYPE_CHECKING:
    import regex
    from twitter_text import ParsedResult

#: Each platform's limit on a post's length, in that platform's units.
LIMITS: dict[str, int] = {"x": 280, "bluesky": 300, "mastodon": 500, "facebook": 63206}

#: Bluesky also caps a post's text at this many UTF-8 bytes.
BLUESKY_MAX_BYTES = 3000

#: What X counts for each URL (twitter-text's ``transformed_url_length``).
X_URL_LENGTH = 23


@lru_cache(maxsize=1)
def _x_heavy() -> re.Pattern[str]:
    """twitter-text v3 (config/v3.json): these code points weigh 1, all others 2.

    Only non-ASCII text needs it (compiled on first use, as the emoji class).
    """
    return re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


# A word (a run of what twitter-text calls non-space) with a dot followed by
# something other than a dot. Every URL twitter-text finds lies inside such a
# word: no URL character is a space, and a domain ends with a dot and a TLD.
_NON_SPACE = f"[^{SPACES_GROUP}]"
_DOTTED_WORD = re.compile(rf"(?<!{_NON_SPACE}){_NON_SPACE}*\.[^{SPACES_GROUP}.]{_NON_SPACE}*")


# Every non-ASCII code point used in an emoji (copied from twitter-text-parser,
# whose emoji pattern is built from the same list). Each emoji has a non-ASCII
# code point, so text with none of these has no emoji as twitter-text sees them
# (``©`` is one).
def _code_point_class(ranges: list[str]) -> str:
    """``["A9", "2194-2199"]`` → a regex character class of those code points."""
    parts = []
    for item in ranges:
        first, _, last = item.partition("-")
        parts.append(re.escape(chr(int(first, 16))))
        if last:
            parts.append("-" + re.escape(chr(int(last, 16))))
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def _emoji_character() -> re.Pattern[str]:
    """Any of those code points; ASCII text, which has none, never compiles it."""
    return re.compile(_code_point_class(EMOJI_CODE_POINTS))


def parse_tweet(text: str) -> ParsedResult:
    """``twitter_text.parse_tweet``, imported on first use (the import costs 0.5 s)."""
    from twitter_text import parse_tweet as library_parse_tweet

    return library_parse_tweet(text)


def count(
    platform: str, text: str, *, mastodon_url_length: int | None = None, account: str | None = None
) -> int:
    """Length of text as `platform` counts it.

    ``mastodon_url_length`` is what one URL counts on Mastodon; by default the
    instance's ``characters_reserved_per_url`` where `account`'s instance is
    known (:func:`remember_mastodon_instance`), else 23. Raises ValueError for
    an unknown platform.
    """
    if platform == "x":
        return x_weighted_length(text)
    if platform == "bluesky":
        return graphemes(text)
    if platform == "mastodon":
        if mastodon_url_length is None:
            known = mastodon_instance(account)
            mastodon_url_length = known.characters_per_url if known else 23
        return mastodon_length(text, mastodon_url_length)
    if platform == "facebook":
        return len(text)
    raise ValueError(f"unknown platform {platform!r}; expected one of {', '.join(LIMITS)}")


def limit(platform: str, *, mastodon_limit: int | None = None, account: str | None = None) -> int:
    """Longest post `platform` accepts, in the units of :func:`count`.

    On Mastodon: ``mastodon_limit`` if given, else the ``max_characters`` of
    `account`'s instance once the bot has read it (:func:`remember_mastodon_instance`),
    else 500 (a stock instance; a dry run, which reads no instance, plans with it).
    Raises ValueError for an unknown platform.
    """
    if platform not in LIMITS:
        raise ValueError(f"unknown platform {platform!r}; expected one of {', '.join(LIMITS)}")
    if platform == "mastodon":
        if mastodon_limit is not None:
            return mastodon_limit
        known = mastodon_instance(account)
        if known is not None:
            return known.max_characters
    return LIMITS[platform]


def at_most(platform: str, text: str) -> int:
    """A count :func:`count` never exceeds for ``text`` (no account given), found cheaply.

    On Mastodon: every grapheme, plus 25 for each ``://``. A URL counts only with
    its protocol, so it holds one; it counts 23 whatever its length, and cutting it
    out can split at most a cluster on either side (a mention only shortens the
    text). This is how :func:`bot.compose.mastodon_length.status_length` counts a
    text its URL search gave up on. It needs no URL pattern (some 6 ms to compile,
    and a search of every text): ``validate`` asks only whether the longest text
    fits, and counts exactly where this bound does not. Elsewhere: the count.
    """
    if platform == "mastodon":
        return graphemes(text) + text.count("://") * (23 + 2)
    return count(platform, text)


def fits(
    platform: str, text: str, *, mastodon_limit: int | None = None, account: str | None = None
) -> bool:
    """Whether `text` is short enough to post on `platform`.

    Only length is checked (on Bluesky both graphemes and UTF-8 bytes), not
    whether the text is empty or otherwise acceptable.
    """
    if platform == "bluesky" and len(text.encode("utf-8")) > BLUESKY_MAX_BYTES:
        return False
    size = count(platform, text, account=account)
    return size <= limit(platform, mastodon_limit=mastodon_limit, account=account)


# -- what a Mastodon instance told the bot ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class MastodonInstance:
    """``configuration.statuses`` of a Mastodon instance (``GET /api/v2/instance``)."""

    max_characters: int = LIMITS["mastodon"]
    characters_per_url: int = 23


_MASTODON_INSTANCES: dict[str, MastodonInstance] = {}
_MASTODON_LOCK = threading.Lock()


def remember_mastodon_instance(account: str, instance: MastodonInstance) -> None:
    """Record the limits of `account`'s instance, for planning in this process.

    The Mastodon publisher calls this whenever it reads the instance (its first
    publish, ``accounts check``); the planner then fits posts to that limit.
    """
    with _MASTODON_LOCK:
        _MASTODON_INSTANCES[account] = instance


def mastodon_instance(account: str | None) -> MastodonInstance | None:
    """What `account`'s instance said, if the bot has read it in this process."""
    if account is None:
        return None
    with _MASTODON_LOCK:
        return _MASTODON_INSTANCES.get(account)


def forget_mastodon_instances() -> None:
    """Forget every instance read so far (tests)."""
    with _MASTODON_LOCK:
        _MASTODON_INSTANCES.clear()


def x_weighted_length(text: str) -> int:
    """X's weighted length of `text`: ``twitter_text.parse_tweet(text).weightedLength``.

    Text that may contain an emoji goes to the library; other text is counted here
    the same way (NFC, line endings, URLs, weights), some fifty times faster.
    """
    normalized = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if not normalized.isascii() and _emoji_character().search(normalized):
        weighted: int = parse_tweet(text).weightedLength
        return weighted
    length = 0
    position = 0
    for start, url in sorted(_twitter_text_urls(normalized).items()):
        if start < position:  # inside a URL already counted; twitter-text skips it too
            continue
        length += _x_plain_weight(normalized[position:start]) + X_URL_LENGTH
        position = start + len(url)
    return length + _x_plain_weight(normalized[position:])


def _x_plain_weight(text: str) -> int:
    """X's weight of emoji-free, URL-free `text`: 1 or 2 per code point."""
    if text.isascii():
        return len(text)
    return len(text) + len(_x_heavy().findall(text))


def _twitter_text_urls(text: str, *, without_protocol: bool = True) -> dict[int, str]:
    """The URLs twitter-text finds in `text`, by start index.

    Same answer as ``extract_urls_with_indices(text)`` on the whole text, but the
    pattern only runs over each dotted word, together with the space before it
    (twice as fast on a typical post). The pattern sees no more context than
    that: it looks at one character before a URL (that space, as in the whole
    text), and after a domain its lookahead accepts a space and the end of the
    text alike.
    """
    urls: dict[int, str] = {}
    for word in _DOTTED_WORD.finditer(text):
        offset = max(word.start() - 1, 0)
        for start, url in _urls_in(text[offset : word.end()], without_protocol):
            urls[offset + start] = url
    return urls


@lru_cache(maxsize=4096)
def _urls_in(chunk: str, without_protocol: bool) -> tuple[tuple[int, str], ...]:
    """The URLs in one dotted word (and the character before it), remembered.

    The posts of a campaign repeat the same links, so most words come again.
    """
    return tuple(
        (found["indices"][0], found["url"])
        for found in extract_urls_with_indices(chunk, without_protocol)
    )


def graphemes(text: str) -> int:
    """Number of user-perceived characters (extended grapheme clusters) in `text`.

    This is how Bluesky counts (``Intl.Segmenter`` in its app and servers).
    """
    if text.isascii():  # every ASCII character is a cluster on its own, except CR LF
        return len(text) - text.count("\r\n")
    return len(_grapheme_pattern().findall(text))


@lru_cache(maxsize=1)
def _grapheme_pattern() -> regex.Pattern[str]:
    """``\\X`` in the `regex` module, imported on first use.

    Its \\X follows current Unicode (15.1's Indic conjuncts included), as
    Intl.Segmenter does; the `grapheme` package stops at Unicode 13 and, being
    pure Python, is two to three times slower.
    """
    import regex

    return regex.compile(r"\X")


def mastodon_length(text: str, url_length: int = 23) -> int:
    """Length of `text` as Mastodon's ``StatusLengthValidator`` counts it.

    Grapheme clusters after each URL with a protocol becomes `url_length`
    characters and each ``@user@domain`` becomes ``@user``, exactly as Mastodon's
    own extractors find them (:mod:`bot.compose.mastodon_length`).
    """
    # Imported here: it loads ``regex``, which a command that counts no Mastodon
    # text (``run`` with nothing due, ``targets``) does not need.
    from bot.compose.mastodon_length import status_length

    return status_length(text, url_length=url_length)
