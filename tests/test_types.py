"""The type checker runs with the tests, and holds the core packages to its strict flags."""

from __future__ import annotations

import tomllib

from tests.support import ROOT

STRICT = {
    "bot.compose.*",
    "bot.guard",
    "bot.platforms.*",
    "bot.store.*",
    "bot.schedule.*",
    "bot.posts",  # the shapes the strict packages share (were in compose, store, guard)
    "bot.clock",
}
#: mypy's --strict, flag by flag (an override cannot say ``strict``).
STRICT_FLAGS = {
    "disallow_any_generics",
    "disallow_subclassing_any",
    "disallow_untyped_calls",
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "check_untyped_defs",
    "disallow_untyped_decorators",
    "warn_return_any",
    "no_implicit_reexport",
    "strict_equality",
    "extra_checks",
}


def test_scripts_test_runs_mypy_after_ruff_and_before_the_suite() -> None:
    lines = (ROOT / "scripts" / "test").read_text(encoding="utf-8").splitlines()
    ruff = lines.index(".venv/bin/ruff check .")
    mypy = lines.index(".venv/bin/mypy")
    suite = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert ruff < mypy < suite


def test_the_core_packages_are_checked_strictly_and_nothing_is_excluded() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["files"] == ["bot"] and "exclude" not in config
    assert config["warn_unused_ignores"] is True
    strict = [o for o in config["overrides"] if STRICT & set(o["module"])]
    assert len(strict) == 1 and set(strict[0]["module"]) == STRICT
    assert {flag for flag in STRICT_FLAGS if strict[0].get(flag) is True} == STRICT_FLAGS
    # Only libraries without types may be imported unchecked, never a module of the bot.
    for override in config["overrides"]:
        if override.get("ignore_missing_imports") or override.get("ignore_errors"):
            assert not any(m.startswith("bot") for m in override["module"]), override
