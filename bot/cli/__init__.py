"""The ``advocacy-bot`` command.

Each command lives in its own module and is imported only when it runs, so
``advocacy-bot --help`` and ``validate`` stay fast: platform clients, the
scheduler, SQLAlchemy and the web framework load only for the commands that
use them. Commands are thin: parse input, call the library, print.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import click

#: command name -> "module:attribute" (a click command or group)
COMMANDS: dict[str, str] = {
    "validate": "bot.cli.validate:validate",
    "preview": "bot.cli.run:preview",
    "run": "bot.cli.run:run",
    "log": "bot.cli.log:log",
    "db": "bot.cli.db:db",
    "directory": "bot.cli.directory:directory",
    "targets": "bot.cli.directory:targets",
    "accounts": "bot.cli.accounts:accounts",
    "approve": "bot.cli.review:approve",
    "reject": "bot.cli.review:reject",
    "pause": "bot.cli.review:pause",
    "resume": "bot.cli.review:resume",
    "serve": "bot.cli.web:serve",
    "worker": "bot.cli.worker:worker",
    "resolve": "bot.cli.worker:resolve",
    "bills": "bot.cli.bills:bills",
    "notify": "bot.cli.notify:notify",
    "updates": "bot.cli.updates:updates",
}

_HELP = {
    "validate": "Check campaign files and explain every mistake.",
    "preview": "Show the posts a campaign's next run would make.",
    "run": "Run the scheduler (or --once) to plan and publish posts.",
    "log": "List the post log.",
    "db": "Database schema commands.",
    "directory": "Import, sync, search and correct the legislator directory.",
    "targets": "Show whom a campaign resolves to, per platform.",
    "accounts": "Check the configured platform accounts.",
    "approve": "Approve held posts so they can be published.",
    "reject": "Reject held posts.",
    "pause": "Stop posting (everything, or one campaign).",
    "resume": "Undo a pause.",
    "serve": "Serve the review dashboard and the supporter pages.",
    "worker": "Publish queued posts (extra workers on PostgreSQL).",
    "resolve": "Decide what happened to a post whose outcome is unknown.",
    "bills": "Sync bills from Congress.gov and Open States; show what the bot knows.",
    "notify": "Email and webhook notices: status, test, send now.",
    "updates": "Supporters' updates by email: the daily digest of bill events.",
}


#: Set to 1 to see the traceback of an unexpected error (a bug) instead of one line.
DEBUG_VARIABLE = "ADVOCACY_BOT_DEBUG"
#: The exit status of a command whose reader closed the pipe (128 + SIGPIPE, as a shell reports it).
SIGPIPE_STATUS = 141


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use.

    It also holds the exit-status rule for every command (docs/cli.md): 0 on
    success, 1 on any error, usage errors included (click's default is 2),
    each a one-line message, never a traceback.
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _errors_exit_1():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _errors_exit_1():
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # a command not built yet
                return None
            raise
        return getattr(module, attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing commands must not import them: use the short help above.
        rows = [(name, _HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@contextlib.contextmanager
def _errors_exit_1() -> Iterator[None]:
    """Usage errors exit 1; known errors become one line (``error: ...``) and exit 1.

    Every error the bot raises on purpose derives from
    :class:`bot.errors.AdvocacyBotError` and is said as it is. A bug (an error
    :func:`bot.cli.common.explain` does not know) is one line too, naming its
    type, unless ADVOCACY_BOT_DEBUG=1 asks for the traceback. Neither shows a
    secret from the environment.
    """
    try:
        yield
        sys.stdout.flush()  # a reader gone shows here, not as Python's complaint at exit
    except (click.exceptions.Exit, click.Abort):
        raise  # --help and --version (exit 0); Ctrl-C
    except click.ClickException as exc:
        # click declares exit_code a ClassVar; this instance alone exits 1 (a usage error, 2).
        exc.exit_code = 1  # type: ignore[misc]
        raise
    except Exception as exc:
        if isinstance(exc, BrokenPipeError) and _stdout_reader_gone():
            # The reader went away (`advocacy-bot log --json | head`): stop, saying
            # nothing, with the status a shell gives a program SIGPIPE ends (141), as
            # cat and grep do. Python would flush stdout again at exit and complain
            # about it: point stdout at devnull first.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(SIGPIPE_STATUS)
        if os.environ.get(DEBUG_VARIABLE) == "1":
            raise
        from bot.cli.common import explain, fail, without_secrets

        message = explain(exc)
        if message is None:
            text = without_secrets(str(exc)).strip()
            summary = text.splitlines()[0][:300] if text else ""
            message = (
                f"unexpected {type(exc).__name__}: {summary} (a bug: please report it, "
                f"with the output of the same command run with {DEBUG_VARIABLE}=1)"
            )
        fail(message)


def _stdout_reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (not a socket's broken pipe:
    a platform or a database connection that broke is an error to report)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll, or stdout is no file
        return False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="advocacy-bot")
def cli() -> None:
    """Advocacy posts that tag legislators about bills, on a schedule, logged in SQL.

    Dry-run is the default: nothing leaves the machine until you pass --live
    or set BOT_MODE=live.
    """


#: Commands that read, print and exit, their memory bounded by the campaign files and
#: one campaign's plan. Python's cycle collector runs dozens of times while they
#: import and build their models (~50 ms of ``preview``'s ~650 ms), finding no
#: garbage; reference counting frees what they drop, so they run without it.
#: Long-running commands (``run``, ``worker``, ``serve``) and exports keep it.
BRIEF_COMMANDS = frozenset({"validate", "preview", "targets"})


def main() -> None:
    """The console entry point (``advocacy-bot``; tests invoke :func:`cli` in-process)."""
    if len(sys.argv) > 1 and sys.argv[1] in BRIEF_COMMANDS:
        import gc

        gc.disable()
    cli()
