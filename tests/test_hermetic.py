"""The suite cannot read the developer's data.

The README's quick start leaves ``advocacy-bot.db`` in the checkout, and
developers keep a ``.env`` and their own campaigns there. This runs part of
the suite from such a folder, poisoned: a log with posts in it, a ``.env``
that turns on live mode and points at another database, and a broken
campaign. The tests must pass exactly as they do from a clean folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

#: tests that run commands the way a user does (in-process and as programs)
PROBES = ["tests/campaigns/test_cli_validate.py", "tests/cli/test_run.py"]


def poison(folder: Path) -> None:
    """Make ``folder`` look like a developer's checkout after the quick start."""
    shutil.copytree(ROOT / "campaigns", folder / "campaigns")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'advocacy-bot.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once", "--all"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (folder / "advocacy-bot.db").exists(), done.stdout + done.stderr
    (folder / "campaigns" / "zz-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (folder / ".env").write_text(
        f"BOT_MODE=live\nDATABASE_URL=sqlite:///{folder / 'advocacy-bot.db'}\n"
        f"CAMPAIGNS_DIR={folder / 'campaigns'}\nX_API_KEY=from-the-developers-env\n",
        encoding="utf-8",
    )


def test_the_suite_ignores_the_working_directorys_data(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    poison(checkout)
    before = (checkout / "advocacy-bot.db").read_bytes()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]
        + [str(ROOT / probe) for probe in PROBES],
        cwd=checkout,
        env={**environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert (checkout / "advocacy-bot.db").read_bytes() == before, "a test wrote the user's log"
