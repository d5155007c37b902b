"""Helpers shared by commands: settings, the database, user-facing errors.

The rule every command follows (docs/cli.md, "Exit status"): 0 when it did
what it was asked, 1 for every error, usage errors included, each said in
one line on stderr with what to do about it, never a traceback.
:func:`explain` turns the errors a user can cause (a setting, a file, the
database) into that line; :class:`bot.cli.LazyGroup` applies it to every
command.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Settings
    from bot.store.db import Database

#: The platforms an account or a handle can be on.
PLATFORM_NAMES = ("x", "facebook", "bluesky", "mastodon")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error a user can act on (no traceback) and exit."""
    click.secho(f"error: {message}", fg="red", err=True)
    raise SystemExit(code)


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (dates and paths as strings)."""
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def stop_on_signals(what: str) -> threading.Event:
    """An event the first SIGTERM or SIGINT sets, for a process that publishes.

    Hosts stop a process with SIGTERM and kill it a grace period later (Heroku:
    30 s). Dying at once would leave a post that went out as ``sending``; so the
    first signal only asks the process to finish the call in flight, record it
    and start nothing new (``what`` says what it finishes). A second signal
    stops it at once, as usual, for someone at a terminal who cannot wait.
    """
    stop = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        if stop.is_set():
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
            return
        stop.set()
        name = signal.Signals(signum).name
        click.echo(f"{name}: stopping after {what} (send it again to stop at once)", err=True)

    if threading.current_thread() is threading.main_thread():  # where Python runs handlers
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, handle)
    return stop


class Progress:
    """A progress bar per phase on stderr, as ``progress(label, done, total)`` callbacks want.

    ``bot.directory.sync`` and ``bot.bills.sync`` report ``(label, done, total)``
    as they work; each new label closes the bar before and opens one titled
    ``f"{verb} {label}"``. Nothing is shown when ``enabled`` is false (``--json``)
    or a phase has nothing to do (``total`` 0). Call :meth:`close` when done.
    """

    def __init__(self, verb: str, *, enabled: bool) -> None:
        self.verb = verb
        self.enabled = enabled
        self.label: str | None = None
        self.bar: Any = None
        self.shown = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.enabled or not total:
            return
        if label != self.label:
            self.close()
            self.label, self.shown = label, 0
            self.bar = click.progressbar(
                length=total, label=f"{self.verb} {label}", file=sys.stderr
            )
            self.bar.__enter__()
        if self.bar is not None and done > self.shown:
            self.bar.update(done - self.shown)
            self.shown = done

    def close(self) -> None:
        """End the bar shown, if any (safe to call twice)."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def settings() -> Settings:
    from bot.config import ConfigError, Settings

    try:
        return Settings.load()
    except ConfigError as exc:
        fail(str(exc))


def database_problem(url: str, exc: BaseException) -> str:
    """Why the database at ``url`` cannot be used, in one line with the fix."""
    from bot.config import mask_url

    cause = getattr(exc, "orig", None) or exc
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    if isinstance(exc, ModuleNotFoundError):
        first = f"its driver is not installed (no module {exc.name!r})"
    return f"cannot open the database at {mask_url(url)}: {first}. Check DATABASE_URL."


def database(config: Settings | None = None, *, migrate: bool = True) -> Database:
    """Open the configured database, migrating it to the current schema."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import ConfigError
    from bot.store.db import Database

    config = config or settings()
    try:
        return Database(config.database_url, migrate=migrate, busy_timeout=config.busy_timeout)
    except ConfigError as exc:
        fail(str(exc))
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        fail(database_problem(config.database_url, exc))


def explain(exc: Exception) -> str | None:
    """The one-line message for an error a user can cause and fix, or None for a bug.

    Covers every error the bot raises on purpose (:class:`~bot.errors.AdvocacyBotError`:
    settings, campaign files, YAML over its budget, overrides, downloads...),
    files that cannot be read, and a database that went away or refused a
    statement. Any secret in the environment is masked (:func:`without_secrets`).
    """
    from bot.errors import AdvocacyBotError
    from bot.safeyaml import YAMLBudgetError

    if isinstance(exc, YAMLBudgetError):
        where = f" (line {exc.line})" if exc.line else ""
        return without_secrets(f"{exc.message}{where}")
    if isinstance(exc, AdvocacyBotError):
        return without_secrets(str(exc))
    if isinstance(exc, UnicodeDecodeError):
        return f"a file is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
    if isinstance(exc, OSError):
        if exc.filename is None:
            return f"{exc.strerror or exc}"
        return f"{exc.filename}: {exc.strerror or exc}; check the path and its permissions"
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ModuleNotFoundError:  # pragma: no cover - SQLAlchemy is a dependency
        return None
    if isinstance(exc, SQLAlchemyError):
        config = settings()
        return database_problem(config.database_url, exc)
    return None


#: Environment variables whose values are secrets, by how their names end.
SECRET_SUFFIXES = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASS", "URL")

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", re.IGNORECASE)


def without_secrets(message: str) -> str:
    """``message`` with every secret in the environment, and any URL's password, as ``***``.

    The errors the bot raises are written without secrets; this is the second
    wall for what the CLI prints (a library's message may quote a URL or a token).
    Values of variables named ``*_KEY``, ``*_SECRET``, ``*_TOKEN``, ``*_PASSWORD``,
    ``*_PASS`` and the password of any ``*_URL`` are masked.
    """
    import os

    from bot.platforms._secrets import redact

    secrets: list[str] = []
    for name, value in os.environ.items():
        if not name.upper().endswith(SECRET_SUFFIXES):
            continue
        if name.upper().endswith("URL"):
            found = _URL_PASSWORD.search(value)
            if found:
                secrets.append(value[found.end("head") : found.end() - 1])
        else:
            secrets.append(value)
    return _URL_PASSWORD.sub(r"\g<head>***@", redact(message, secrets))


# --- Names a command must know before it acts on them -------------------------------


def unknown(what: str, name: str, known: Iterable[str], where: str, fix: str = "") -> NoReturn:
    """Fail: ``name`` is not a known ``what``; say the close match, what there is, the fix."""
    from bot.campaigns.loader import suggest

    choices = sorted(set(known))
    hint = suggest(name, choices) or _unique_prefix(name, choices)
    message = f"no {what} {name!r} {where}" + (f"; {hint}" if hint else "")
    if choices:
        more = f" and {len(choices) - 10} more" if len(choices) > 10 else ""
        message += f" (the {what}s known are {', '.join(choices[:10])}{more})"
    else:
        message += f" (there are no {what}s)"
    fail(message + (f"; {fix}" if fix else ""))


def _unique_prefix(name: str, choices: list[str]) -> str | None:
    """``did you mean 'mo-sb792-expungement'?`` for ``mo-sb792``: the one choice it begins."""
    starting = [c for c in choices if name and c.lower().startswith(name.lower())]
    return f"did you mean {starting[0]!r}?" if len(starting) == 1 else None


def campaigns_folder(folder: Path) -> Path:
    """``folder``, failing unless it is a folder (CAMPAIGNS_DIR pointing nowhere is common)."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        fail(
            f"the campaigns folder {folder} {what}; set CAMPAIGNS_DIR (in .env or the "
            "environment), or run the command where the campaigns/ folder is"
        )
    return folder


def folder_campaign_ids(folder: Path) -> set[str]:
    """Campaign ids defined in ``folder`` (broken files and ids given twice count: they
    can be paused too)."""
    from bot.campaigns.loader import load_all

    if not folder.is_dir():
        return set()
    result = load_all([folder])
    ids = {loaded.campaign.id for loaded, _ in result.campaigns}
    return ids | set(result.broken_ids) | set(result.duplicates)


def require_campaign(config: Settings, session: Session, campaign_id: str) -> None:
    """Fail unless ``campaign_id`` is in the post log or in the campaigns folder.

    The log is asked first, so the emergency stop works for a campaign that
    has posted even when its folder cannot be read.
    """
    from bot.store.logs import logged_campaign_ids

    known = logged_campaign_ids(session)
    if campaign_id in known:
        return
    known |= folder_campaign_ids(config.campaigns_dir)
    if campaign_id not in known:
        folder = config.campaigns_dir
        where = f"in {folder} or in the post log"
        if not folder.is_dir():
            where = f"in the post log (and the campaigns folder {folder} does not exist)"
        fix = "set CAMPAIGNS_DIR to your campaigns folder" if not folder.is_dir() else ""
        unknown("campaign", campaign_id, known, where, fix)


def require_account(config: Settings, session: Session, account: str) -> tuple[str, str]:
    """``PLATFORM:NAME`` as a pair, failing unless it is configured or in the post log."""
    from bot.platforms.accounts import configured_accounts
    from bot.store.queries import logged_accounts

    platform, sep, name = account.partition(":")
    if not sep or not platform or not name:
        fail(f"--account {account!r}: write PLATFORM:NAME, e.g. x:default")
    if platform not in PLATFORM_NAMES:
        unknown("platform", platform, PLATFORM_NAMES, f"in --account {account}")
    known = set(configured_accounts(config)) | logged_accounts(session)
    if (platform, name) not in known:
        unknown(
            "account",
            account,
            (f"{p}:{a}" for p, a in known),
            "configured (.env) or in the post log",
            "an account is configured by its variables in .env (see .env.example)",
        )
    return platform, name
