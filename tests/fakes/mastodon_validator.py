"""Mastodon's ``StatusLengthValidator``, ported line for line for the fake server.

This is deliberately *not* the project's counter (``bot.compose.mastodon_length``):
the fake must refuse what Mastodon refuses by its own reading of Mastodon's
source, so that a mistake in the project's counter shows up as a 422 in the
tests rather than being agreed with. It follows the Ruby code's shape:

* ``REGEXEN`` is built in the order twitter-text 3.x's ``regex.rb`` builds it
  and then patched in the order of Mastodon's ``config/initializers/twitter_regex.rb``
  (Ruby interpolates a regex when it is defined, so the patched
  ``valid_url_path_ending_chars`` still holds the *old* balanced-parentheses
  pattern, and the new one reaches only ``valid_url_path``);
* ``extract_urls_with_indices`` / ``is_valid_domain`` as in twitter-text's
  ``extractor.rb``; ``extract_mentions_or_lists_with_indices`` as in Mastodon's
  ``app/lib/extractor.rb``; ``remove_overlapping_entities``; ``rewrite_entities``
  and ``countable_length`` as in the validator.

Ruby's ``^``/``$`` match at line boundaries: the patterns use MULTILINE.
The top-level domain lists are twitter-text's, in the library's order.
"""

from __future__ import annotations

import unicodedata

import regex

from bot.compose._twitter_text_data import CCTLDS, GTLDS

FLAGS = regex.IGNORECASE | regex.MULTILINE | regex.VERBOSE | regex.V0

UNICODE_SPACES = "".join(
    chr(c)
    for c in [
        *range(0x09, 0x0E),
        0x20,
        0x85,
        0xA0,
        0x1680,
        0x180E,
        *range(0x2000, 0x200B),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
    ]
)
DIRECTIONAL_CHARACTERS = "".join(
    chr(c)
    for c in [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E]
    + [0x2066, 0x2067, 0x2068, 0x2069]
)
INVALID_CHARACTERS = "\ufffe\ufeff\uffff"
LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253-\u0254\u0256-\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
# Ruby: '!"#$%&\'()*+,-./:;<=>?@\[\]^_\`{|}~' (a single-quoted string: \[ \] \` stay escapes)
PUNCTUATION_CHARS = "!\"#$%&'()*+,-./:;<=>?@\\[\\]^_\\`{|}~"
SPACE_CHARS = " \t\n\x0b\f\r"
CTRL_CHARS = "\x00-\x1f\x7f"


def esc(chars: str) -> str:
    """Characters for a class, escaped for Python where Ruby needed no escape."""
    return "".join("\\" + c if c in " #\t\n\x0b\f\r" else c for c in chars)


REGEXEN: dict[str, str] = {}

# -- twitter-text 3.x regex.rb -----------------------------------------------------------------
REGEXEN["latin_accents"] = f"[{LATIN_ACCENTS}]+"
REGEXEN["at_signs"] = "[@＠]"
REGEXEN["end_mention_match"] = rf"\A(?:{REGEXEN['at_signs']}|{REGEXEN['latin_accents']}|://)"
REGEXEN["valid_url_preceding_chars"] = (
    rf"(?:[^A-Z0-9@＠$\#＃{INVALID_CHARACTERS}]|[{DIRECTIONAL_CHARACTERS}]|^)"
)
DOMAIN_VALID_CHARS = (
    f"[^{DIRECTIONAL_CHARACTERS}{esc(PUNCTUATION_CHARS)}{esc(SPACE_CHARS)}{CTRL_CHARS}"
    f"{INVALID_CHARACTERS}{esc(UNICODE_SPACES)}]"
)
REGEXEN["valid_subdomain"] = (
    rf"(?:(?:{DOMAIN_VALID_CHARS}(?:[_-]|{DOMAIN_VALID_CHARS})*)?{DOMAIN_VALID_CHARS}\.)"
)
REGEXEN["valid_domain_name"] = (
    rf"(?:(?:{DOMAIN_VALID_CHARS}(?:[-]|{DOMAIN_VALID_CHARS})*)?{DOMAIN_VALID_CHARS}\.)"
)
REGEXEN["valid_gTLD"] = rf"(?:(?:{'|'.join(GTLDS)})(?=[^0-9a-z@+-]|$))"
REGEXEN["valid_ccTLD"] = rf"(?:(?:{'|'.join(CCTLDS)})(?=[^0-9a-z@+-]|$))"
REGEXEN["valid_punycode"] = r"(?:xn--[0-9a-z]+)"
REGEXEN["valid_domain"] = (
    rf"(?:{REGEXEN['valid_subdomain']}*{REGEXEN['valid_domain_name']}"
    rf"(?:{REGEXEN['valid_gTLD']}|{REGEXEN['valid_ccTLD']}|{REGEXEN['valid_punycode']}))"
)
REGEXEN["valid_tco_url"] = r"^https?://t\.co/([a-z0-9]+)"
REGEXEN["valid_port_number"] = r"[0-9]+"
REGEXEN["valid_general_url_path_chars"] = (
    rf"[a-z\p{{Cyrillic}}0-9!\*';:=\+\,\.\$/%\#\[\]\p{{Pd}}_~&\|@{LATIN_ACCENTS}]"
)
REGEXEN["valid_url_balanced_parens"] = rf"""
  \(
    (?:
      {REGEXEN["valid_general_url_path_chars"]}+
      |
      (?:
        {REGEXEN["valid_general_url_path_chars"]}*
        \(
          {REGEXEN["valid_general_url_path_chars"]}+
        \)
        {REGEXEN["valid_general_url_path_chars"]}*
      )
    )
  \)
"""

# -- Mastodon's config/initializers/twitter_regex.rb -------------------------------------------
REGEXEN["valid_general_url_path_chars"] = r"[^\p{White_Space}<>()?]"
REGEXEN["valid_url_path_ending_chars"] = (
    r"""(?:[^\p{White_Space}()?!*"'「」<>;:=,.$%\[\]~&|@]"""
    rf"|(?:{REGEXEN['valid_url_balanced_parens']}))"
)
REGEXEN["valid_url_balanced_parens"] = rf"""
  \(
    (?:
      {REGEXEN["valid_general_url_path_chars"]}+
      |
      (?:
        {REGEXEN["valid_general_url_path_chars"]}*
        \(
          {REGEXEN["valid_general_url_path_chars"]}+
        \)
        {REGEXEN["valid_general_url_path_chars"]}*
      )
    )
  \)
"""
UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
REGEXEN["valid_url_query_chars"] = rf"[a-z0-9!?*'();:&=+$/%\#\[\]\-_.,~|@\^{UCHARS}]"
REGEXEN["valid_url_query_ending_chars"] = rf"[a-z0-9_&=\#/\-{UCHARS}]"
REGEXEN["valid_url_path"] = rf"""(?:
  (?:
    {REGEXEN["valid_general_url_path_chars"]}*
    (?:{REGEXEN["valid_url_balanced_parens"]} {REGEXEN["valid_general_url_path_chars"]}*)*
    {REGEXEN["valid_url_path_ending_chars"]}
  )|(?:{REGEXEN["valid_general_url_path_chars"]}+/)
)"""
REGEXEN["valid_url"] = rf"""
(                                                                   # $1 total match
  ({REGEXEN["valid_url_preceding_chars"]})                          # $2 Preceding character
  (                                                                 # $3 URL
    ((?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://)?           # $4 Protocol (optional)
    ({REGEXEN["valid_domain"]})                                     # $5 Domain(s)
    (?::({REGEXEN["valid_port_number"]}))?                          # $6 Port number (optional)
    (/{REGEXEN["valid_url_path"]}*)?                                # $7 URL Path and anchor
    (\?{REGEXEN["valid_url_query_chars"]}*{REGEXEN["valid_url_query_ending_chars"]})?  # $8 Query
  )
)
"""

# -- app/models/account.rb ---------------------------------------------------------------------
WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"  # Onigmo's [[:word:]] on Unicode strings
USERNAME_RE = r"[a-z0-9_]+([.-]+[a-z0-9_]+)*"
MENTION_RE = rf"(?<![=/]|{WORD})@(({USERNAME_RE})(?:@{WORD}+([.-]+{WORD}+)*)?)"

MAX_URL_LENGTH = 4096
URL_PROTOCOL_LENGTH = len("https://")
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LENGTH = 253

_compiled: dict[str, regex.Pattern[str]] = {}


def rx(name: str) -> regex.Pattern[str]:
    if name not in _compiled:
        source = {"mention": MENTION_RE}.get(name) or REGEXEN[name]
        _compiled[name] = regex.compile(source, FLAGS)
    return _compiled[name]


def is_valid_domain(url_length: int, domain: str, protocol: str | None) -> bool:
    """twitter-text's ``is_valid_domain`` (``IDN::Idna.toASCII``: IDNA 2003, no unassigned)."""
    try:
        if not domain:
            raise ValueError("invalid empty domain")
        for char in domain:
            if unicodedata.ucd_3_2_0.category(char) == "Cn":
                raise ValueError("unassigned code point")
        encoded = domain.encode("idna").decode("ascii")
        if any(not 0 < len(label) <= 63 for label in encoded.split(".")):
            raise ValueError("label length")
        if len(encoded) > len(domain):
            url_length += len(encoded) - len(domain)
        if not protocol:
            url_length += URL_PROTOCOL_LENGTH
        return url_length <= MAX_URL_LENGTH
    except Exception:
        return False


def extract_urls_with_indices(text: str) -> list[dict]:
    """With ``extract_url_without_protocol: false``, as the validator calls it."""
    if ":" not in text:
        return []
    urls = []
    for m in rx("valid_url").finditer(text):
        url, protocol, domain = m.group(3), m.group(4), m.group(5)
        start_position, end_position = m.start(3), m.end(3)
        if not protocol:
            continue
        tco = regex.search(REGEXEN["valid_tco_url"], url, FLAGS)
        if tco:
            if tco.group(1) and len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group(0)
            end_position = start_position + len(url)
        if not is_valid_domain(len(url), domain, protocol):
            continue
        urls.append({"url": url, "indices": [start_position, end_position]})
    return urls


def extract_mentions_or_lists_with_indices(text: str) -> list[dict]:
    if not rx("at_signs").search(text):
        return []
    entries = []
    for m in rx("mention").finditer(text):
        screen_name = m.group(1)
        after = text[m.end() :]
        if rx("end_mention_match").match(after):
            continue
        parts = screen_name.split("@")
        domain = parts[1] if len(parts) > 1 else None
        if domain and len(domain) > MAX_DOMAIN_LENGTH:
            continue
        entries.append({"screen_name": screen_name, "indices": [m.start(1) - 1, m.end(1)]})
    return entries


def remove_overlapping_entities(entities: list[dict]) -> list[dict]:
    entities = sorted(entities, key=lambda e: e["indices"][0])
    kept: list[dict] = []
    prev = None
    for entity in entities:
        if prev is not None and prev["indices"][1] > entity["indices"][0]:
            continue
        prev = entity
        kept.append(entity)
    return kept


def countable_text(text: str, url_placeholder: str) -> str:
    if regex.fullmatch(r"[\p{White_Space}]*", text):  # blank?
        return ""
    entities = remove_overlapping_entities(
        extract_urls_with_indices(text) + extract_mentions_or_lists_with_indices(text)
    )
    result = ""
    last_index = 0
    for entity in entities:
        result += text[last_index : entity["indices"][0]]
        if "url" in entity:
            result += url_placeholder
        else:
            result += "@" + entity["screen_name"].split("@")[0]
        last_index = entity["indices"][1]
    return result + text[last_index:]


def countable_length(text: str, spoiler_text: str = "", url_chars: int = 23) -> int:
    """``[spoiler_text, countable_text(text)].join.each_grapheme_cluster.size``."""
    combined = spoiler_text + countable_text(text, "x" * url_chars)
    return len(regex.findall(r"\X", combined))
