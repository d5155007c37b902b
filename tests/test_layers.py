"""The package layering: no import cycle between the top-level parts of ``bot``.

The graph is built from the source with :mod:`ast`: every ``import`` and
``from ... import`` counts, at module level and inside functions alike (a lazy
import is still a dependency). Imports under ``if TYPE_CHECKING:`` are left out:
they name a type for the checker and load nothing at run time.

A node is a top-level subpackage or module of ``bot`` (``bot.store``,
``bot.guard``...); an edge ``a -> b`` means some module of ``a`` imports one of
``b``. A cycle is reported with the import behind each of its edges.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"

#: The layers, lowest first: a part imports only parts below it. Kept here as the
#: record of the intended shape (README "How it works"); the test checks cycles, so
#: a new part need not be listed to be checked.
LAYERS = (
    "clock safeyaml posts config",  # plain shapes and settings, no framework
    "store",  # the SQL post log (SQLAlchemy)
    "directory",  # legislators, their handles, selectors
    "campaigns",  # campaign files: schema, loading
    "compose",  # templates, lengths, mentions, planning
    "bills",  # bill data, bill-event posts
    "platforms",  # publishers
    "schedule",  # runs and the worker
    "guard",  # the policy guard (given to the worker)
    "notify",
    "web",
    "tables cli __main__",
)

#: Edges against the layers that still close a cycle, each to go; the test fails
#: on any other cycle, and on an entry here whose edge is gone (the list only shrinks).
KNOWN: dict[tuple[str, str], str] = {
    ("campaigns", "bills"): (
        "the schema checks a campaign's steps and bill identities with bills.steps and "
        "bills.ident: move Step and the bill identity (BillRef, bill_matches) below campaigns"
    ),
    ("campaigns", "compose"): (
        "loading checks templates with compose.render, and campaigns.validate composes "
        "texts as compose.plan does: the template engine (render, sandbox, views) belongs "
        "below campaigns, the planner above them"
    ),
    ("campaigns", "schedule"): (
        "the schema checks cron expressions with schedule.triggers (check_cron), which "
        "only campaign validation uses: move it into campaigns"
    ),
    ("directory", "bills"): (
        "directory.resolve runs bill-role selectors through bills.roles: pass the runner "
        "in, or resolve above bills"
    ),
    ("directory", "campaigns"): (
        "overrides, load and resolve take PLATFORM_NAMES, Handles and PersonSpec from the "
        "campaign schema: they describe people, so they belong in directory"
    ),
}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[tuple[int, ast.Import | ast.ImportFrom]]:
    """Every import statement of a module, ``if TYPE_CHECKING:`` blocks left out."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return [
        (node.lineno, node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped
    ]


def _part(module: str) -> str | None:
    """The top-level part of ``bot`` a dotted module name belongs to."""
    names = module.split(".")
    return names[1] if names[0] == "bot" and len(names) > 1 else None


@cache
def import_graph(root: Path = BOT) -> dict[tuple[str, str], list[str]]:
    """``(importer part, imported part) -> ["bot/x/y.py:12 imports bot.z", ...]``."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("")
        names = list(relative.parts)
        package = names[:-1] if names[-1] != "__init__" else names[:-1]
        if names[-1] == "__init__":
            names = names[:-1]
        source = _part(".".join(names))
        if source is None:
            continue
        for line, node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, node.module] if node.module else base)
                # `from bot import guard` imports bot.guard; `from bot.x import y` bot.x
                targets = (
                    [f"{module}.{alias.name}" for alias in node.names]
                    if module == "bot"
                    else [module]
                )
            for target in targets:
                part = _part(target)
                if part is not None and part != source:
                    where = f"{path.relative_to(root.parent)}:{line} imports {target}"
                    edges[source, part].append(where)
    return dict(edges)


def cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of parts (Tarjan), as a path."""
    following: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        following[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(following[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(following):
        if node not in index:
            visit(node)
    found = []
    for group in groups:
        start = min(group)
        # the shortest way back to start within the group (breadth first)
        paths = {start: [start]}
        queue = [start]
        cycle: list[str] | None = None
        while queue and cycle is None:
            node = queue.pop(0)
            for nxt in sorted(following[node] & group):
                if nxt == start:
                    cycle = [*paths[node], start]
                    break
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    queue.append(nxt)
        assert cycle is not None
        found.append(cycle)
    return found


def describe(cycle: list[str], edges: dict[tuple[str, str], list[str]]) -> str:
    lines = [" -> ".join(cycle)]
    for a, b in zip(cycle, cycle[1:], strict=False):
        sites = edges[a, b]
        more = f" (and {len(sites) - 1} more)" if len(sites) > 1 else ""
        lines.append(f"  {a} -> {b}: {sites[0]}{more}")
    return "\n".join(lines)


def test_no_import_cycle_between_the_parts_of_bot() -> None:
    edges = {edge: sites for edge, sites in import_graph().items() if edge not in KNOWN}
    found = cycles(edges)
    assert not found, "import cycles between the parts of bot:\n" + "\n".join(
        describe(cycle, edges) for cycle in found
    )


def test_every_known_edge_still_exists() -> None:
    """An edge listed in KNOWN that is gone must leave the list (it only shrinks)."""
    edges = import_graph()
    assert [edge for edge in KNOWN if edge not in edges] == []


def test_the_known_edges_are_the_only_ones_against_the_layers() -> None:
    """Every edge from a lower layer to a higher one is in KNOWN (no new ones creep in)."""
    level = {part: n for n, names in enumerate(LAYERS) for part in names.split()}
    against = sorted(
        (a, b)
        for a, b in import_graph()
        if a in level and b in level and level[a] < level[b] and (a, b) not in KNOWN
    )
    assert against == [], "imports against the layers (see LAYERS): " + ", ".join(
        f"{a} -> {b}" for a, b in against
    )


def test_the_graph_sees_lazy_imports_and_skips_type_checking_ones(tmp_path: Path) -> None:
    package = tmp_path / "bot"
    (package / "a").mkdir(parents=True)
    (package / "a" / "__init__.py").write_text("")
    (package / "a" / "m.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.c import T\n"
        "def f():\n    from bot.b import x\n    from . import n\n"
    )
    (package / "b.py").write_text("from bot import a\n")
    (package / "c.py").write_text("")
    edges = import_graph(package)
    assert set(edges) == {("a", "b"), ("b", "a")}
    assert cycles(edges) == [["a", "b", "a"]]


def test_the_guards_rules_need_no_database() -> None:
    """bot/guard.py holds the rules; the SQL they read is the store's (bot.store.history)."""
    tree = ast.parse((BOT / "guard.py").read_text())
    loaded = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for _, node in _imports(tree)
        for alias in node.names
    }
    assert not {name for name in loaded if name and name.split(".")[0] == "sqlalchemy"}


# -- the README's map of the package ---------------------------------------------------------

README = BOT.parent / "README.md"


def readme_table() -> list[tuple[list[str], list[str]]]:
    """The "How it works" table's rows: (paths in "where", file names in "what")."""
    lines = README.read_text().splitlines()
    start = lines.index("| where | what |")
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        where, what = line.strip("|").split("|", 1)
        rows.append((re.findall(r"`([^`]+)`", where), re.findall(r"`([^`/]+\.py)`", what)))
    return rows


def test_the_readme_table_names_only_what_exists() -> None:
    missing = []
    for paths, files in readme_table():
        missing += [path for path in paths if not (BOT.parent / path).exists()]
        folder = paths[0] if len(paths) == 1 and paths[0].endswith("/") else None
        if folder is not None:
            missing += [
                f"{folder}{name}" for name in files if not (BOT.parent / folder / name).exists()
            ]
    assert missing == []


def test_the_readme_table_lists_every_subpackage() -> None:
    listed = {path for paths, _ in readme_table() for path in paths}
    packages = sorted(f"bot/{init.parent.name}/" for init in BOT.glob("*/__init__.py"))
    assert [package for package in packages if package not in listed] == []
