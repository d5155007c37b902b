"""``python -m bench.serve DB``: the real app under waitress on 127.0.0.1, for the bench.

Prints the port it listens on, then serves until killed. The app is the one
``advocacy-bot serve --no-auth`` runs (:func:`bot.web.app.create_app`), over
the database file DB (or a database URL: ``postgresql://...``, for
bench/postgres.py) and the example campaigns, its clock frozen at the
filled log's "now" (bench/log.py), so the dashboard's day and month figures
read the same part of the log at every size.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from bench.common import ROOT
from bench.log import NOW


def main(argv: list[str]) -> None:
    from waitress import create_server

    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.store.db import Database
    from bot.web.app import WebConfig, create_app

    url = argv[0] if "://" in argv[0] else f"sqlite:///{Path(argv[0])}"
    settings = Settings.load(
        environ={"DATABASE_URL": url, "CAMPAIGNS_DIR": str(ROOT / "campaigns")}, dotenv=False
    )
    config = WebConfig(
        settings=settings,
        password=None,
        campaigns_dir=ROOT / "campaigns",
        clock=FrozenClock(NOW),
    )
    app = create_app(Database(url, migrate=False), config)
    logging.basicConfig(level=logging.ERROR)
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    print(server.effective_port, flush=True)  # type: ignore[union-attr]
    server.run()


if __name__ == "__main__":
    main(sys.argv[1:])
