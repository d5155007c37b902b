"""The sandbox message templates run in, and the budget every render keeps.

Templates receive plain data only (:mod:`bot.compose.views`); this is the
second wall. What a template may do:

- **read** the attributes the docs list of each view (``bill.title``...) and
  of ``loop`` (``loop.index``...), never one whose value is callable, never
  one of a string, number or list: ``bill.title.upper``, ``''.format`` and
  ``x.__class__`` are undefined;
- **call** only the macros it defines itself (and ``caller()`` inside a
  ``{% call %}``): ``bill.parse_raw(...)`` is refused before it renders;
- **use** the filters of :data:`FILTERS`, the standard tests (``is defined``)
  and the tags ``if``, ``for``, ``set``, ``with``, ``macro``, ``call``,
  ``filter`` and ``raw``; there are no global functions (no ``range``,
  ``lipsum``, ``cycler``, ``joiner``, ``namespace``, ``dict``).

Every render keeps within a :class:`Budget` (the constants below, and the
table in docs/campaigns.md): each loop iteration, filter, operator and macro
call is an operation; every piece of text a template writes (inside macros
and ``{% set %}`` blocks too) counts; a value an operator or filter would make
is measured *before* it is made, so ``'x' * 10**9`` never allocates. A
render over budget raises :class:`BudgetExceeded` naming the limit.

Three rewrites of the parsed template make the budget hold: each ``for``
iterates through :func:`_iterate` (counted), each ``~`` joins through
:func:`_concat` (measured), and literal text is written through the
``finalize`` hook like any ``{{ value }}`` (counted). The filters and the
hook take the render's context, which also keeps Jinja from running them at
compile time, outside any budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sized
from dataclasses import fields, is_dataclass
from typing import Any, NoReturn, TypeGuard, cast

from jinja2 import StrictUndefined, Undefined, nodes, pass_context
from jinja2 import filters as jinja_filters
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from bot.compose.views import VIEW_ATTRIBUTES
from bot.errors import AdvocacyBotError

#: The most characters a render's text may have: posts are a few hundred, and the
#: longest any platform takes is Facebook's 63,206.
OUTPUT_CHARS = 64_000
#: The most characters (or items) one value an operator or filter makes may have.
VALUE_CHARS = 100_000
#: The most characters a render may write in all, macros and ``{% set %}`` blocks included.
WRITTEN_CHARS = 100_000
#: The most operations (loop iterations, filters, operators, macro calls) per render.
OPERATIONS = 10_000
#: The most wall time one render may take.
SECONDS = 1.0
#: How deep macros may call macros.
MACRO_DEPTH = 20
#: The largest number a template may compute, in digits.
NUMBER_DIGITS = 1_000
_NUMBER_BITS = 3322  # 2 ** 3322 ~ 10 ** 1000

#: What ``loop`` offers inside ``{% for %}`` (its methods, ``cycle`` and ``changed``, are not).
LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
    }
)

#: The tags a message may use besides ``{{ ... }}``; :func:`check` refuses the others.
TAGS = "if, for, set, with, macro, call, filter and raw"

_REFUSED_NODES: dict[type[nodes.Node], str] = {
    nodes.Extends: "{% extends %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Block: "{% block %}",
    nodes.EvalContextModifier: "{% autoescape %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
    nodes.NSRef: "namespace assignment ({% set ns.x = ... %})",
}


class BudgetExceeded(AdvocacyBotError):
    """A render went over one of its limits; the message names the limit."""


class OutOfTime(BudgetExceeded):
    """A render took longer than :data:`SECONDS`."""


class Refused(AdvocacyBotError, SecurityError):
    """A template tried something the sandbox does not allow."""


class Budget:
    """What one render has spent: operations, characters written, macro depth, time."""

    __slots__ = ("deadline", "depth", "operations", "written")

    def __init__(self) -> None:
        self.operations = 0
        self.written = 0
        self.depth = 0
        self.deadline = time.monotonic() + SECONDS

    def step(self) -> None:
        """One operation: over :data:`OPERATIONS` or past the deadline raises."""
        self.operations += 1
        if self.operations > OPERATIONS:
            raise BudgetExceeded(
                f"does more than {OPERATIONS:,} operations (loop iterations, filters, "
                "operators and macro calls: the limit per render)"
            )
        if time.monotonic() > self.deadline:
            raise OutOfTime(f"takes more than {SECONDS:g} second to render (the limit per render)")

    def write(self, chars: int) -> None:
        self.written += chars
        if self.written > WRITTEN_CHARS:
            raise BudgetExceeded(
                f"writes more than {WRITTEN_CHARS:,} characters in all, macros and "
                "{% set %} blocks included (the limit per render)"
            )


class _Context(Context):
    """A render's context: Jinja's, with the render's :class:`Budget`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = Budget()


def _budget(context: Context) -> Budget:
    return cast(_Context, context).budget  # the environment makes every context a _Context


def _too_big(what: str, size: int) -> NoReturn:
    raise BudgetExceeded(
        f"would make a value of {size:,} characters or items {what} "
        f"(the limit for one value is {VALUE_CHARS:,})"
    )


def _fits(what: str, size: int) -> None:
    if size > VALUE_CHARS:
        _too_big(what, size)


def _measure(value: object, limit: int) -> int:
    """About how many characters ``str(value)`` has; raises once it passes ``limit``.

    Walks containers without building their text, so a list repeated inside
    itself (``[[x] * 1000] * 1000``) is refused after ``limit`` items, not
    printed.
    """
    total = 0
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 4
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif type(item) in VIEW_ATTRIBUTES:
            total += 40
            stack.extend(getattr(item, f.name) for f in fields(item))  # type: ignore[arg-type]
        else:
            total += 100  # numbers (at most NUMBER_DIGITS), None, loop and macro reprs
        if total > limit:
            _too_big("writing out a list", total)
    return total


def text_of(value: object) -> str:
    """``str(value)``, measured first: an undefined value raises its error."""
    if isinstance(value, str):
        return value
    if isinstance(value, Undefined):
        return str(value)  # StrictUndefined raises
    if isinstance(value, list | tuple | set | frozenset | Mapping) or is_dataclass(value):
        _measure(value, VALUE_CHARS)
    return str(value)


def _number_too_big() -> NoReturn:
    raise BudgetExceeded(f"computes a number of more than {NUMBER_DIGITS:,} digits (the limit)")


def _number_fits(value: object) -> None:
    if isinstance(value, int) and value.bit_length() > _NUMBER_BITS:
        _number_too_big()


# -- the filters ---------------------------------------------------------------------


def _text_filter(name: str, transform: Any) -> Any:
    @pass_context
    def apply(context: Context, value: object, *args: Any, **kwargs: Any) -> str:
        _budget(context).step()
        result = transform(text_of(value), *args, **kwargs)
        _fits(f"with |{name}", len(result))
        return str(result)

    apply.__name__ = name
    apply.__doc__ = getattr(transform, "__doc__", None)
    return apply


@pass_context
def _truncate(
    context: Context,
    value: object,
    length: int = 255,
    killwords: bool = False,
    end: str = "...",
    leeway: int | None = None,
) -> str:
    """The text cut to ``length`` characters (at a word), ending in ``end``."""
    _budget(context).step()
    return jinja_filters.do_truncate(
        context.environment, text_of(value), length, killwords, text_of(end), leeway
    )


@pass_context
def _replace(
    context: Context, value: object, old: object, new: object, count: int | None = None
) -> str:
    """Every ``old`` (or the first ``count``) replaced by ``new``; measured before."""
    _budget(context).step()
    text, old_text, new_text = text_of(value), text_of(old), text_of(new)
    found = text.count(old_text) if old_text else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    _fits("with |replace", len(text) + found * (len(new_text) - len(old_text)))
    return text.replace(old_text, new_text, -1 if count is None else count)


@pass_context
def _join(context: Context, value: object, d: object = "", attribute: str | None = None) -> str:
    """The items as text, separated by ``d``; ``attribute`` joins that attribute of each."""
    budget = _budget(context)
    budget.step()
    separator = text_of(d)
    parts: list[str] = []
    total = 0
    for item in _items(value):
        budget.step()
        if attribute is not None:
            for name in str(attribute).split("."):
                item = context.environment.getitem(item, name)
        part = text_of(item)
        total += len(part) + (len(separator) if parts else 0)
        _fits("with |join", total)
        parts.append(part)
    return separator.join(parts)


_NOTHING = object()


def _items(value: object) -> Iterable[object]:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, Iterable):
        return value
    raise TypeError(f"{type(value).__name__} is not a list of values")


@pass_context
def _length(context: Context, value: object) -> int:
    """How many items (or characters) ``value`` has."""
    _budget(context).step()
    return len(cast(Sized, value))  # what has no length raises TypeError, as len() does


@pass_context
def _first(context: Context, value: object) -> object:
    """The first item, or undefined when there is none."""
    _budget(context).step()
    for item in _items(value):
        return item
    return context.environment.undefined("the list is empty: it has no first item")


@pass_context
def _last(context: Context, value: object) -> object:
    """The last item, or undefined when there is none."""
    _budget(context).step()
    if _is_sequence(value):
        if value:
            return value[-1]
    else:
        found = _NOTHING
        for item in _items(value):
            found = item
        if found is not _NOTHING:
            return found
    return context.environment.undefined("the list is empty: it has no last item")


@pass_context
def _default(
    context: Context, value: object, default_value: object = "", boolean: bool = False
) -> object:
    """``default_value`` where ``value`` is undefined (or, with ``boolean``, empty)."""
    _budget(context).step()
    return jinja_filters.do_default(value, default_value, boolean)


#: The filters templates may use (documented in docs/campaigns.md); others are refused.
FILTERS: dict[str, Any] = {
    "capitalize": _text_filter("capitalize", jinja_filters.do_capitalize),
    "lower": _text_filter("lower", jinja_filters.do_lower),
    "title": _text_filter("title", jinja_filters.do_title),
    "trim": _text_filter("trim", jinja_filters.do_trim),
    "upper": _text_filter("upper", jinja_filters.do_upper),
    "truncate": _truncate,
    "replace": _replace,
    "join": _join,
    "length": _length,
    "count": _length,
    "first": _first,
    "last": _last,
    "default": _default,
    "d": _default,
}

# -- the budget's own hooks (not nameable in a template) -------------------------------

_ITERATE = "budget:iterate"
_CONCAT = "budget:concat"


@pass_context
def _iterate(context: Context, iterable: object) -> Iterator[object]:
    """What a ``{% for %}`` loops over: each iteration is an operation."""
    budget = _budget(context)
    for item in _items(iterable):
        budget.step()
        yield item


@pass_context
def _concat(context: Context, parts: list[object]) -> str:
    """``a ~ b ~ c``, measured before it is joined."""
    _budget(context).step()
    texts = [text_of(part) for part in parts]
    _fits("with '~'", sum(len(text) for text in texts))
    return "".join(texts)


@pass_context
def _finalize(context: Context, value: object) -> str:
    """Every piece a template writes, ``{{ value }}`` or text: measured and counted."""
    text = text_of(value)
    _budget(context).write(len(text))
    return text


def _is_sequence(value: object) -> TypeGuard[str | list[object] | tuple[object, ...]]:
    return isinstance(value, str | list | tuple)


def _readable(obj: object) -> frozenset[str]:
    """The attributes a template may read of ``obj``: none but a view's and ``loop``'s."""
    found = VIEW_ATTRIBUTES.get(type(obj))
    if found is not None:
        return found
    if isinstance(obj, LoopContext):
        return LOOP_ATTRIBUTES
    return frozenset()


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, tightened: see the module's doc."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    context_class = _Context

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return attr in _readable(obj) and not callable(value)

    def is_safe_callable(self, obj: Any) -> bool:
        return isinstance(obj, Macro)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Undefined):
            obj._fail_with_undefined_error()
        if attribute in _readable(obj):
            value = getattr(obj, attribute, None)
            if not callable(value):
                return value
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Undefined):
            obj._fail_with_undefined_error()
        if isinstance(obj, dict) or (_is_sequence(obj) and not isinstance(argument, str)):
            try:
                return obj[argument]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=argument)
        if isinstance(argument, str):
            return self.getattr(obj, argument)
        return self.undefined(obj=obj, name=argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if isinstance(__obj, Undefined):
            __obj._fail_with_undefined_error()
        if not __self.is_safe_callable(__obj):
            raise Refused(
                f"calls a {type(__obj).__name__} value: calls are not available in messages"
            )
        budget = _budget(__context)
        budget.step()
        if budget.depth >= MACRO_DEPTH:
            raise BudgetExceeded(f"nests macro calls more than {MACRO_DEPTH} deep (the limit)")
        budget.depth += 1
        try:
            return __context.call(__obj, *args, **kwargs)
        finally:
            budget.depth -= 1

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _budget(context).step()
        _check_binop(operator, left, right)
        try:
            result = self.binop_table[operator](left, right)
        except OverflowError:
            _number_too_big()
        _number_fits(result)
        return result


def _check_binop(symbol: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be over budget, before it is computed."""
    if symbol == "%" and isinstance(left, str):
        raise Refused("uses '%' formatting of text, which is not available in messages")
    integers = isinstance(left, int) and isinstance(right, int)
    if symbol == "*":
        for seq, times in ((left, right), (right, left)):
            if _is_sequence(seq) and isinstance(times, int):
                _fits("with '*'", len(seq) * max(times, 0))
        if integers and left.bit_length() + right.bit_length() > _NUMBER_BITS + 1:
            _number_too_big()
    elif symbol == "+" and _is_sequence(left) and _is_sequence(right):
        _fits("with '+'", len(left) + len(right))
    elif symbol == "**" and integers and abs(left) > 1 and right > 0:
        bits = (abs(left).bit_length() - 1) * right  # at least the result's
        if bits > _NUMBER_BITS:
            _number_too_big()


class _Rewrite(NodeTransformer):
    """Route loops, ``~`` and literal text through the budget (see the module's doc)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _ITERATE, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        listed = nodes.List(list(node.nodes), lineno=node.lineno)
        return nodes.Filter(listed, _CONCAT, [], [], None, None, lineno=node.lineno)

    def visit_TemplateData(self, node: nodes.TemplateData) -> nodes.Node:
        return nodes.Const(node.data, lineno=node.lineno)


def rewrite(tree: nodes.Template) -> nodes.Template:
    """``tree`` (freshly parsed: it is changed in place) made to keep the budget."""
    _Rewrite().visit(tree)
    return tree


def _describe(node: nodes.Node) -> str:
    """An expression as the template wrote it, roughly: ``''.__class__.__mro__[1]``."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_describe(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_describe(node.node)}[{_describe(node.arg)}]"
    if isinstance(node, nodes.Call):
        return f"{_describe(node.node)}(...)"
    if isinstance(node, nodes.Const):
        text = repr(node.value)
        return text if len(text) <= 40 else text[:37] + "..."
    return "..."


class Problem(AdvocacyBotError):
    """Something :func:`check` refuses, at ``line`` of the template."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def check(tree: nodes.Template) -> None:
    """Refuse, before rendering, a filter, call or tag the sandbox does not offer.

    Raises :class:`Problem` for the first one, with its line in the template.
    The check is static: a branch that a render would not take is checked too.
    """
    macros = {macro.name for macro in tree.find_all(nodes.Macro)} | {"caller"}
    for node in tree.find_all(nodes.Node):
        refused = _REFUSED_NODES.get(type(node))
        if refused:
            raise Problem(f"uses {refused}, which is not available in messages", node.lineno)
        if isinstance(node, nodes.Name) and node.name == "self":
            raise Problem("uses self, which is not available in messages", node.lineno)
        if isinstance(node, nodes.Filter) and node.name not in FILTERS:
            raise Problem(
                f"uses the filter {node.name!r}, which is not available in messages", node.lineno
            )
        if isinstance(node, nodes.Call):
            callee = node.node
            if not (isinstance(callee, nodes.Name) and callee.name in macros):
                raise Problem(
                    f"calls {_describe(callee)}(...): calls are not available in messages",
                    node.lineno,
                )


#: Advice for each kind of problem, by a phrase its message contains.
HINTS: tuple[tuple[str, str], ...] = (
    ("the filter ", f"the filters are {', '.join(sorted(FILTERS))}"),
    (
        "calls are not available",
        "write values as {{ bill.title }} and change them with filters ({{ bill.title|upper }}); "
        "a template can call only the macros it defines",
    ),
    ("'%' formatting", "join text and values with ~: {{ 'Vote for ' ~ bill.identifier }}"),
    ("is not available in messages", f"messages can use the tags {TAGS}"),
    (
        "operations",
        "loop over targets, not over the letters of a text; a loop inside a loop multiplies",
    ),
    ("second to render", "simplify the message: fewer loops and macro calls"),
    ("macro calls", "a macro that calls itself needs a condition that ends it"),
    ("characters in all", "write less inside loops and macros"),
    ("would make a value", "posts are a few hundred characters: repeat text less"),
    ("longer than", "posts are a few hundred characters: shorten the message"),
    ("digits", "use small numbers"),
)


def hint_for(problem: str) -> str | None:
    """The advice for a problem :func:`check` or a render reported, if there is one."""
    for phrase, hint in HINTS:
        if phrase in problem:
            return hint
    return None


def environment() -> TemplateEnvironment:
    """A new environment for message templates (:func:`bot.compose.render.environment`
    keeps the one the bot uses)."""
    env = TemplateEnvironment(
        undefined=StrictUndefined,
        autoescape=False,  # posts are plain text; the web app escapes on display
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.globals.clear()
    env.filters = {**FILTERS, _ITERATE: _iterate, _CONCAT: _concat}
    return env


__all__ = [
    "FILTERS",
    "Budget",
    "BudgetExceeded",
    "OutOfTime",
    "Problem",
    "Refused",
    "TemplateEnvironment",
    "check",
    "environment",
    "hint_for",
    "rewrite",
    "text_of",
]
