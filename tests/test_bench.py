"""The benchmarks run (``python -m bench --quick``): a smoke test, no timing asserted."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT


def test_quick_bench_completes_and_prints_the_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "figure" in result.stdout and "baseline" in result.stdout
    for section in ("start-up:", "planning:", "log:", "rate cap:", "memory:"):
        assert section in result.stdout, section
