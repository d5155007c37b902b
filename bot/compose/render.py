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

from jinja2 import (
    StrictUndefined,
    Template,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
    meta,
    nodes,
)
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


@lru_cache(maxsize=512)
def _parse(source: str) -> nodes.Template:
    """A template's syntax tree, parsed once for the checks and the plain renderer.

    Raises :class:`TemplateProblem` on bad syntax. Callers only read the tree.
    """
    try:
        return environment().parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno) from None


def undeclared_variables(source: str) -> set[str]:
    """Names a template uses that the bot does not provide."""
    return set(meta.find_undeclared_variables(_parse(source))) - TEMPLATE_VARIABLES


def join_names(names: list[str]) -> str:
    """``["A", "B", "C"]`` → ``"A, B and C"``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@lru_cache(maxsize=512)
def _plain_parts(source: str) -> tuple[str | tuple[str, ...], ...] | None:
    """A template that is only text and ``{{ name.attribute... }}``, as its parts.

    Text is a ``str``, a variable the path of names to look up. None for any
    template with more (tags, filters, calls, subscripts, literals...), or one
    that does not parse: those go through Jinja.
    """
    try:
        parsed = _parse(source)
    except TemplateProblem:
        return None
    if not parsed.body:
        return ()
    if len(parsed.body) != 1 or type(parsed.body[0]) is not nodes.Output:
        return None
    parts: list[str | tuple[str, ...]] = []
    for node in parsed.body[0].nodes:
        if type(node) is nodes.TemplateData:
            parts.append(node.data)
            continue
        path: list[str] = []
        while type(node) is nodes.Getattr and node.ctx == "load":
            path.append(node.attr)
            node = node.node
        if type(node) is not nodes.Name or node.ctx != "load":
            return None
        parts.append((node.name, *reversed(path)))
    return tuple(parts)


def _render_plain(
    parts: tuple[str | tuple[str, ...], ...], context: dict[str, object]
) -> str | None:
    """What Jinja renders for a plain template, or None to let Jinja do it.

    Each variable is looked up as the compiled template does: the name in the
    context, each attribute through the sandbox's own ``getattr``, and the
    value written with ``str``. Anything unusual (a name the context lacks, an
    undefined attribute) is left to Jinja, which raises the proper error.
    """
    env = environment()
    out = []
    try:
        for part in parts:
            if type(part) is str:
                out.append(part)
                continue
            name, *attributes = part
            if name not in context:
                return None
            value = context[name]
            for attribute in attributes:
                value = env.getattr(value, attribute)
                if isinstance(value, Undefined):
                    return None
            out.append(str(value))
    except Exception:  # let Jinja raise it, and report it its way
        return None
    return "".join(out)


def render(source: str, context: dict[str, object]) -> str:
    """Render a template; whitespace runs inside lines are kept, ends are stripped.

    Templates that are only text and variables (most are) are rendered from
    their parsed parts, exactly as Jinja would and ten times faster.
    """
    parts = _plain_parts(source)
    text = None if parts is None else _render_plain(parts, context)
    if text is not None:
        return "\n".join(line.rstrip() for line in text.strip().splitlines())
    template = compile_template(source)
    try:
        text = template.render(context)
    except UndefinedError as exc:
        raise TemplateProblem(f"template uses something undefined: {exc.message}") from None
    except Exception as exc:  # sandbox violations, type errors in organizer templates
        raise TemplateProblem(f"template failed to render: {exc}") from None
    return "\n".join(line.rstrip() for line in text.strip().splitlines())
