"""Every exception the bot defines derives from bot.errors.AdvocacyBotError."""

from __future__ import annotations

import ast
import builtins
import re

from bot.errors import AdvocacyBotError
from tests.support import ROOT

BUILTIN_EXCEPTIONS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def _exception_classes() -> list[tuple[str, ast.ClassDef]]:
    """Classes in bot/ with a built-in exception among their direct bases."""
    names = "|".join(sorted(BUILTIN_EXCEPTIONS))
    maybe = re.compile(rf"^\s*class \w+\([^)]*\b({names})\b", re.MULTILINE)
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not maybe.search(text):  # parse only the files that may define one (fast)
            continue
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases & BUILTIN_EXCEPTIONS:
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return found


def test_no_exception_class_skips_the_root() -> None:
    lacking = [
        where
        for where, node in _exception_classes()
        if node.name != "AdvocacyBotError"
        and "AdvocacyBotError" not in {b.id for b in node.bases if isinstance(b, ast.Name)}
    ]
    assert lacking == []


def test_the_errors_users_catch_are_under_the_root() -> None:
    from bot.campaigns.errors import CampaignLoadError, CampaignProblem
    from bot.config import ConfigError
    from bot.directory.contact import ContactError
    from bot.durations import DurationError
    from bot.platforms.base import PublishError

    for error in (CampaignLoadError, ConfigError, PublishError, DurationError, ContactError):
        assert issubclass(error, AdvocacyBotError), error
    assert issubclass(ContactError, ValueError)  # what callers caught before still works
    assert not issubclass(CampaignProblem, BaseException)  # data about a problem, not raised
