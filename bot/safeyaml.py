"""YAML from outside, read within a budget.

Every YAML the bot reads comes from someone it should not trust blindly: an
organizer's campaign file, a roster, an overrides file, or public data edited
by strangers. PyYAML's safe loader runs no code, but it happily reads a
700-byte "billion laughs" file whose aliases expand to billions of nodes: the
parse is instant, and whatever walks the result (validation, the importer)
then hangs and eats the machine's memory.

So every YAML document is read here, and checked before anything walks it:

- the file is at most :attr:`Limits.max_bytes` long (read with a cap, so a
  special file such as ``/proc/...`` cannot stream forever);
- the document, *with every alias expanded*, has at most
  :attr:`Limits.max_nodes` nodes and :attr:`Limits.max_chars` characters of
  scalar text. The count is memoised per node, so checking costs one pass
  over the file as written, never over its expansion.

Over budget raises :class:`YAMLBudgetError`, naming the line where the
budget ran out and the limit, for the caller to report in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import AdvocacyBotError

#: libyaml's loader where PyYAML was built with it (it is, from PyPI), else Python's
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one YAML document may hold."""

    max_bytes: int
    """The file's size."""
    max_nodes: int
    """Mappings, lists and scalars, counting each alias as a copy of what it names."""
    max_chars: int
    """Characters of scalar text, counting each alias as a copy of what it names."""


#: a campaign file or a roster: a few kilobytes, even with a long roster
CAMPAIGN = Limits(max_bytes=2_000_000, max_nodes=50_000, max_chars=2_000_000)
#: an overrides file an organizer keeps
OVERRIDES = Limits(max_bytes=5_000_000, max_nodes=500_000, max_chars=10_000_000)
#: one public data file (congress-legislators' legislators-current.yaml is about 1 MB)
DATA = Limits(max_bytes=50_000_000, max_nodes=5_000_000, max_chars=100_000_000)


class YAMLBudgetError(AdvocacyBotError, ValueError):
    """A YAML document is larger than its :class:`Limits` allow.

    ``line`` (1-based) is where the budget ran out, when known.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def read_text(path: Path, limits: Limits) -> str:
    """The text of ``path``, refusing one longer than ``limits.max_bytes``.

    Raises ``OSError`` (and ``UnicodeDecodeError``) as ``Path.read_text`` does.
    """
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise YAMLBudgetError(
            f"the file is larger than {limits.max_bytes:,} bytes, the most a YAML file may be "
            "here; split it, or check that it is the file you meant"
        )
    return data.decode("utf-8")


def compose(loader: Any, limits: Limits, text: str | None = None) -> yaml.Node | None:
    """The single document ``loader`` holds, as nodes, checked against ``limits``.

    ``text``, the document the loader reads, if the caller has it: text without
    a ``*`` holds no alias, and is checked by a plain count (:func:`_within`).
    Raises ``yaml.YAMLError`` for bad YAML and :class:`YAMLBudgetError` over budget.
    """
    node = loader.get_single_node()
    if node is not None and not (text is not None and "*" not in text and _within(node, limits)):
        check(node, limits)
    return node


def _within(root: yaml.Node, limits: Limits) -> bool:
    """Whether ``root``, a tree (no aliases), is within ``limits``: one plain count.

    Every alias starts with ``*``; in text without one each node is written
    once, so its nodes and characters as written are all there is, and
    counting them needs none of :func:`check`'s bookkeeping (ten times the
    cost: a third of parsing a data file with libyaml). False when over: then
    :func:`check` finds where, and says so.
    """
    nodes = chars = 0
    stack = [root]
    scalar, mapping = yaml.ScalarNode, yaml.MappingNode
    while stack:
        node = stack.pop()
        nodes += 1
        if isinstance(node, scalar):
            chars += len(node.value)
        elif isinstance(node, mapping):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        else:
            stack.extend(node.value)
    return nodes <= limits.max_nodes and chars <= limits.max_chars


def load(text: str, limits: Limits, loader_class: type = SafeLoader) -> Any:
    """Parse one YAML document within ``limits`` (``None`` for an empty one)."""
    loader = loader_class(text)
    try:
        node = compose(loader, limits, text)
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def load_file(path: Path, limits: Limits, loader_class: type = SafeLoader) -> Any:
    """:func:`read_text` then :func:`load`."""
    return load(read_text(path, limits), limits, loader_class)


def check(root: yaml.Node, limits: Limits) -> None:
    """Raise :class:`YAMLBudgetError` if ``root``, aliases expanded, exceeds ``limits``.

    Aliases are shared node objects, so each node's expanded size is computed
    once (iteratively: a deep file cannot exhaust Python's stack).
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, chars), expanded
    open_nodes: set[int] = set()  # nodes whose children are being counted
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack[-1]
        key = id(node)
        if key in sizes:
            stack.pop()
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = (1, len(node.value))
            stack.pop()
            continue
        children = _children(node)
        if key not in open_nodes:
            open_nodes.add(key)
            stack.extend(c for c in children if id(c) not in sizes and id(c) not in open_nodes)
            continue
        stack.pop()
        open_nodes.discard(key)
        nodes, chars = 1, 0
        for child in children:
            # a child still uncounted is an alias back into one of its ancestors (a
            # recursive structure): it adds one node, not an endless copy
            child_nodes, child_chars = sizes.get(id(child), (1, 0))
            nodes += child_nodes
            chars += child_chars
        sizes[key] = (nodes, chars)
        _enforce(node, nodes, chars, limits, aliased=nodes > len(sizes))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _enforce(node: yaml.Node, nodes: int, chars: int, limits: Limits, *, aliased: bool) -> None:
    """Raise when ``node``'s expansion is over ``limits``; ``aliased`` says whether
    aliases made it so (the expansion is larger than the nodes written)."""
    line = node.start_mark.line + 1 if node.start_mark is not None else None
    if aliased:
        how = "expands to more than {} (its &anchors and *aliases repeat data)"
        fix = "write the data out, or use fewer aliases"
    else:
        how, fix = "holds more than {}", "split it, or check that it is the file you meant"
    if nodes > limits.max_nodes:
        what = how.format(f"{limits.max_nodes:,} values")
        raise YAMLBudgetError(f"the YAML {what}; {fix}", line)
    if chars > limits.max_chars:
        what = how.format(f"{limits.max_chars:,} characters of text")
        raise YAMLBudgetError(f"the YAML {what}; {fix}", line)
