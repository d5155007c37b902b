"""CI cannot pass by skipping: a missing server, browser or data set fails it."""

from __future__ import annotations

import pytest

from tests.support import ROOT, unavailable


def test_a_missing_backend_fails_in_ci_and_skips_on_a_developers_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no PostgreSQL; CI runs every test"):
        unavailable("no PostgreSQL")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL"):
        unavailable("no PostgreSQL")


def test_ci_sets_the_flag_itself() -> None:
    """CI's own environment may or may not set CI: .ci/run must, before the tests run."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=" in script.split("scripts/test")[0]
