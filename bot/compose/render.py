"""Message templates: Jinja2 in a sandbox, with strict undefined variables.

Organizers write templates; the bot renders them with these variables:

``bill``       the bill: ``identifier``, ``title``, ``url``, ``stance``, ``summary``,
               ``jurisdiction``, ``session``
``campaign``   ``id`` and ``title``
``targets``    the legislators this post addresses, each with ``name``, ``title``,
               ``display_name`` (``Sen. Josh Hawley``), ``handle`` (or none), ``mention``
               (``@handle`` where they can be tagged, else their display name),
               ``state``, ``district``
``mentions``   every target's ``mention``: joined by spaces where all are tagged
               (``@a @b``), else as prose (``@a, Sen. B and Rep. C``)
``names``      every target's display name, joined as prose: "A, B and C"
``platform``   ``x``, ``facebook``, ``bluesky`` or ``mastodon``

A template that uses anything else is reported by ``validate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATE_VARIABLES = frozenset({"bill", "campaign", "targets", "mentions", "names", "platform"})


@dataclass(frozen=True, slots=True)
class TargetView:
    """A target as templates see it."""

    id: str
    name: str
    title: str | None
    display_name: str
    handle: str | None
    mention: str
    state: str | None = None
    district: str | None = None


class TemplateProblem(ValueError):
    """A template cannot be rendered; ``line`` is the line inside the template."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,  # posts are plain text; the web app escapes on display
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=512)
def compile_template(source: str) -> Template:
    """Compile (and cache) a template; raise :class:`TemplateProblem` on bad syntax."""
    try:
        return environment().from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno) from None


def undeclared_variables(source: str) -> set[str]:
    """Names a template uses that the bot does not provide."""
    env = environment()
    try:
        parsed = env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno) from None
    return set(meta.find_undeclared_variables(parsed)) - TEMPLATE_VARIABLES


def join_names(names: list[str]) -> str:
    """``["A", "B", "C"]`` → ``"A, B and C"``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def render(source: str, context: dict[str, object]) -> str:
    """Render a template; whitespace runs inside lines are kept, ends are stripped."""
    template = compile_template(source)
    try:
        text = template.render(context)
    except UndefinedError as exc:
        raise TemplateProblem(f"template uses something undefined: {exc.message}") from None
    except Exception as exc:  # sandbox violations, type errors in organizer templates
        raise TemplateProblem(f"template failed to render: {exc}") from None
    return "\n".join(line.rstrip() for line in text.strip().splitlines())
