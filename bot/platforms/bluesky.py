"""Publishing on Bluesky with the atproto SDK (``com.atproto.repo.createRecord``).

* **Rich text.** Mentions and links are facets with UTF-8 *byte* offsets. Each
  handle in :attr:`OutgoingPost.mentions` is found after its ``@`` in the text
  and resolved to a DID (``com.atproto.identity.resolveHandle``, cached); links,
  ``#tags`` and ``$cashtags`` are detected by the SDK. A mention whose handle
  does not resolve fails the post (``PERMANENT``): the directory needs fixing,
  and sending the text without the tag would mislead.
* **One session, reused.** ``createSession`` is itself rate-limited (30 per
  5 minutes, 300 a day per account), so the session string is kept in a file
  (mode 0600, in ``BLUESKY_STATE_DIR``, never in the database) and reused
  across runs; the SDK refreshes it with the refresh token, and the publisher
  logs in with the app password again only when both tokens are refused.
* **Settings checked at start.** ``BLUESKY_LANGS`` holds at most 3 BCP-47 tags
  (the lexicon's limit); anything else stops the command at start with the
  setting named. A record the SDK refuses to build (its pydantic models check
  the lexicon) fails the post as ``PERMANENT``: nothing was sent.
* **An account Bluesky has closed is not a wrong password.** ``AccountTakedown``,
  ``AccountDeactivated`` and ``AccountNotFound`` pause the account (``AUTH``)
  with what Bluesky said; the stored session is kept and no login is spent.
* **No second post on retry.** The record key is ours: a TID derived from the
  post's key (and its creation time), so a retry writes to the same key and
  cannot create a second post. Any uncertain outcome (a 5xx, a timeout, "already
  exists") is settled with ``getRecord`` at that key: if our text is there, the
  post is published; if not, nothing was created and a retry is safe.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx
import pydantic
from atproto import Client, models
from atproto_client import exceptions as at_exc
from atproto_client.client.session import Session, SessionEvent
from atproto_client.request import Request as AtRequest
from atproto_client.utils import facet_detection

from bot.clock import Clock, SystemClock
from bot.compose.length import graphemes
from bot.config import ConfigError, Settings
from bot.platforms._http import (
    Timeouts,
    describe_transport_error,
    epoch_header,
    int_header,
    transport_failure,
)
from bot.platforms._secrets import protect_logs, redact
from bot.platforms.accounts import AccountConfig, account_slug
from bot.platforms.base import (
    AccountStatus,
    Failure,
    OutgoingPost,
    PublishError,
    PublishResult,
)

log = logging.getLogger(__name__)

_T = TypeVar("_T")

DEFAULT_SERVICE = "https://bsky.social"
POST_COLLECTION = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
DEFAULT_RATE_LIMIT_BACKOFF = timedelta(minutes=5)

#: Errors that mean "your tokens are no good": log in again, once.
SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing", "AuthRequired"})

#: Errors about the account itself, which no login fixes: what each means for the organizer.
ACCOUNT_ERRORS = {
    "AccountTakedown": "Bluesky has taken the account down; appeal to Bluesky moderation",
    "AccountDeactivated": "the account is deactivated; reactivate it in the Bluesky app",
    "AccountNotFound": "the account no longer exists on its server (deleted or moved)",
}

#: The lexicon allows at most this many ``langs`` on a post.
MAX_LANGS = 3

#: A well-formed BCP-47 tag (RFC 5646 §2.1) whose language is a 2- or 3-letter code.
_LANG_TAG = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?"
    r"(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+)*"
    r"(-[xX](-[A-Za-z0-9]{1,8})+)?$"
)

RATE_LIMIT_HEADERS = (
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "ratelimit-policy",
)


def parse_langs(value: str | None, setting: str = "BLUESKY_LANGS") -> tuple[str, ...]:
    """The languages of ``setting`` (comma-separated BCP-47 tags), checked.

    Raises :class:`~bot.config.ConfigError` naming ``setting`` when there are more
    than :data:`MAX_LANGS` or a tag is not a language code: the SDK would refuse
    every post (or the PDS would), so the command stops at start instead.
    """
    langs = tuple(x.strip() for x in (value or "").split(",") if x.strip())
    bad = [tag for tag in langs if not _LANG_TAG.match(tag)]
    if bad:
        raise ConfigError(
            f"{setting}: {', '.join(repr(t) for t in bad)} is not a BCP-47 language tag; "
            "use 2- or 3-letter codes such as en, es, pt-BR, zh-Hant"
        )
    if len(langs) > MAX_LANGS:
        raise ConfigError(
            f"{setting} lists {len(langs)} languages; Bluesky allows at most {MAX_LANGS} "
            "per post: keep the post's main languages"
        )
    return langs


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "advocacy-bot"


# -- record keys -------------------------------------------------------------------------

_S32 = "234567abcdefghijklmnopqrstuvwxyz"
TID_PATTERN = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_FALLBACK_EPOCH_US = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z


def tid(microseconds: int, clock_id: int) -> str:
    """A timestamp identifier: 53 bits of microseconds, 10 bits of clock id, base32-sortable."""
    value = ((microseconds & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_S32[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def record_key(post: OutgoingPost) -> str:
    """The post's record key: a valid TID that depends only on the post.

    The hash of the post key supplies the clock id and the sub-second part; the
    seconds come from ``post.created_at`` when given (so keys sort by time like
    the SDK's own), else from the hash (a fixed time in 2023). Either way every
    attempt at the same post writes to the same key.
    """
    digest = hashlib.sha256(f"bluesky-rkey:{post.key}".encode()).digest()
    bits = int.from_bytes(digest[:8], "big")
    clock_id = bits & 0x3FF
    if post.created_at is not None:
        seconds = int(post.created_at.astimezone(UTC).timestamp())
        micros = seconds * 1_000_000 + (bits >> 10) % 1_000_000
    else:
        micros = _FALLBACK_EPOCH_US + (bits >> 10) % (1 << 40)
    return tid(micros, clock_id)


# -- facets ----------------------------------------------------------------------------------

_HANDLE_CHAR = re.compile(r"[A-Za-z0-9-]")


def _utf8_index(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def find_mentions(text: str, handle: str) -> list[tuple[int, int]]:
    """UTF-8 byte ranges of each ``@handle`` in ``text`` (the ``@`` included)."""
    needle = "@" + handle
    ranges = []
    start = 0
    lowered, lowered_needle = text.lower(), needle.lower()
    while (index := lowered.find(lowered_needle, start)) != -1:
        end = index + len(needle)
        before = text[index - 1] if index > 0 else " "
        after = text[end] if end < len(text) else " "
        after_next = text[end + 1] if end + 1 < len(text) else " "
        bounded = not (_HANDLE_CHAR.match(before) or before in "@.") and not (
            _HANDLE_CHAR.match(after) or (after == "." and _HANDLE_CHAR.match(after_next))
        )
        if bounded:
            ranges.append((_utf8_index(text, index), _utf8_index(text, end)))
        start = end
    return ranges


def mention_facet(byte_start: int, byte_end: int, did: str) -> models.AppBskyRichtextFacet.Main:
    return models.AppBskyRichtextFacet.Main(
        features=[models.AppBskyRichtextFacet.Mention(did=did)],
        index=models.AppBskyRichtextFacet.ByteSlice(byte_start=byte_start, byte_end=byte_end),
    )


# -- the publisher -----------------------------------------------------------------------


class BlueskyPublisher:
    """Posts for one Bluesky account."""

    platform = "bluesky"
    live = True

    def __init__(
        self,
        account: str,
        *,
        handle: str,
        app_password: str,
        service: str = DEFAULT_SERVICE,
        state_dir: Path | None = None,
        timeouts: Timeouts | None = None,
        langs: tuple[str, ...] = (),
        clock: Clock | None = None,
    ) -> None:
        self.account = account
        self.handle = handle.lstrip("@")
        self.service = service.rstrip("/")
        self.langs = langs
        self.clock = clock or SystemClock()
        self.state_dir = Path(state_dir) if state_dir else default_state_dir()
        self.session_file = self.state_dir / f"bluesky-{account_slug(account).lower()}.session"
        self._password = app_password
        self._secrets = [app_password]
        timeouts = timeouts or Timeouts()
        #: A resend writes the same record key, which the PDS refuses if it exists:
        #: no call is unprotected.
        self.unprotected_seconds = 0.0
        self._last_headers: dict[str, str] = {}
        self._last_status: int | None = None
        request = AtRequest(
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            event_hooks={"response": [self._remember]},
        )
        self._client = Client(base_url=self.service, request=request)
        self._client.on_session_change(self._on_session_change)
        self._ready = False
        self._dids: dict[str, str] = {}
        protect_logs(self._secrets)

    @classmethod
    def from_settings(cls, account: str, settings: Settings, *, clock: Clock | None = None) -> Self:
        config = AccountConfig(settings, "bluesky", account)
        state_dir = config.setting("STATE_DIR") or settings.get("BOT_STATE_DIR")
        langs = parse_langs(config.setting("LANGS"), config.name("LANGS"))
        return cls(
            account,
            handle=config.require("HANDLE", "the account's handle, e.g. yourorg.bsky.social"),
            app_password=config.require(
                "APP_PASSWORD", "an app password (Settings → App passwords)"
            ),
            service=config.setting("SERVICE", DEFAULT_SERVICE) or DEFAULT_SERVICE,
            state_dir=Path(state_dir).expanduser() if state_dir else None,
            timeouts=Timeouts.parse(config.setting("TIMEOUT"), name=config.name("TIMEOUT")),
            langs=langs,
            clock=clock,
        )

    # -- session ----------------------------------------------------------------------------

    def _remember(self, response: httpx.Response) -> None:
        self._last_status = response.status_code
        self._last_headers = {
            name: response.headers[name] for name in RATE_LIMIT_HEADERS if name in response.headers
        }

    def _on_session_change(self, event: SessionEvent, session: Session) -> None:
        """Keep the session (new or refreshed) for the next run: 0600, written atomically."""
        if event not in (SessionEvent.CREATE, SessionEvent.REFRESH):
            return
        payload = json.dumps(
            {
                "identifier": self.handle,
                "service": self.service,
                "session": session.encode(),
            }
        )
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, temporary = tempfile.mkstemp(dir=self.state_dir, prefix=".session-")
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(temporary, self.session_file)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _stored_session(self) -> str | None:
        try:
            stored = json.loads(self.session_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if stored.get("identifier") != self.handle or stored.get("service") != self.service:
            return None
        session = stored.get("session")
        return session if isinstance(session, str) else None

    def _login(self) -> None:
        """``createSession`` with the app password (rate-limited: only when needed)."""
        self._client.update_base_url(self.service)
        try:
            self._client.login(self.handle, self._password, fetch_bsky_profile=False)
        except (at_exc.AtProtocolError, httpx.TransportError) as exc:
            raise self._error(exc, "logging in") from None
        log.info("bluesky account=%s logged in (new session)", self.account)
        self._ready = True

    def _ensure_session(self) -> None:
        if self._ready:
            return
        stored = self._stored_session()
        if stored:
            try:
                self._client.login(session_string=stored, fetch_bsky_profile=False)
                self._ready = True
                return
            except (at_exc.AtProtocolError, ValueError):
                pass
        self._login()

    def _forget_session(self) -> None:
        self._ready = False
        self.session_file.unlink(missing_ok=True)

    def _call(self, call: Callable[[], _T], action: str, *, write: bool = False) -> _T:
        """Run ``call`` with a session; log in again once if the tokens are refused.

        ``write`` marks the one call that can create something (``createRecord``):
        only its uncertain failures are ``MAYBE_SENT``; a read that times out is
        ``TRANSIENT`` (nothing can have been posted).
        """
        self._ensure_session()
        try:
            return call()
        except at_exc.LoginRequiredError as exc:
            first: Exception = exc
        except (at_exc.BadRequestError, at_exc.UnauthorizedError) as exc:
            name = _error_name(exc)
            session_refused = name in SESSION_ERRORS or (
                isinstance(exc, at_exc.UnauthorizedError) and _status(exc) == 401
            )
            if name in ACCOUNT_ERRORS or not session_refused:
                # A closed account: a new login would not help and spends createSession.
                raise self._error(exc, action, write) from None
            first = exc
        except (at_exc.AtProtocolError, httpx.TransportError) as exc:
            raise self._error(exc, action, write) from None
        except ValueError as exc:  # a body that is not JSON, or not the lexicon's shape
            raise _unreadable(exc, action, write) from None
        log.info(
            "bluesky account=%s session refused (%s); logging in again",
            self.account,
            _error_name(first) or type(first).__name__,
        )
        self._forget_session()
        self._login()
        try:
            return call()
        except (at_exc.AtProtocolError, httpx.TransportError) as exc:
            raise self._error(exc, action, write) from None
        except ValueError as exc:
            raise _unreadable(exc, action, write) from None

    @property
    def did(self) -> str:
        session = self._client._session
        if session is None:
            raise PublishError(Failure.AUTH, "no Bluesky session")
        did: str = session.did
        return did

    # -- publishing --------------------------------------------------------------------------

    def post_url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self.handle}/post/{rkey}"

    def resolve(self, handle: str) -> str:
        """A handle's DID (cached for the life of the publisher)."""
        key = handle.lower()
        if key not in self._dids:
            try:
                answer = self._call(
                    lambda: self._client.resolve_handle(key), f"resolving @{handle}"
                )
            except PublishError as exc:
                if exc.kind is Failure.PERMANENT:
                    raise PublishError(
                        Failure.PERMANENT,
                        f"the Bluesky handle @{handle} does not resolve ({exc.message}); "
                        "correct it in the directory",
                        http_status=exc.http_status,
                    ) from None
                raise
            self._dids[key] = answer.did
        return self._dids[key]

    def facets(self, post: OutgoingPost) -> list[models.AppBskyRichtextFacet.Main]:
        """Mention facets (resolved DIDs) plus link and tag facets, by byte offset."""
        found = list(facet_detection.detect_facets(post.text))
        mentioned: set[str] = set()
        for mention in post.mentions:
            if mention.handle.lower() in mentioned:
                continue
            mentioned.add(mention.handle.lower())
            ranges = find_mentions(post.text, mention.handle)
            if not ranges:
                raise PublishError(
                    Failure.PERMANENT,
                    f"the post tags @{mention.handle} but the text does not contain it",
                )
            did = self.resolve(mention.handle)
            found.extend(mention_facet(start, end, did) for start, end in ranges)
        return sorted(found, key=lambda facet: facet.index.byte_start)

    def record(self, post: OutgoingPost) -> models.AppBskyFeedPost.Record:
        """The post record; ``PERMANENT`` when the text or the record breaks a rule."""
        length = graphemes(post.text)
        if length > MAX_GRAPHEMES:
            raise PublishError(
                Failure.PERMANENT,
                f"the text is {length} graphemes; Bluesky allows {MAX_GRAPHEMES}",
            )
        size = len(post.text.encode("utf-8"))
        if size > MAX_BYTES:
            raise PublishError(
                Failure.PERMANENT,
                f"the text is {size:,} bytes in UTF-8; Bluesky allows {MAX_BYTES:,}",
            )
        try:
            return self._build_record(post)
        except pydantic.ValidationError as exc:
            # The SDK checks the lexicon before anything is sent: nothing went out.
            raise PublishError(
                Failure.PERMANENT, f"the Bluesky SDK refused the record: {_validation(exc)}"
            ) from None

    def _build_record(self, post: OutgoingPost) -> models.AppBskyFeedPost.Record:
        embed = None
        if post.link and post.link not in post.text:
            embed = models.AppBskyEmbedExternal.Main(
                external=models.AppBskyEmbedExternal.External(
                    uri=post.link, title=post.link, description=""
                )
            )
        return models.AppBskyFeedPost.Record(
            text=post.text,
            facets=self.facets(post) or None,
            created_at=self.clock.now()
            .astimezone(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            langs=list(self.langs) or None,
            embed=embed,
        )

    def publish(self, post: OutgoingPost) -> PublishResult:
        rkey = record_key(post)
        record = self.record(post)
        repo = self._did_for_write()
        try:
            data = models.ComAtprotoRepoCreateRecord.Data(
                repo=repo, collection=POST_COLLECTION, rkey=rkey, record=record
            )
        except pydantic.ValidationError as exc:
            raise PublishError(
                Failure.PERMANENT, f"the Bluesky SDK refused the request: {_validation(exc)}"
            ) from None
        try:
            created = self._call(
                lambda: self._client.com.atproto.repo.create_record(data),
                "creating the post",
                write=True,
            )
        except PublishError as exc:
            if exc.kind in (Failure.TRANSIENT, Failure.MAYBE_SENT) or exc.details.get("exists"):
                return self._settle(post, rkey, exc)
            raise
        log.info("posted on bluesky account=%s rkey=%s", self.account, rkey)
        return self._result(created.uri, rkey)

    def _did_for_write(self) -> str:
        self._ensure_session()
        return self.did

    def _result(self, uri: str, rkey: str) -> PublishResult:
        headers = dict(self._last_headers)
        return PublishResult(
            remote_id=uri,
            url=self.post_url(rkey),
            rate_limit_remaining=int_header(headers.get("ratelimit-remaining")),
            rate_limit_reset=epoch_header(headers.get("ratelimit-reset")),
            limits=headers,
        )

    def _fetch(self, rkey: str) -> Any | None:
        """The record at ``rkey`` in our repo, or ``None`` if there is none."""
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=self.did, collection=POST_COLLECTION, rkey=rkey
        )
        try:
            return self._call(
                lambda: self._client.com.atproto.repo.get_record(params), "checking the record"
            )
        except PublishError as exc:
            if _absent(exc):
                return None
            raise

    def _settle(self, post: OutgoingPost, rkey: str, cause: PublishError) -> PublishResult:
        """After an uncertain create: is our record at ``rkey``?"""
        try:
            found = self._fetch(rkey)
        except PublishError as exc:
            raise PublishError(
                Failure.MAYBE_SENT,
                f"{cause.message}; and checking record {rkey} failed too ({exc.message})",
                http_status=cause.http_status,
            ) from None
        if found is None:
            if cause.details.get("exists"):
                raise PublishError(
                    Failure.TRANSIENT,
                    f"{cause.message} (yet record {rkey} is absent)",
                    http_status=cause.http_status,
                )
            raise PublishError(
                Failure.TRANSIENT,
                f"{cause.message}; record {rkey} was not created, so a retry is safe "
                "(it writes to the same record key)",
                http_status=cause.http_status,
                retry_at=cause.retry_at,
                details=cause.details,
            )
        text = getattr(found.value, "text", None)
        if text != post.text:
            raise PublishError(
                Failure.PERMANENT,
                f"record {rkey} already holds a different post; refusing to overwrite it",
            )
        log.info(
            "bluesky account=%s rkey=%s was already created (%s)",
            self.account,
            rkey,
            cause.kind.value,
        )
        return self._result(found.uri, rkey)

    # -- checking and reconciling ------------------------------------------------------------

    def check(self) -> AccountStatus:
        try:
            session = self._call(
                lambda: self._client.com.atproto.server.get_session(), "checking the session"
            )
        except PublishError as exc:
            return AccountStatus(self.platform, self.account, ok=False, detail=str(exc))
        limits = dict(self._last_headers)
        limits["createSession"] = "30 per 5 minutes, 300 per day (session reused)"
        active = getattr(session, "active", None)
        return AccountStatus(
            self.platform,
            self.account,
            ok=active is not False,
            identity=f"@{session.handle} ({session.did})",
            detail="app password accepted; session kept in "
            + str(self.session_file)
            + ("" if active is not False else f"; account inactive: {session.status}"),
            limits=limits,
        )

    def reconcile(self, post: OutgoingPost) -> PublishResult | None:
        rkey = record_key(post)
        try:
            self._ensure_session()
            found = self._fetch(rkey)
        except PublishError as exc:
            raise PublishError(
                Failure.MAYBE_SENT,
                f"could not check record {rkey}: {exc.message}",
                http_status=exc.http_status,
            ) from None
        if found is None:
            return None
        if getattr(found.value, "text", None) != post.text:
            raise PublishError(
                Failure.MAYBE_SENT,
                f"record {rkey} holds a different text; a person must look",
                details={"uncheckable": "yes"},  # looking again will not change it
            )
        return self._result(found.uri, rkey)

    # -- errors --------------------------------------------------------------------------------

    def _error(self, exc: BaseException, action: str, write: bool = False) -> PublishError:
        error = self._classify(exc, action)
        if error.kind is Failure.MAYBE_SENT and not write:
            return PublishError(
                Failure.TRANSIENT,
                f"no answer from Bluesky while {action}; nothing was posted",
                http_status=error.http_status,
                details=error.details,
            )
        return error

    def _classify(self, exc: BaseException, action: str) -> PublishError:
        response = getattr(exc, "response", None)
        if response is None:
            failure = transport_failure(exc)
            if failure is None:
                failure = (
                    Failure.MAYBE_SENT
                    if isinstance(exc, at_exc.InvokeTimeoutError)
                    else (
                        Failure.AUTH
                        if isinstance(exc, at_exc.LoginRequiredError)
                        else Failure.TRANSIENT
                    )
                )
            if failure is Failure.AUTH:
                return PublishError(failure, f"Bluesky session lost while {action}; log in again")
            return PublishError(
                failure, describe_transport_error(exc, failure, "Bluesky") + f" while {action}"
            )
        status = response.status_code
        name = _error_name(exc)
        content = response.content
        said = getattr(content, "message", None) or name or f"HTTP {status}"
        message = redact(f"{name}: {said}" if name and said != name else str(said), self._secrets)
        headers = {
            k: str(v)
            for k, v in (response.headers or {}).items()
            if k.lower() in RATE_LIMIT_HEADERS
        }
        details = {"error": name or "", **headers}
        if status == 429:
            retry_at = (
                epoch_header(headers.get("ratelimit-reset"))
                or self.clock.now() + DEFAULT_RATE_LIMIT_BACKOFF
            )
            return PublishError(
                Failure.RATE_LIMITED,
                f"Bluesky rate limit while {action} ({message}); retry after "
                f"{retry_at:%Y-%m-%d %H:%M:%S} UTC",
                http_status=status,
                retry_at=retry_at,
                details=details,
            )
        if name in ACCOUNT_ERRORS or status == 403:
            meaning = ACCOUNT_ERRORS.get(name or "", "Bluesky refused the account")
            return PublishError(
                Failure.AUTH,
                f"{meaning} ({message}, while {action})",
                http_status=status,
                details={**details, "account_state": name or str(status)},
            )
        if (
            status in (401, 403)
            or name in SESSION_ERRORS
            or name
            in {
                "AuthenticationRequired",
                "AccountTakedown",
                "AccountDeactivated",
            }
        ):
            return PublishError(
                Failure.AUTH,
                f"Bluesky refused the account while {action} ({message}); check "
                "BLUESKY_HANDLE and the app password",
                http_status=status,
                details=details,
            )
        lowered = message.lower()
        if status in (400, 409) and (
            "already exist" in lowered or "exists" in (name or "").lower()
        ):
            return PublishError(
                Failure.PERMANENT, message, http_status=status, details={**details, "exists": "1"}
            )
        if status == 504:
            return PublishError(
                Failure.MAYBE_SENT, f"{message} while {action}", http_status=status, details=details
            )
        if status >= 500 or status in (408, 409, 413):
            return PublishError(
                Failure.TRANSIENT, f"{message} while {action}", http_status=status, details=details
            )
        return PublishError(
            Failure.PERMANENT, f"{message} while {action}", http_status=status, details=details
        )


def _unreadable(exc: ValueError, action: str, write: bool) -> PublishError:
    """An answer the SDK could not read: after a create the record may exist."""
    if write:
        return PublishError(
            Failure.MAYBE_SENT,
            f"Bluesky's answer while {action} could not be read ({type(exc).__name__}); "
            "the record may exist",
        )
    return PublishError(
        Failure.TRANSIENT,
        f"Bluesky's answer while {action} could not be read ({type(exc).__name__})",
    )


def _absent(error: PublishError) -> bool:
    """Whether a failed ``getRecord`` proves the record is not there.

    ``RecordNotFound`` says so; a PDS that does not host the repo (and has no
    AppView to ask) answers 400 ``InvalidRequest`` "Could not locate record".
    """
    name = error.details.get("error")
    if name == "RecordNotFound":
        return True
    return (
        error.http_status == 400
        and name == "InvalidRequest"
        and "could not locate record" in error.message.lower()
    )


def _validation(exc: pydantic.ValidationError) -> str:
    """A pydantic error in a line: which field, what is wrong (no input values)."""
    problems = [
        f"{'.'.join(str(p) for p in error['loc']) or 'record'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)
    ]
    return "; ".join(problems[:3]) or "invalid record"


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _error_name(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    return getattr(content, "error", None)
