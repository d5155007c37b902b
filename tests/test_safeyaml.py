"""bot.safeyaml's budget: the plain count of alias-free text agrees with the full check."""

from __future__ import annotations

import random

import pytest

from bot import safeyaml

SMALL = safeyaml.Limits(max_bytes=10_000, max_nodes=40, max_chars=120)


def documents() -> list[str]:
    rng = random.Random(17)
    found = [
        "",
        "a: 1",
        "- " + "\n- ".join("x" * rng.randint(0, 9) for _ in range(39)),
        "- " + "\n- ".join("x" * rng.randint(0, 9) for _ in range(40)),
        "key: " + "y" * 119,
        "key: " + "y" * 120,
        "key: " + "y" * 121,
        "[" + ", ".join(["[a, b]"] * 12) + "]",
        "[" + ", ".join(["[a, b]"] * 13) + "]",
        "{" + ", ".join(f"k{i}: v{i}" for i in range(20)) + "}",
        "top:\n  inner:\n    - " + "\n    - ".join(["z" * 10] * 11),
        "top:\n  inner:\n    - " + "\n    - ".join(["z" * 10] * 12),
        # with aliases (a "*"): the full check, as before
        "a: &a [x, y, z]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
        "a: &a " + "q" * 40 + "\nb: [*a, *a]",
        "a: &a " + "q" * 40 + "\nb: [*a, *a, *a]",
        "text: 'a * b'\nlist:\n" + "- x\n" * 40,
    ]
    for _ in range(60):
        width = rng.randint(1, 30)
        found.append("\n".join(f"k{i}: {'w' * rng.randint(0, 12)}" for i in range(width)))
    return found


@pytest.mark.parametrize("text", documents())
def test_the_plain_count_says_what_the_full_check_says(text: str) -> None:
    """Over budget or not, and if over, the same message and line, with or without the text."""

    def outcome(with_text: bool) -> tuple[str, int | None] | None:
        loader = safeyaml.SafeLoader(text)
        try:
            safeyaml.compose(loader, SMALL, text if with_text else None)
        except safeyaml.YAMLBudgetError as exc:
            return exc.message, exc.line
        finally:
            loader.dispose()
        return None

    assert outcome(True) == outcome(False)


def test_alias_free_text_skips_the_full_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The full check costs a third of parsing a data file; text without ``*`` needs a count."""
    calls: list[object] = []
    real = safeyaml.check
    monkeypatch.setattr(
        safeyaml, "check", lambda node, limits: calls.append(node) or real(node, limits)
    )
    assert safeyaml.load("people: [a, b, c]", safeyaml.DATA) == {"people": ["a", "b", "c"]}
    assert calls == []
    assert safeyaml.load("a: &x [1]\nb: *x", safeyaml.DATA) == {"a": [1], "b": [1]}
    assert len(calls) == 1
    with pytest.raises(safeyaml.YAMLBudgetError):
        safeyaml.load("- " + "\n- ".join(["x"] * 41), SMALL)
    assert len(calls) == 2  # over budget: the full check says where
