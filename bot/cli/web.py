"""``advocacy-bot serve``: the review dashboard and the supporter pages.

The web framework (Flask) and the server (waitress) are imported only when
this command runs, so other commands start as fast as before.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from pathlib import Path

import click

from bot.cli.common import campaigns_folder, database, fail, settings

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    envvar="PORT",
    help="Port (or $PORT, as hosts set).",
)
@click.option(
    "--no-auth",
    is_flag=True,
    help="No dashboard login: only on 127.0.0.1 (or localhost), for local use.",
)
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="Behind an HTTPS proxy (Heroku, Render, nginx): trust its X-Forwarded-* headers, "
    "send the session cookie over HTTPS only.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Requests served at once.",
)
@click.option("--campaigns-dir", type=click.Path(path_type=Path, file_okay=False), default=None)
def serve(
    host: str,
    port: int,
    no_auth: bool,
    behind_proxy: bool,
    threads: int,
    campaigns_dir: Path | None,
) -> None:
    """Serve the dashboard (/dashboard, login required) and the supporter pages (/c/ID).

    The dashboard password is DASHBOARD_PASSWORD (from .env or the environment);
    the command refuses to start without it, unless --no-auth on 127.0.0.1.
    """
    config = settings()
    password = config.get("DASHBOARD_PASSWORD")
    if no_auth:
        if not is_loopback(host):
            fail(
                f"--no-auth only listens on 127.0.0.1; anyone who can reach {host} could "
                "approve posts. Set DASHBOARD_PASSWORD instead."
            )
        password = None
    elif password is None:
        fail(
            "set DASHBOARD_PASSWORD (in .env or the environment) to protect the dashboard, "
            "or pass --no-auth to serve on 127.0.0.1 without a login"
        )
    elif len(password) < 12 and not is_loopback(host):
        fail("DASHBOARD_PASSWORD is shorter than 12 characters; use a longer one off 127.0.0.1")

    from bot.web.app import WebConfig, create_app

    web_config = WebConfig(
        settings=config,
        password=password,
        campaigns_dir=campaigns_folder(campaigns_dir or config.campaigns_dir),
        behind_proxy=behind_proxy,
    )
    secret_key = config.get("DASHBOARD_SECRET_KEY")
    if secret_key:
        web_config = replace(web_config, secret_key=secret_key)
    app = create_app(database(config), web_config)

    import logging

    from waitress.server import create_server

    logging.basicConfig()  # waitress logs its warnings, as waitress.serve arranges
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="advocacy-bot")
    except OSError as exc:  # the port is taken, or the address is not this machine's
        fail(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port "
            "(or $PORT), or stop what is using it"
        )
    where = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    click.echo(f"serving on {where}/  (dashboard: {where}/dashboard; Ctrl-C stops it)")
    if password is None:
        click.secho("no login: --no-auth (local use only)", fg="yellow", err=True)
    try:
        server.run()
    finally:
        server.close()
