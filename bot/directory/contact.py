"""Handles, email addresses, phone numbers and URLs, each checked for what it is.

Public data is edited by strangers and organizers make typos, so every value
that can reach a post or a page goes through one of these pure functions
first: at import (congress-legislators, Open States), when an overrides file,
a campaign file or a roster is loaded, and again when a page renders it.

Each returns a :class:`Checked` (the value to store, and what clean-up was
applied, if any) or raises :class:`ContactError` saying what is wrong and what
a valid value looks like. A clean-up is only ever one that cannot change whom
the value names: a query string after an X handle
(``mikebenedetto82?lang=en``), a Facebook page's URL instead of its name, a
leading ``@``. Anything else that does not fit is refused, never repaired:
``SenX DONATE https://scam.example/give @everyone`` is not an X handle, and
``office@senate.mo.gov?bcc=harvest@evil.example`` is not one email address.

:func:`check` dispatches on the kind (a platform name, ``email``, ``phone``,
``url``); :func:`check_handle` on a platform; :func:`tel_uri` and
:func:`mailto_uri` build links from values these functions accepted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from bot.errors import AdvocacyBotError

#: The kinds :func:`check` knows: the platforms, then the ways to reach an office.
PLATFORM_KINDS = ("x", "facebook", "bluesky", "mastodon", "instagram", "youtube")
KINDS = (*PLATFORM_KINDS, "email", "phone", "url")

#: No value of any kind is longer than this; longer ones are refused before any parsing.
MAX_LENGTH = 2_000


#: The longest name, title or other short text a record may hold.
MAX_TEXT = 300


class ContactError(AdvocacyBotError, ValueError):
    """A value is not a valid handle, address, number or link; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Checked:
    """A value that passed its check, as it is to be stored and used."""

    value: str
    cleaned: str | None = None
    """What was cleaned up (``dropped the query string '?lang=en'``); None when nothing."""


def shown(value: object, limit: int = 60) -> str:
    """``value`` quoted for a message, cut short (with its length) when long."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def type_name(value: object) -> str:
    """``a list``, ``a mapping``, ``a float``: what a value is, for a message."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def plain_text(value: object, limit: int = MAX_TEXT) -> str:
    """``value`` as one line of visible text; :class:`ValueError` saying why it is not."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"must be text, not {type_name(value)}")
    text = str(value).strip()
    if len(text) > limit:
        raise ValueError(f"{shown(text)} is longer than {limit:,} characters")
    bad = _first_hidden(text)
    if bad is not None:
        raise ValueError(
            f"{shown(text)} holds the invisible character U+{ord(bad):04X} "
            f"({unicodedata.name(bad, 'a control character')}), which can hide or "
            "reorder what readers see"
        )
    return text


def _text(value: object, what: str) -> str:
    """``value`` as stripped text; numbers are accepted (YAML reads ``1234`` as one)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        kind = "nothing" if value is None else type_name(value)
        raise ContactError(f"{what} must be text, not {kind}")
    text = str(value)
    if len(text) > MAX_LENGTH:
        raise ContactError(f"{shown(text)} is far too long to be {what}")
    return text.strip()


def _first_hidden(text: str) -> str | None:
    """The first control or format character (bidi controls, zero-width...) of ``text``."""
    if text.isascii() and text.isprintable():
        return None  # ASCII has no format character, and its controls are unprintable
    return next((c for c in text if unicodedata.category(c) in {"Cc", "Cf"}), None)


def _no_controls(text: str, what: str) -> None:
    bad = _first_hidden(text)
    if bad is not None:
        raise ContactError(
            f"{shown(text)} is not {what}: it holds the invisible character "
            f"U+{ord(bad):04X} ({unicodedata.name(bad, 'a control character')})"
        )


# -- hostnames -----------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?")
#: top-level domains that never name a public server (the AT Protocol refuses them too)
_RESERVED_TLDS = {"alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion"}


def is_hostname(text: str) -> bool:
    """A public DNS name with a dot (``senate.mo.gov``), at most 253 characters."""
    return (
        len(text) <= 253
        and _HOSTNAME.fullmatch(text) is not None
        and text.rsplit(".", 1)[-1].lower() not in _RESERVED_TLDS
    )


# -- X -------------------------------------------------------------------------------------

_X_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
_X_HOSTS = {"twitter.com", "www.twitter.com", "mobile.twitter.com", "x.com", "www.x.com"}
X_RULE = "1 to 15 letters, digits or underscores"


def x_handle(value: object) -> Checked:
    """An X handle without its ``@``: 1 to 15 of ``[A-Za-z0-9_]``.

    Clean-ups: a leading ``@``; a profile URL (``https://x.com/NAME``); a query
    string or fragment after the handle (``judygriffinny?ref_src=...``).
    """
    text = _text(value, "an X handle")
    cleaned: list[str] = []
    if re.match(r"(?i)(https?://)?(www\.|mobile\.)?(twitter|x)\.com/", text) and " " not in text:
        parts = urlsplit(text if "://" in text else f"https://{text}")
        if (parts.hostname or "").lower() in _X_HOSTS:
            path = parts.path.strip("/")
            text = path + (f"?{parts.query}" if parts.query else "")
            cleaned.append("took the handle from the profile URL")
    if text.startswith("@"):
        text = text[1:]
    match = re.fullmatch(r"([A-Za-z0-9_]{1,15})([?#]\S*)", text)
    if match:
        text = match.group(1)
        cleaned.append(f"dropped {shown(match.group(2), 40)} after the handle")
    if not _X_HANDLE.fullmatch(text):
        raise ContactError(f"{shown(value)} is not an X handle ({X_RULE})")
    return Checked(text, "; ".join(cleaned) or None)


# -- Bluesky -------------------------------------------------------------------------------

BLUESKY_RULE = "a domain name such as name.bsky.social"


def bluesky_handle(value: object) -> Checked:
    """A Bluesky handle in the AT Protocol's syntax (a domain name), in lower case.

    Clean-ups: a leading ``@``; a profile URL (``https://bsky.app/profile/NAME``).
    """
    text = _text(value, "a Bluesky handle")
    cleaned = None
    match = re.fullmatch(r"(?i)(?:https?://)?(?:www\.)?bsky\.app/profile/([^/?#\s]+)/?", text)
    if match:
        text, cleaned = match.group(1), "took the handle from the profile URL"
    text = text.removeprefix("@")
    if not is_hostname(text):
        raise ContactError(f"{shown(value)} is not a Bluesky handle ({BLUESKY_RULE})")
    return Checked(text.lower(), cleaned)


# -- Mastodon ------------------------------------------------------------------------------

_MASTODON_USER = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?")
MASTODON_RULE = "user@instance, e.g. senator@mastodon.social"


def mastodon_address(value: object) -> Checked:
    """A Mastodon account as ``user@instance`` (the instance in lower case).

    Clean-ups: a leading ``@``; a profile URL (``https://mastodon.social/@user``).
    """
    text = _text(value, "a Mastodon address")
    cleaned = None
    match = re.fullmatch(r"(?i)https?://([^/?#\s]+)/@([^/?#\s@]+)/?", text)
    if match:
        text, cleaned = f"{match.group(2)}@{match.group(1)}", "took the address from the URL"
    text = text.removeprefix("@")
    user, at, instance = text.partition("@")
    if not at or not _MASTODON_USER.fullmatch(user) or not is_hostname(instance):
        raise ContactError(f"{shown(value)} is not a Mastodon address ({MASTODON_RULE})")
    return Checked(f"{user}@{instance.lower()}", cleaned)


# -- Facebook ------------------------------------------------------------------------------

_FACEBOOK_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?")
_FACEBOOK_HOSTS = re.compile(r"(?i)(www\.|m\.|web\.|mobile\.)?(facebook\.com|fb\.com)")
FACEBOOK_RULE = "a page's user name (letters, digits, '.', '_' or '-') or its numeric id"


def facebook_page(value: object) -> Checked:
    """A Facebook page: its user name or its numeric id.

    Clean-ups: the page's URL (``facebook.com/NAME``, ``profile.php?id=123``,
    ``pages/Some-Name/123``), and a query string after the name (``NAME?fref=ts``).
    """
    text = _text(value, "a Facebook page")
    if any(c.isspace() for c in text):
        raise ContactError(f"{shown(value)} is not a Facebook page ({FACEBOOK_RULE})")
    cleaned: str | None = None
    candidate = text if "://" in text else f"https://{text}"
    parts = urlsplit(candidate)
    if _FACEBOOK_HOSTS.fullmatch(parts.hostname or ""):
        page = _facebook_from_url(parts.path, parts.query)
        if page is None:
            raise ContactError(
                f"{shown(value)} is a Facebook URL but names no page; give the page's "
                "user name or numeric id"
            )
        text, cleaned = page, "took the page from its URL"
    else:
        name, mark, rest = text.partition("?")
        if mark:
            text, cleaned = name, f"dropped {shown(mark + rest, 40)} after the page's name"
        text = text.removeprefix("@").rstrip("/")
    if not _FACEBOOK_NAME.fullmatch(text):
        raise ContactError(f"{shown(value)} is not a Facebook page ({FACEBOOK_RULE})")
    return Checked(text, cleaned)


def _facebook_from_url(path: str, query: str) -> str | None:
    steps = [step for step in path.split("/") if step]
    if steps[:1] == ["profile.php"]:
        ids = parse_qs(query).get("id") or []
        return ids[0] if len(ids) == 1 and ids[0].isdigit() else None
    if steps[:1] in (["pages"], ["people"]) and len(steps) >= 3 and steps[2].isdigit():
        return steps[2]
    if len(steps) == 1 and steps[0] not in {"sharer.php", "share.php", "groups", "events"}:
        return steps[0]
    return None


# -- Instagram, YouTube (stored for reference; posts never tag them) ----------------------

_OTHER_HANDLE = re.compile(r"@?[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,98}[A-Za-z0-9_])?")


def _other_handle(platform: str) -> Callable[[object], Checked]:
    def check_other(value: object) -> Checked:
        text = _text(value, f"a {platform} account")
        if not _OTHER_HANDLE.fullmatch(text):
            raise ContactError(
                f"{shown(value)} is not a {platform} account (letters, digits, '_', '.' or '-')"
            )
        return Checked(text)

    check_other.__doc__ = f"A {platform} account name or id: no spaces, no URL."
    return check_other


instagram_account = _other_handle("Instagram")
youtube_account = _other_handle("YouTube")


# -- email ---------------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9_+'-]+(?:\.[A-Za-z0-9_+'-]+)*")
_EMAIL_FORBIDDEN = '?&,;:<>"%\\()[] '


def email_address(value: object) -> Checked:
    """One email address, ``name@domain.tld``, fit for ``mailto:`` with one addressee.

    Refused: anything that would add an addressee or a header to a mailto link
    (``?``, ``&``, ``,``, ``;``, ``%``, brackets, quotes), spaces and line breaks.
    Clean-up: a leading ``mailto:``.
    """
    text = _text(value, "an email address")
    cleaned = None
    if text.lower().startswith("mailto:"):
        text, cleaned = text[len("mailto:") :], "dropped the leading 'mailto:'"
    _no_controls(text, "an email address")
    if any(c.isspace() for c in text):
        raise ContactError(f"{shown(value)} is not an email address: it holds a space")
    bad = sorted({c for c in text if c in _EMAIL_FORBIDDEN}, key=text.index)
    if bad:
        listed = " ".join(repr(c) for c in bad)
        raise ContactError(
            f"{shown(value)} is not one email address: it holds {listed}, which would add "
            "addressees or headers (bcc, body) to a mailto link"
        )
    local, at, domain = text.rpartition("@")
    if not at or len(text) > 254 or not _EMAIL_LOCAL.fullmatch(local) or not is_hostname(domain):
        raise ContactError(
            f"{shown(value)} is not an email address (one address, such as office@senate.mo.gov)"
        )
    return Checked(f"{local}@{domain.lower()}", cleaned)


def mailto_uri(value: object) -> str | None:
    """``mailto:ADDRESS`` for a valid single address, else None."""
    try:
        return f"mailto:{email_address(value).value}"
    except ContactError:
        return None


# -- phone ---------------------------------------------------------------------------------

_PHONE = re.compile(
    r"(?P<number>\+?\(?[0-9][0-9 ().\-/]*[0-9])"
    r"(?:\s*(?:,|;)?\s*(?:ext\.?|extension|x)\s*(?P<ext>[0-9]{1,6}))?",
    re.IGNORECASE,
)


def phone_number(value: object) -> Checked:
    """A phone number as people write it (``573-751-1234``, ``(303) 866-2191 ext. 12``).

    7 to 15 digits, optionally with a leading ``+`` and an extension; no
    letters. Spaces are collapsed; :func:`tel_uri` gives its ``tel:`` form.
    """
    text = " ".join(_text(value, "a phone number").split())
    match = _PHONE.fullmatch(text)
    digits = re.sub(r"[^0-9]", "", match.group("number")) if match else ""
    if not match or not 7 <= len(digits) <= 15:
        raise ContactError(
            f"{shown(value)} is not a phone number (7 to 15 digits, such as 573-751-1234, "
            "optionally with 'ext. 12')"
        )
    return Checked(text)


def tel_uri(value: object) -> str | None:
    """``tel:+15737511234`` (``;ext=12``) for a valid phone number, else None.

    Ten digits are taken as a North American number (country code 1).
    """
    try:
        text = phone_number(value).value
    except ContactError:
        return None
    match = _PHONE.fullmatch(text)
    assert match is not None
    number = match.group("number")
    digits = re.sub(r"[^0-9]", "", number)
    if number.startswith("+"):
        global_number = f"+{digits}"
    elif len(digits) == 10:
        global_number = f"+1{digits}"
    elif len(digits) == 11 and digits.startswith("1"):
        global_number = f"+{digits}"
    else:
        global_number = digits
    ext = match.group("ext")
    return f"tel:{global_number}" + (f";ext={ext}" if ext else "")


# -- web links -----------------------------------------------------------------------------


def web_url(value: object) -> Checked:
    """An ``http`` or ``https`` URL with a host, and no spaces or control characters."""
    text = _text(value, "a web address")
    _no_controls(text, "a web address")
    if " " in text or (not text.isascii() and any(c.isspace() for c in text)):
        raise ContactError(f"{shown(value)} is not a web address: it holds spaces")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme.lower() not in {"http", "https"}:
        raise ContactError(
            f"{shown(value)} is not a web address: only http:// and https:// links are used"
        )
    if not host or not (is_hostname(host) or re.fullmatch(r"[0-9.]+", host)):
        raise ContactError(f"{shown(value)} is not a web address: it names no host")
    return Checked(text)


def safe_web_url(value: object) -> str | None:
    """The URL if :func:`web_url` accepts it, else None (for pages)."""
    try:
        return web_url(value).value
    except ContactError:
        return None


# -- dispatch ------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[object], Checked]] = {
    "x": x_handle,
    "facebook": facebook_page,
    "bluesky": bluesky_handle,
    "mastodon": mastodon_address,
    "instagram": instagram_account,
    "youtube": youtube_account,
    "email": email_address,
    "phone": phone_number,
    "url": web_url,
}


def check(kind: str, value: object) -> Checked:
    """Check ``value`` as a ``kind`` (one of :data:`KINDS`)."""
    try:
        checker = CHECKS[kind]
    except KeyError:
        raise ContactError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}") from None
    return checker(value)


def check_handle(platform: str, value: object) -> Checked:
    """Check ``value`` as a handle on ``platform`` (``x``, ``bluesky``, ...)."""
    if platform not in PLATFORM_KINDS:
        raise ContactError(f"unknown platform {platform!r}; use one of {', '.join(PLATFORM_KINDS)}")
    return CHECKS[platform](value)


def valid(check: Callable[[object], Checked], value: object) -> str | None:
    """``value`` as ``check`` stores it (clean-ups applied), or None if it fails or is None."""
    if value is None:
        return None
    try:
        return check(value).value
    except ContactError:
        return None


def valid_handle(platform: str, value: object) -> str | None:
    """The handle if it passes :func:`check_handle` (clean-ups applied), else None."""
    try:
        return check_handle(platform, value).value
    except ContactError:
        return None


def valid_handles(handles: dict[str, str]) -> dict[str, str]:
    """The entries of ``handles`` (platform → handle) that are valid, cleaned up."""
    return {
        platform: checked
        for platform, handle in handles.items()
        if (checked := valid_handle(platform, handle)) is not None
    }
