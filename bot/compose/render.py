"""Message templates: Jinja2 in a tightened sandbox, with strict undefined variables.

Organizers write templates; the bot renders them with these variables, all
plain immutable data (:mod:`bot.compose.views`), never models or rows:

``bill``       the bill: ``identifier``, ``title``, ``url``, ``stance``, ``summary``,
               ``why``, ``jurisdiction``, ``session``, ``key`` (``mo/2018/SB 792``)
``campaign``   ``id`` and ``title``
``targets``    the legislators this post addresses, each with ``id``, ``name``, ``title``,
               ``display_name`` (``Sen. Josh Hawley``), ``handle`` (or none), ``mention``
               (``@handle`` where they can be tagged, else their display name),
               ``state``, ``district``
``mentions``   every target's ``mention``: joined by spaces where all are tagged
               (``@a @b``), else as prose (``@a, Sen. B and Rep. C``)
``names``      every target's display name, joined as prose: "A, B and C"
``platform``   ``x``, ``facebook``, ``bluesky`` or ``mastodon``

A bill step's post also sees ``event`` (:class:`bot.bills.post.EventView`).
A template that uses anything else is reported by ``validate``. What the
sandbox allows (filters, tags, calls) and the budget every render keeps are
in :mod:`bot.compose.sandbox`; a problem of either is a :class:`TemplateProblem`.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import (
    Template,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
    meta,
    nodes,
)

from bot.compose import sandbox
from bot.compose.views import TargetView
from bot.errors import AdvocacyBotError

__all__ = ["TEMPLATE_VARIABLES", "TargetView", "TemplateProblem", "render"]

TEMPLATE_VARIABLES = frozenset({"bill", "campaign", "targets", "mentions", "names", "platform"})


class TemplateProblem(AdvocacyBotError, ValueError):
    """A template cannot be rendered; ``line`` is the line inside the template."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=1)
def environment() -> sandbox.TemplateEnvironment:
    """The sandbox message templates render in (see :mod:`bot.compose.sandbox`)."""
    return sandbox.environment()


def _syntax_problem(exc: Exception) -> TemplateProblem:
    """A parse or compile failure as a :class:`TemplateProblem` (never a traceback)."""
    if isinstance(exc, TemplateSyntaxError):
        return TemplateProblem(f"template syntax error: {exc.message}", exc.lineno)
    if isinstance(exc, RecursionError | MemoryError):
        return TemplateProblem("template syntax error: the template nests too deeply")
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return TemplateProblem("template syntax error: a number has more than 4,300 digits")
    return TemplateProblem(f"template syntax error: {exc}")


@lru_cache(maxsize=512)
def compile_template(source: str) -> Template:
    """Compile (and cache) a template within the sandbox's rules.

    Raises :class:`TemplateProblem` on bad syntax, and on a filter, call or tag
    the sandbox refuses (:func:`bot.compose.sandbox.check`), wherever it is.
    """
    env = environment()
    try:
        tree = env.parse(source)
        sandbox.check(tree)
        code = env.compile(sandbox.rewrite(tree))
    except sandbox.Problem as exc:
        raise TemplateProblem(f"template {exc}", exc.line) from None
    except Exception as exc:  # noqa: BLE001 (syntax, and Python's own limits on deep nesting)
        raise _syntax_problem(exc) from None
    return env.template_class.from_code(env, code, env.make_globals(None))


#: The longest ``{{ name.attribute... }}`` path :func:`check_template` takes as plain:
#: Jinja compiles each attribute as a nested call, and Python refuses some 200 of them.
PLAIN_PATH_PARTS = 20


def check_template(source: str) -> None:
    """Raise :class:`TemplateProblem` where :func:`compile_template` would, and nowhere else.

    A plain template (only text and ``{{ name.attribute... }}``, :func:`_plain_parts`)
    is rendered without Jinja's code, and nothing in it can fail to compile once it
    parses and passes :func:`bot.compose.sandbox.check` (which still refuses
    ``self``...): it is checked, not compiled, which spares ``validate`` and the
    campaign loader the code generation and Python ``compile`` of every message
    (most are plain). Any other template is compiled, as before.
    """
    parts = _plain_parts(source)
    if parts is None or any(
        not isinstance(part, str) and len(part) > PLAIN_PATH_PARTS for part in parts
    ):
        compile_template(source)
        return
    try:
        sandbox.check(_parse(source))
    except sandbox.Problem as exc:
        raise TemplateProblem(f"template {exc}", exc.line) from None


@lru_cache(maxsize=512)
def _parse(source: str) -> nodes.Template:
    """A template's syntax tree, parsed once for the checks and the plain renderer.

    Raises :class:`TemplateProblem` on bad syntax. Callers only read the tree.
    """
    try:
        return environment().parse(source)
    except Exception as exc:  # noqa: BLE001 (see _syntax_problem)
        raise _syntax_problem(exc) from None


def variables_used(source: str) -> frozenset[str] | None:
    """Every variable a template reads from its context (``bill``, ``mentions``...).

    Raises :class:`TemplateProblem` on bad syntax. None for a template Jinja
    cannot even analyse (a filter the sandbox does not offer, nesting deeper
    than Python's stack): :func:`compile_template` reports it. The analysis
    runs in the sandbox, whose filters never run at compile time: Jinja's own
    environment would fold ``'x'|center(10**9)`` into a billion spaces here.
    """
    tree = _parse(source)
    try:
        return frozenset(meta.find_undeclared_variables(tree))
    except Exception:  # noqa: BLE001 (see above)
        return None


def undeclared_variables(source: str) -> set[str]:
    """Names a template uses that the bot does not provide (see :func:`variables_used`)."""
    used = variables_used(source)
    return set() if used is None else set(used - TEMPLATE_VARIABLES)


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
            if isinstance(part, str):
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
            out.append(sandbox.text_of(value))
    except Exception:  # let Jinja raise it, and report it its way
        return None
    return "".join(out)


def render(source: str, context: dict[str, object]) -> str:
    """Render a template; whitespace runs inside lines are kept, ends are stripped.

    Templates that are only text and variables (most are) are rendered from
    their parsed parts, exactly as Jinja would and ten times faster. Others
    render in the sandbox within its budget (:mod:`bot.compose.sandbox`);
    either way a text over :data:`~bot.compose.sandbox.OUTPUT_CHARS` is a
    :class:`TemplateProblem`.
    """
    parts = _plain_parts(source)
    text = None if parts is None else _render_plain(parts, context)
    if text is None:
        text = _render_sandboxed(source, context)
    elif len(text) > sandbox.OUTPUT_CHARS:
        raise _too_long()
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _too_long() -> TemplateProblem:
    return TemplateProblem(
        f"template renders longer than {sandbox.OUTPUT_CHARS:,} characters (the limit for "
        "a message)"
    )


#: Templates that once ran out of time, and the problem they had. Each would
#: cost another second every time it renders (a run renders a message for each
#: bill and post, validate for each target), so they fail at once from then on.
_OUT_OF_TIME: dict[str, str] = {}


def _render_sandboxed(source: str, context: dict[str, object]) -> str:
    """Render through Jinja, stopping as soon as the text is over budget."""
    known = _OUT_OF_TIME.get(source)
    if known is not None:
        raise TemplateProblem(known)
    template = compile_template(source)
    pieces: list[str] = []
    size = 0
    try:
        for piece in template.generate(context):
            size += len(piece)
            if size > sandbox.OUTPUT_CHARS:
                raise _too_long()
            pieces.append(piece)
    except TemplateProblem:
        raise
    except UndefinedError as exc:
        raise TemplateProblem(f"template uses something undefined: {exc.message}") from None
    except sandbox.OutOfTime as exc:
        if len(_OUT_OF_TIME) >= 512:
            _OUT_OF_TIME.clear()
        _OUT_OF_TIME[source] = f"template {exc}"
        raise TemplateProblem(_OUT_OF_TIME[source]) from None
    except (sandbox.BudgetExceeded, sandbox.Refused) as exc:
        raise TemplateProblem(f"template {exc}") from None
    except RecursionError:
        raise TemplateProblem("template nests too deeply (macros calling macros?)") from None
    except Exception as exc:  # noqa: BLE001 (type errors and the like in organizer templates)
        raise TemplateProblem(f"template failed to render: {exc}") from None
    return "".join(pieces)
