"""The one progress bar the sync commands share (bot.cli.common.Progress)."""

from __future__ import annotations

import pytest

from bot.cli.common import Progress


def test_a_bar_per_label_titled_by_the_verb(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress("downloading", enabled=True)
    for done in range(4):
        progress("people", done, 3)
    progress("committees", 0, 2)
    progress("committees", 2, 2)
    progress.close()
    progress.close()
    err = capsys.readouterr().err
    # stderr is not a terminal here, so click writes each bar's label once
    assert err.splitlines() == ["downloading people", "downloading committees"]
    assert progress.bar is None


def test_disabled_or_empty_phases_show_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = Progress("syncing", enabled=False)
    quiet("bills", 1, 2)
    quiet.close()
    empty = Progress("syncing", enabled=True)
    empty("bills", 0, 0)
    empty.close()
    assert capsys.readouterr().err == ""
