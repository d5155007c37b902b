"""``advocacy-bot accounts``: which accounts are configured, and do their credentials work."""

from __future__ import annotations

import click

from bot.cli.common import fail, print_json, settings, unknown


@click.group()
def accounts() -> None:
    """Check the configured platform accounts."""


def _selected(platform: str | None, account: str | None) -> list[tuple[str, str]]:
    from bot.platforms.accounts import configured_accounts

    found = configured_accounts(settings())
    return [
        (p, a)
        for p, a in found
        if (platform is None or p == platform) and (account is None or a == account)
    ]


@accounts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def list_accounts(as_json: bool) -> None:
    """List configured accounts and which of their variables are set (values masked).

    With no account configured: an error, or ``[]`` with --json.
    """
    from bot.platforms.accounts import SECRET_VARIABLES, env_name

    config = settings()
    found = _selected(None, None)
    if as_json:
        print_json(
            [
                {
                    "platform": platform,
                    "account": account,
                    "variables": {
                        env_name(platform, account, n): bool(
                            config.get(env_name(platform, account, n))
                        )
                        for n in SECRET_VARIABLES[platform]
                    },
                }
                for platform, account in found
            ]
        )
        return
    if not found:
        fail(
            "no platform account is configured; copy .env.example to .env and fill it in "
            "(docs/platforms.md walks through each platform)"
        )
    for platform, account in found:
        names = [env_name(platform, account, n) for n in SECRET_VARIABLES[platform]]
        shown = ", ".join(f"{n}={'***' if config.get(n) else '(missing)'}" for n in names)
        click.echo(f"{platform}/{account}: {shown}")


@accounts.command("check")
@click.option(
    "--platform",
    type=click.Choice(["x", "facebook", "bluesky", "mastodon"]),
    help="Only this platform.",
)
@click.option("--account", help="Only this account name.")
def check(platform: str | None, account: str | None) -> None:
    """Verify every configured account without posting: who it is, token valid, limits left.

    On X this makes one paid user read per account (about $0.01).
    """
    from bot.config import ConfigError
    from bot.guard import automated_label_reminder
    from bot.platforms._secrets import redact
    from bot.platforms.accounts import AccountConfig
    from bot.platforms.base import AccountStatus
    from bot.platforms.registry import build_publisher

    config = settings()
    found = _selected(platform, account)
    if not found and account is not None:
        names = {a for p, a in _selected(platform, None)}
        where = f"configured on {platform}" if platform else "configured"
        unknown("account", account, names, where, "see .env.example and docs/platforms.md")
    if not found:
        fail("no matching platform account is configured; see .env.example and docs/platforms.md")
    secrets = [s for p, a in found for s in AccountConfig(config, p, a).secrets()]
    failures = 0
    for name, who in found:
        try:
            status = build_publisher(name, who, config, live=True).check()
        except ConfigError as exc:
            status = AccountStatus(name, who, ok=False, detail=str(exc))
        except Exception as exc:  # never a traceback with credentials in it
            status = AccountStatus(
                name, who, ok=False, detail=f"check failed: {type(exc).__name__}"
            )
        failures += not status.ok
        mark = click.style("ok  ", fg="green") if status.ok else click.style("FAIL", fg="red")
        line = f"{mark} {status.platform}/{status.account}"
        if status.identity:
            line += f"  {status.identity}"
        click.echo(redact(line, secrets))
        if status.detail:
            click.echo(redact(f"     {status.detail}", secrets))
        for key, value in status.limits.items():
            click.echo(redact(f"     {key}: {value}", secrets))
    if any(p == "x" for p, _ in found):
        click.echo("")
        click.echo(automated_label_reminder(f"x/{a}" for p, a in found if p == "x"))
    if failures:
        raise SystemExit(1)
