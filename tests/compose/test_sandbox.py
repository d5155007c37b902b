"""The template sandbox holds: no code runs, no file is read, nothing callable is reachable.

Templates used to receive the pydantic ``Bill``: ``bill.parse_raw(...,
proto='pickle')`` ran a shell command and ``bill.parse_file()`` read any
file. These tests walk everything a template can reach and try the classic
escapes; each must be refused with a :class:`TemplateProblem`.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jinja2 import Undefined

from bot.bills.models import BillEvent
from bot.bills.post import event_view, plan_step_posts
from bot.compose import sandbox
from bot.compose import text as composing  # where the planner renders each post
from bot.compose.plan import compose_text, template_context
from bot.compose.render import TemplateProblem, environment, render
from bot.compose.views import VIEW_ATTRIBUTES
from bot.web.share import ready_posts
from tests.support import ROOT, make_campaign, people

DOCUMENTED_FILTERS = {
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "replace",
    "title",
    "trim",
    "truncate",
    "upper",
}


def event() -> BillEvent:
    detail = {
        "starts": "2026-03-10T14:00:00+00:00",
        "chamber": "upper",
        "committee_names": ["Judiciary"],
        "title": "Hearing",
        "location": "Room 1",
        "url": "https://example.org/hearing",
    }
    return BillEvent(
        bill_key="us/115/S 1693",
        key="hearing:1:2026-03-10",
        kind="hearing",
        day=date(2026, 3, 10),
        detail=json.dumps(detail),
    )


def every_context(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """The contexts the planner, a bill step's post and the supporter page render with."""
    seen: list[dict[str, object]] = []
    real = composing.render

    def spy(source: str, context: dict[str, object]) -> str:
        seen.append(context)
        return real(source, context)

    monkeypatch.setattr(composing, "render", spy)
    monkeypatch.setattr("bot.bills.post.render", spy)
    campaign = make_campaign(platforms=["x", "bluesky", "mastodon", "facebook"])
    targets = people(2)
    compose_text(campaign, campaign.bills[0], "x", campaign.messages[0], targets)
    view = event_view(event(), ZoneInfo("America/Chicago"))
    plan_step_posts(
        campaign, campaign.bills[0], "hearing", "{{ event.date }}", targets, view, mentions=2
    )
    ready_posts(campaign, targets, instance="mastodon.social", page_url="https://example.org/c")
    assert any("event" in context for context in seen)
    return seen


def reachable(value: object) -> list[tuple[str, object]]:
    """Every value a template can reach from ``value``: attributes, items, keys."""
    env = environment()
    found: list[tuple[str, object]] = []
    stack: list[tuple[str, object]] = [("", value)]
    seen: set[int] = set()
    while stack:
        path, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append((path, current))
        names = set(dir(current)) | VIEW_ATTRIBUTES.get(type(current), frozenset())
        for name in sorted(names):
            for way, got in (
                ("." + name, env.getattr(current, name)),
                (f"[{name!r}]", env.getitem(current, name)),
            ):
                if not isinstance(got, Undefined):
                    stack.append((path + way, got))
        if isinstance(current, tuple | list) or (isinstance(current, str) and current):
            for index in range(min(len(current), 3)):
                stack.append((f"{path}[{index}]", env.getitem(current, index)))
    return found


def test_nothing_reachable_from_any_template_context_is_callable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contexts = every_context(monkeypatch)
    callables = []
    for context in contexts:
        for name, value in context.items():
            for path, found in reachable(value):
                assert (
                    type(found) in {str, int, type(None), tuple} or type(found) in VIEW_ATTRIBUTES
                )
                if callable(found):
                    callables.append(name + path)
    assert callables == []


def test_the_template_context_holds_views_not_models() -> None:
    campaign = make_campaign()
    context = template_context(campaign, campaign.bills[0], "x", [(people(1)[0], "Sen0")])
    assert {name: type(value).__name__ for name, value in context.items()} == {
        "bill": "BillView",
        "campaign": "CampaignView",
        "targets": "tuple",
        "mentions": "str",
        "names": "str",
        "platform": "str",
    }


def test_the_only_callables_are_the_documented_filters() -> None:
    env = environment()
    assert env.globals == {}
    public = {name for name in env.filters if ":" not in name}  # the budget's own hooks
    assert public == DOCUMENTED_FILTERS == set(sandbox.FILTERS)
    docs = (ROOT / "docs" / "campaigns.md").read_text(encoding="utf-8")
    for name in DOCUMENTED_FILTERS:
        assert f"`{name}`" in docs, f"filter {name} is not documented"


def context() -> dict[str, object]:
    campaign = make_campaign()
    pairs = [(person, person.handles["x"]) for person in people(2)]
    found = template_context(campaign, campaign.bills[0], "x", pairs)
    found["event"] = event_view(event(), ZoneInfo("America/Chicago"))
    return found


def pickle_payload(target: Path) -> str:
    """The issue's payload: unpickling it runs ``touch target``."""
    pickled = f"cos\\nsystem\\n(S'touch {target}'\\ntR."
    return '{{ bill.parse_raw("' + pickled + "\", proto='pickle', allow_pickle=True) }}"


def test_the_pickle_payload_runs_nothing(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    with pytest.raises(TemplateProblem, match=r"calls bill\.parse_raw\(\.\.\.\)"):
        render(pickle_payload(target), context())
    # nor through a variable: only macros the template defines can be called
    through_a_variable = "{% set f = bill.parse_raw %}" + pickle_payload(target).replace(
        "bill.parse_raw", "f"
    )
    with pytest.raises(TemplateProblem, match=r"calls f\(\.\.\.\)"):
        render(through_a_variable, context())
    assert not target.exists()


ESCAPES = [
    "{{ bill.parse_file('/etc/hostname') }}",
    "{{ bill.parse_file }}",
    "{{ bill.model_dump_json() }}",
    "{{ bill.__class__ }}",
    "{{ bill.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__ }}",
    "{{ ''['__class__'] }}",
    "{{ bill['__class__'] }}",
    "{{ bill.title.upper }}",
    "{{ bill.title.upper() }}",
    "{{ ''.format }}",
    "{{ '{0.__class__}'.format(bill) }}",
    "{{ targets.__class__.__base__.__subclasses__() }}",
    "{{ targets.count }}",
    "{{ targets[0].__init__.__globals__ }}",
    "{{ campaign.items() }}",
    "{{ campaign.__dict__ }}",
    "{{ event.__class__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ self._TemplateReference__context.environment }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ cycler }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ lipsum(1) }}",
    "{{ namespace.__init__.__globals__ }}",
    "{% set ns = namespace(a=1) %}{% set ns.a = 2 %}{{ ns.a }}",
    "{{ range.__class__ }}",
    "{{ range(3) }}",
    "{{ dict(a=1) }}",
    "{% for t in targets %}{{ loop.__class__ }}{% endfor %}",
    "{% for t in targets %}{{ loop._iterator }}{% endfor %}",
    "{% for t in targets %}{{ loop.cycle }}{% endfor %}",
    "{% for t in targets %}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% for t in targets %}{{ loop.changed(t) }}{% endfor %}",
    "{% for t in targets recursive %}{{ loop(t) }}{% endfor %}",
    "{% macro m() %}{% endmacro %}{{ m._func.__globals__ }}",
    "{% macro m() %}{% endmacro %}{{ m.__call__ }}",
    "{{ bill.title|attr('__class__') }}",
    "{{ targets|map(attribute='__class__')|list }}",
    "{{ bill|format('x') }}",
    "{{ 'x %s' % bill }}",
    "{% include '/etc/hostname' %}",
    "{% import 'os' as os %}",
    "{% from 'os' import system %}",
    "{% extends '/etc/hostname' %}",
    "{% block b %}{% endblock %}{{ self.b() }}",
    "{% autoescape false %}{{ bill }}{% endautoescape %}",
    "{{ caller() }}",
    "{{ config }}",
    "{{ request }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_classic_escapes_are_refused(source: str, tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem):
        render(source.replace("/etc/hostname", str(tmp_path / "secret")), context())


def test_a_file_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("the-secret", encoding="utf-8")
    for source in ("{{ bill.parse_file('%s') }}", "{%% include '%s' %%}", "{{ bill.title }}"):
        try:
            text = render(source.replace("%s", str(secret)).replace("%%", "%"), context())
        except TemplateProblem:
            continue
        assert "the-secret" not in text


def test_a_refused_filter_is_named_even_in_a_branch_not_taken() -> None:
    with pytest.raises(TemplateProblem, match="filter 'center', which is not available") as caught:
        render("{% if false %}\n{{ bill.title|center(10**9) }}{% endif %}", context())
    assert caught.value.line == 2


WHAT_TEMPLATES_CAN_DO = [
    (
        "{{ bill.identifier|upper }} {{ bill.title|lower }}",
        "S 1693 stop enabling sex traffickers act",
    ),
    (
        "{{ 'hello world'|title }} {{ 'hello'|capitalize }} [{{ '  x  '|trim }}]",
        "Hello World Hello [x]",
    ),
    ("{{ 'a b c d e f'|truncate(9, leeway=0) }}", "a b c..."),
    ("{{ bill.identifier|replace(' ', '') }}", "S1693"),
    ("{{ targets|join(', ', attribute='name') }}", "Person 0, Person 1"),
    (
        "{{ targets|length }} {{ targets|count }} "
        "{{ (targets|first).name }} {{ (targets|last).name }}",
        "2 2 Person 0 Person 1",
    ),
    ("{{ bill.summary|default('none', true) }} {{ bill.titel|d('x') }}", "none x"),
    (
        "{% for t in targets %}{{ loop.index }}/{{ loop.length }} {{ t.mention }}"
        "{% if not loop.last %}, {% endif %}{% endfor %}",
        "1/2 @Sen0, 2/2 @Sen1",
    ),
    ("{% macro tag(t) %}{{ t.display_name }}{% endmacro %}{{ tag(targets[0]) }}", "Sen. Person 0"),
    (
        "{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}{{ names }}{% endcall %}",
        "[Sen. Person 0 and Sen. Person 1]",
    ),
    ("{% filter upper %}{{ platform }}{% endfilter %}", "X"),
    (
        "{% set n = targets|length %}{% with m = n * 2 %}{{ m }} {{ 'ab' ~ n }}{% endwith %}",
        "4 ab2",
    ),
    (
        "{{ bill.key }} {{ bill.stance }} {{ campaign.id }} {{ event.date }} {{ event.committee }}",
        "us/115/S 1693 support test-campaign Tuesday, March 10 Judiciary",
    ),
    ("{% raw %}{{ not a variable }}{% endraw %}", "{{ not a variable }}"),
    (
        "{{ 'a' * 3 }}{{ 2 ** 10 }} {{ 7 // 2 }} {{ 7 % 4 }} {{ [1, 2] + [3] }}",
        "aaa1024 3 3 [1, 2, 3]",
    ),
    ("{% if bill.url is defined and targets[0].handle is not none %}ok{% endif %}", "ok"),
]


@pytest.mark.parametrize(("source", "expected"), WHAT_TEMPLATES_CAN_DO)
def test_what_the_docs_offer_still_works(source: str, expected: str) -> None:
    assert render(source, context()) == expected


def test_an_attribute_typo_names_the_view() -> None:
    with pytest.raises(TemplateProblem) as caught:
        render("{{ bill.titel|upper }}", context())
    assert re.search(
        r"'bot\.compose\.views\.BillView object' has no attribute 'titel'", str(caught.value)
    )


def test_loop_offers_plain_values_only() -> None:
    from jinja2 import StrictUndefined
    from jinja2.runtime import LoopContext

    env = environment()
    loop = LoopContext(iter(["a", "b"]), StrictUndefined)
    next(iter(loop))
    for name in dir(loop):
        value = env.getattr(loop, name)
        if name in sandbox.LOOP_ATTRIBUTES:
            assert isinstance(value, int | str | Undefined), name
        else:
            assert isinstance(value, Undefined), name


def test_the_supporter_page_and_a_bill_step_refuse_the_payload_too(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    campaign = make_campaign(
        messages=[
            {"id": "pwn", "text": pickle_payload(target)},
            {"id": "good", "text": "{{ mentions }} please support {{ bill.identifier }}"},
        ]
    )
    found = ready_posts(campaign, people(1), instance="mastodon.social", page_url="https://e.org")
    assert [post.variant for post in found["x"]] == ["good"]
    view = event_view(event(), ZoneInfo("America/Chicago"))
    posts, notes = plan_step_posts(
        campaign, campaign.bills[0], "hearing", pickle_payload(target), people(1), view, mentions=1
    )
    assert posts == []
    assert notes == [
        "x: step 'hearing' skipped: template calls bill.parse_raw(...): calls are not available "
        "in messages"
    ]
    assert not target.exists()


CHECKED_NOT_COMPILED = [
    *ESCAPES,
    *(source for source, _ in WHAT_TEMPLATES_CAN_DO),
    "{{ mentions }}: please support {{ bill.identifier }}. {{ bill.url }}",
    "plain text",
    "",
    "{{ self }}",
    "{{ bill.__class__.__name__ }}",
    "{{ bill.title",
    "{{ bill. }}",
    "{% if %}",
    "{{ a" + ".b" * 19 + " }}",
    "{{ a" + ".b" * 20 + " }}",
    "{{ a" + ".b" * 250 + " }}",
    "{{ a" + ".b" * 2000 + " }}",
    "{{ " + "(" * 300 + "a" + ")" * 300 + " }}",
    "{{ bill.title }}" * 500,
]


@pytest.mark.parametrize("source", CHECKED_NOT_COMPILED)
def test_checking_a_template_refuses_what_compiling_refuses(source: str) -> None:
    """``check_template`` (the loader's and validate's check, which compiles only templates
    that are not plain) says exactly what ``compile_template`` says, or nothing where it does."""
    from bot.compose.render import check_template, compile_template

    try:
        compile_template(source)
        expected = None
    except TemplateProblem as exc:
        expected = (str(exc), exc.line)
    try:
        check_template(source)
        found = None
    except TemplateProblem as exc:
        found = (str(exc), exc.line)
    assert found == expected


def test_a_plain_template_is_checked_without_compiling_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiling a message (Jinja's code generation, then Python's ``compile``) costs a
    command's start-up about a millisecond each; a plain one renders without that code."""
    from bot.compose import render as module

    compiled: list[str] = []
    real = module.compile_template

    def spy(source: str) -> object:
        compiled.append(source)
        return real(source)

    monkeypatch.setattr(module, "compile_template", spy)
    module.check_template("{{ mentions }}, please vote yes on {{ bill.identifier }}.")
    module.check_template("{{ bill.title|upper }}")
    assert compiled == ["{{ bill.title|upper }}"]
