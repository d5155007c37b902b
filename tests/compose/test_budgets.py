"""Every render keeps within its budget: no template can hang the bot or eat its memory.

Measured before the budget: ``{{ 'x' * 10**9 }}`` ran 60 s and took 2.9 GB,
nested ``range(100000)`` loops and ``lipsum(100000)`` hung ``validate`` and
``run``. Each bomb here must stop with a :class:`TemplateProblem` naming the
limit, having allocated little (``tracemalloc`` counts what Python
allocates; nothing here asserts a time).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.compose import render as rendering
from bot.compose import sandbox
from bot.compose.plan import PlanHistory, plan_run, template_context
from bot.compose.render import TemplateProblem, render
from tests.support import make_campaign, people

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
MEMORY = 50 * 2**20  # bytes a bomb may allocate before it is stopped


def context() -> dict[str, object]:
    campaign = make_campaign()
    return template_context(campaign, campaign.bills[0], "x", [(p, "Sen0") for p in people(1)])


@pytest.fixture
def allocated() -> Iterator[list[int]]:
    """The peak Python allocation during the test, in bytes (filled in at the end)."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


LONG = "{% set s = 'x' * 100000 %}"
DOUBLE = "{% set a = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}"

BOMBS = [
    ("{{ 'x' * 10**9 }}", "1,000,000,000 characters or items with '*'"),
    ("{{ [targets] * 10**8 }}", "100,000,000 characters or items with '*'"),
    ("{{ 'x' + 'y' * 99999 + 'z' * 99999 }}", "with '+'"),
    ("{{ 'x'|center(10**9) }}", "the filter 'center', which is not available"),
    ("{{ 'x'|indent(10**9) }}", "the filter 'indent', which is not available"),
    ("{{ lipsum(100000) }}", "calls lipsum(...)"),
    (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "calls range(...)",
    ),
    (LONG + "{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}", "10,000 operations"),
    (LONG + "{% for a in s %}{% endfor %}", "10,000 operations"),
    ("{% for a in targets * 100000 %}{% endfor %}", "10,000 operations"),
    (
        "{{ 'ab'|replace('', 'x' * 1000)|replace('', 'x' * 1000) }}",
        "characters or items with |replace",
    ),
    ("{{ ('x' * 1000)|replace('x', 'y' * 1000) }}", "characters or items with |replace"),
    ("{% set t = 'x' * 50000 %}{{ [t, t, t]|join }}", "characters or items with |join"),
    ("{% set a = 'xxxxxxxxxx' %}" + DOUBLE * 6 + "{{ a|length }}", "characters or items with '~'"),
    (
        "{% set a %}xxxxxxxxxx{% endset %}"
        + "{% set a %}{{ a }}{{ a }}{{ a }}{{ a }}{{ a }}{{ a }}{{ a }}{{ a }}{% endset %}" * 8,
        "writes more than 100,000 characters",
    ),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "macro calls more than 20 deep"),
    (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(19) }}",
        "10,000 operations",
    ),
    (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% else %}"
        + "x" * 1000
        + "{% endif %}{% endmacro %}{% set s = f(12) %}",
        "writes more than 100,000",
    ),
    ("{{ 10 ** 100 ** 100 }}", "number of more than 1,000 digits"),  # (10**100)**100
    ("{{ 2 ** 100000 }}", "number of more than 1,000 digits"),
    ("{{ (10 ** 900) * (10 ** 900) }}", "number of more than 1,000 digits"),
    ("{{ 10.0 ** 100000 }}", "number of more than 1,000 digits"),
    ("{{ '%0999999999d' % 1 }}", "'%' formatting of text"),
    ("{{ [[[1] * 100] * 100] * 100 }}", "characters or items writing out a list"),
    ("{{ 'a' ~ [[[1] * 100] * 100] * 100 }}", "characters or items writing out a list"),
    ("{% for i in 'x' * 9000 %}" + "x" * 10 + "{% endfor %}", "longer than 64,000 characters"),
    ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "nests too deeply"),
    ("{{ 1" + "0" * 5000 + " }}", "a number has more than 4,300 digits"),
]


@pytest.mark.parametrize(("source", "limit"), BOMBS, ids=[b[0][:50] for b in BOMBS])
def test_a_bomb_stops_at_its_limit(
    source: str, limit: str, allocated: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each bomb must meet its own limit, not the clock's: under tracemalloc on a loaded
    # machine 10,000 macro calls can take over a second (the time limit has its own test).
    monkeypatch.setattr(sandbox, "SECONDS", 600)
    monkeypatch.setattr(rendering, "_OUT_OF_TIME", {})
    with pytest.raises(TemplateProblem) as caught:
        render(source, context())
    assert limit in str(caught.value)
    tracemalloc_peak = tracemalloc.get_traced_memory()[1]
    assert tracemalloc_peak < MEMORY, f"allocated {tracemalloc_peak / 2**20:.0f} MB"


def test_the_time_limit_stops_a_slow_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering, "_OUT_OF_TIME", {})
    slow = "{% for t in targets %}{{ t.name }} (slow){% endfor %}"
    monkeypatch.setattr(sandbox, "SECONDS", -1.0)  # every render is already late
    with pytest.raises(TemplateProblem, match="takes more than -1 second to render"):
        render(slow, context())
    monkeypatch.setattr(sandbox, "SECONDS", 1.0)
    # it would take that long again: it fails at once, and other templates still render
    with pytest.raises(TemplateProblem, match="second to render"):
        render(slow, context())
    assert render("{% for t in targets %}{{ t.name }}{% endfor %}", context()) == "Person 0"


def test_a_plain_template_over_the_output_limit_is_a_problem() -> None:
    campaign = make_campaign()
    context = template_context(campaign, campaign.bills[0], "x", [])
    context["names"] = "x" * 70_000  # as a huge roster's names would be
    with pytest.raises(TemplateProblem, match="longer than 64,000 characters"):
        render("{{ names }}", context)


def test_under_budget_renders_in_full() -> None:
    source = "{% for c in 'x' * 9000 %}x{% endfor %}"  # 9,000 iterations: under 10,000
    assert render(source, context()) == "x" * 9000


def test_the_campaigns_other_messages_still_post() -> None:
    campaign = make_campaign(
        messages=[
            {"id": "bomb", "text": "{{ mentions }} {{ 'x' * 10**9 }}"},
            {"id": "good", "text": "{{ mentions }} please support {{ bill.identifier }}"},
        ]
    )
    plan = plan_run(campaign, people(1), PlanHistory(), NOW)
    assert [(post.variant, post.text) for post in plan.posts] == [
        ("good", "@Sen0 please support S 1693")
    ]
    assert plan.notes == [
        "x: message 'bomb' skipped: template would make a value of 1,000,000,000 characters "
        "or items with '*' (the limit for one value is 100,000)"
    ]


def test_the_docs_give_the_budgets_the_code_keeps() -> None:
    from tests.support import ROOT

    docs = (ROOT / "docs" / "campaigns.md").read_text(encoding="utf-8")
    table = docs[docs.index("**Budgets.**") :]
    for row in (
        f"| the rendered text | {sandbox.OUTPUT_CHARS:,} characters",
        f"| {sandbox.VALUE_CHARS:,} characters or items",
        f"| {sandbox.WRITTEN_CHARS:,} characters |",
        f"| {sandbox.OPERATIONS:,} |",
        f"| {sandbox.MACRO_DEPTH} deep |",
        f"| {sandbox.NUMBER_DIGITS:,} digits |",
        f"| {sandbox.SECONDS:g} second |",
    ):
        assert row in table, row
