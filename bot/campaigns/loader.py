"""Load campaign files: YAML with line numbers, validated by the schema.

Every mistake becomes a :class:`~bot.campaigns.errors.CampaignProblem` naming
the file, line and field, in plain words, with a fix where one can be told::

    campaigns/mo-sb792.yaml:14: unknown field 'schedual'. Fix: did you mean 'schedule'?

YAML is read as YAML 1.2 reads it where 1.1 surprises people: ``22:00`` is
text (not 1320, a base-60 number) and dates stay text until the schema
parses them, so an impossible date is reported with its field and line.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bot import safeyaml
from bot.campaigns import checks
from bot.campaigns.errors import CampaignLoadError, CampaignProblem
from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.schema import Campaign, PersonSpec, Platform
from bot.directory.layers import HandleInfo
from bot.directory.people import Person, build_person, details_of

Loc = tuple[str | int, ...]

# --- YAML with line numbers ---------------------------------------------------

# yaml's C loader where it is built, else its Python one: the stubs know no common base
# with both a constructor and the resolver's tables.
_BaseLoader: Any = safeyaml.SafeLoader
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(_BaseLoader):
    """The safe loader without base-60 numbers and without implicit dates."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT, _TIMESTAMP)]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


@dataclass
class LineMap:
    """Where each mapping key and sequence item of a YAML file starts (1-based lines)."""

    lines: dict[Loc, int] = field(default_factory=dict)
    text_lines: dict[Loc, int] = field(default_factory=dict)
    """Where a scalar's text starts: the line after ``key: |`` for block scalars."""
    duplicates: list[tuple[Loc, int, int]] = field(default_factory=list)
    """(key path, line, line of the first occurrence) for keys given twice."""
    loops: list[Loc] = field(default_factory=list)
    """Where an alias names the list or fields it is inside (``&b [*b]``)."""

    def line(self, loc: Loc) -> int | None:
        """The line of ``loc``, or of its nearest ancestor the file has."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None

    def text_line(self, loc: Loc) -> int | None:
        """The line where the text of the scalar at ``loc`` starts."""
        return self.text_lines.get(loc) or self.line(loc)


def read_yaml(path: Path) -> tuple[Any, LineMap]:
    """Parse one YAML file; raise :class:`CampaignLoadError` when it cannot be read.

    The file is read within :data:`bot.safeyaml.CAMPAIGN`'s budget (its size, and
    its values and text with every alias expanded), so a hostile file is refused
    with the line and the limit before anything walks it.
    """
    try:
        text = safeyaml.read_text(path, safeyaml.CAMPAIGN)
    except safeyaml.YAMLBudgetError as exc:
        raise _budget_error(path, exc) from None
    except FileNotFoundError:
        raise _error(path, None, None, "no such file") from None
    except IsADirectoryError:
        raise _error(path, None, None, "is a folder, not a YAML file") from None
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    except OSError as exc:
        raise _error(path, None, None, f"cannot be read: {exc.strerror}") from None
    loader = _Loader(text)
    try:
        node = safeyaml.compose(loader, safeyaml.CAMPAIGN, text)
        data = loader.construct_document(node) if node is not None else None
    except safeyaml.YAMLBudgetError as exc:
        raise _budget_error(path, exc) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(path, text, exc) from None
    except yaml.reader.ReaderError as exc:
        raise _unreadable_character(path, text, exc) from None
    except yaml.YAMLError as exc:
        raise _error(path, None, None, f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    lines = LineMap()
    if node is not None:
        lines.lines[()] = node.start_mark.line + 1
        record_lines(node, lines)
    if lines.loops:
        loc = lines.loops[0]
        raise _error(
            path,
            lines.line(loc),
            dotted(loc),
            "an *alias inside the list or fields anchored here repeats them, which would make "
            "them endless",
            "remove the alias, or point it at an &anchor outside the part it is in",
        )
    return data, lines


def _budget_error(path: Path, exc: safeyaml.YAMLBudgetError) -> CampaignLoadError:
    message, _, hint = exc.message.partition("; ")
    return _error(path, exc.line, None, message, hint or None)


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> CampaignLoadError:
    """Where the first byte that is not UTF-8 is, as a line and column."""
    before = exc.object[: exc.start]
    line = before.count(b"\n") + 1
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    byte = exc.object[exc.start : exc.start + 1].hex()
    return _error(
        path,
        line,
        None,
        f"is not UTF-8 text: byte 0x{byte} (column {column}) cannot be read ({exc.reason})",
        "save the file as UTF-8 (most editors offer it under 'Save as' or 'Encoding'), "
        "or check that it is the YAML file you meant",
    )


#: what YAML refuses to read: control characters other than tab and line breaks
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _unreadable_character(path: Path, text: str, exc: yaml.reader.ReaderError) -> CampaignLoadError:
    """A NUL or other control character: binary data, not a YAML file.

    Found again in the text: libyaml reports a byte offset, which is not the
    column once the line holds an accented letter.
    """
    found = _NOT_YAML.search(text)
    position = found.start() if found else (exc.position if isinstance(exc.position, int) else 0)
    character = text[position : position + 1] or "\x00"
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return _error(
        path,
        line,
        None,
        f"holds the control character U+{ord(character):04X} (column {column}), which "
        "YAML does not allow: this looks like binary data, not a text file",
        "remove the character, or check that it is the campaign file you meant",
    )


#: the deepest field path whose lines are recorded: a campaign's deepest field is
#: about 8 levels down; keeping every path of a file nested 900 deep would take
#: gigabytes (each path is a tuple as long as its depth)
_DEEPEST = 24


def record_lines(root: yaml.Node, lines: LineMap) -> None:
    """Record where each key and item under ``root`` starts, and keys given twice.

    Iterative (a deep file cannot exhaust Python's stack). An alias is walked
    where it is used, so its fields have lines too; the document was checked
    against its budget first, so the walk is bounded. An alias back into one of
    its own ancestors is not followed.
    """
    on_path: set[int] = set()  # the collections between the root and the node at hand
    stack: list[tuple[yaml.Node, Loc, bool]] = [(root, (), False)]  # (node, loc, leaving)
    while stack:
        node, loc, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            continue
        if id(node) in on_path:  # an alias back into itself
            lines.loops.append(loc)
            continue
        if isinstance(node, yaml.ScalarNode):
            block = 1 if node.style in ("|", ">") else 0
            lines.text_lines[loc] = node.start_mark.line + 1 + block
            continue
        on_path.add(id(node))
        stack.append((node, loc, True))
        children: list[tuple[yaml.Node, Loc]] = []
        if len(loc) >= _DEEPEST:  # nothing a campaign has: walk on (for loops), record no lines
            values = (
                node.value
                if isinstance(node, yaml.SequenceNode)
                else [part for pair in node.value for part in pair]
            )
            stack.extend((child, loc, False) for child in values)
            continue
        if isinstance(node, yaml.MappingNode):
            first_seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in first_seen:
                    lines.duplicates.append((loc + (key,), line, first_seen[key]))
                first_seen.setdefault(key, line)
                lines.lines[loc + (key,)] = line
                children.append((value_node, loc + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines.lines[loc + (index,)] = item.start_mark.line + 1
                children.append((item, loc + (index,)))
        stack.extend((child, where, False) for child, where in reversed(children))


#: words in PyYAML's (libyaml's) message or context -> how to fix
_SYNTAX_HINTS = {
    "tab character": "indent with spaces, not tabs",
    "mapping values are not allowed": "put quotes around text that contains ': '",
    "quoted scalar": "close the quote",
    "flow sequence": "close the [ ] list, and separate its items with commas",
    "flow mapping": "close the { } fields, and separate them with commas",
    "did not find expected key": "check the indentation of this line and the ones above it",
    "'-' indicator": "check the indentation of the list's items",
    "another document": "a campaign file holds one campaign: put each in its own file, or "
    "remove the '---' line",
    "undefined alias": "define the &anchor before using *it",
    "could not determine a constructor": "YAML tags (!!python/..., !ruby/...) are not allowed "
    "in a campaign file: remove the tag and write the value as plain text",
    "unhashable key": "a field name must be plain text, not a list or fields: remove the "
    "'?' or the brackets",
    "maximum nesting depth": "a campaign nests a few levels deep: look for a [ or { that is "
    "never closed, or for lines indented further and further",
}


def _syntax_error(path: Path, text: str, exc: yaml.MarkedYAMLError) -> CampaignLoadError:
    """A YAML syntax error at its line and column, with the construct it was in."""
    mark = exc.problem_mark or exc.context_mark
    started_at = exc.context_mark
    if started_at is not None and "scanning a quoted scalar" in str(exc.context):
        quote = text[started_at.index : started_at.index + 1] or '"'
        to_the_end = "end of stream" in str(exc.problem)
        ended = None if to_the_end or mark is None else mark.line + 1
        return unclosed_quote_error(path, started_at.line + 1, started_at.column + 1, quote, ended)
    if mark is not None:
        unclosed = _unclosed_quote(text, mark.line)
        if unclosed is not None:
            return unclosed_quote_error(path, *unclosed)
    message = f"YAML syntax error: {exc.problem or exc.context or 'not valid YAML'}"
    if "another document" in str(exc.problem):
        message = "YAML syntax error: a second YAML document starts here ('---')"
    context, started = exc.context, exc.context_mark
    if context and started and context.startswith("while") and mark and started.line != mark.line:
        message += f" {context} that starts on line {started.line + 1}"
    if mark is not None:
        message += f" (column {mark.column + 1})"
    clues = f"{exc.problem} {exc.context}"
    hint = next((fix for clue, fix in _SYNTAX_HINTS.items() if clue in clues), None)
    if hint is None and mark is not None and "cannot start any token" in clues:
        line = text.splitlines()[mark.line] if mark.line < len(text.splitlines()) else ""
        found = line[mark.column : mark.column + 1]
        if found == "\t":
            hint = "indent with spaces, not tabs"
        elif found in ("@", "`"):
            hint = "put quotes around text that starts with @ or `"
    return _error(path, mark.line + 1 if mark else None, None, message, hint)


def _unclosed_quote(text: str, error_line: int) -> tuple[int, int, str, int] | None:
    """A quoted text that runs over several lines up to a syntax error, if there is one.

    A quote left open on line 2 makes YAML read the lines after it as part of
    the text, up to the next quote mark, and the error it reports is lines
    later (often as indentation). Returns (line, column, quote, line where the
    text ended), 1-based, for the last such text ending at or just before
    ``error_line`` (0-based). Only run once parsing has failed.
    """
    lines = text.splitlines(keepends=True)[: error_line + 1]
    start = _top_level_line_before(lines, error_line - _QUOTE_WINDOW)
    if start is None:
        return None
    found: tuple[int, int, str, int] | None = None
    try:
        # libyaml's scanner (fast), over the last few hundred lines only: a hint must
        # not make a 2 MB file's error slow
        for token in yaml.scan("".join(lines[start:]), Loader=_BaseLoader):
            if not isinstance(token, yaml.ScalarToken) or token.style not in ('"', "'"):
                continue
            first, last = start + token.start_mark.line, start + token.end_mark.line
            swallowed = lines[first + 1 : last + 1]
            if (
                first != last
                and error_line - 1 <= last <= error_line
                and any(_LOOKS_LIKE_A_FIELD.match(line) for line in swallowed)
            ):
                found = (first + 1, token.start_mark.column + 1, str(token.style), last + 1)
    except yaml.YAMLError:
        pass
    return found


#: how many lines before a syntax error to look for a quote left open
_QUOTE_WINDOW = 300


def _top_level_line_before(lines: list[str], index: int) -> int | None:
    """The last line at or before ``index`` that starts a top-level field (0 for the
    start of the file), looking back at most :data:`_QUOTE_WINDOW` more lines."""
    if index <= 0:
        return 0
    for candidate in range(index, max(index - _QUOTE_WINDOW, 0) - 1, -1):
        line = lines[candidate]
        if line[:1].isalpha() or line[:1] == "_":
            return candidate
    return None


#: a line that reads as ``name:`` or ``- name:``: not what a quoted text goes on with
_LOOKS_LIKE_A_FIELD = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w-]*:(?:\s|$)")


def unclosed_quote_error(
    path: Path, line: int, column: int, quote: str, ended: int | None
) -> CampaignLoadError:
    """The error for a quote opened on ``line`` and not closed on it (``ended``: the
    line where YAML found a closing quote mark; None: it found none before the end)."""
    mark = 'double quote (")' if quote == '"' else "single quote (')"
    swallowed = "the rest of the file" if ended is None else f"everything up to line {ended}"
    return _error(
        path,
        line,
        None,
        f"YAML syntax error: the {mark} opened here (column {column}) is not closed on this "
        f"line, so YAML reads {swallowed} as one text",
        f"close the quote: add the missing {quote} at the end of the text on line {line}",
    )


def _error(
    path: Path, line: int | None, where: str | None, message: str, hint: str | None = None
) -> CampaignLoadError:
    return CampaignLoadError([CampaignProblem(path, line, where, message, hint)])


# --- Pydantic errors in plain words ---------------------------------------------


def explain(
    exc: ValidationError, path: Path, lines: LineMap, model: type[BaseModel]
) -> list[CampaignProblem]:
    """Turn pydantic's errors for the data of ``path`` into :class:`CampaignProblem` s.

    A misspelt required field (``shedule:``) is one mistake, not two: the
    "missing 'schedule'" pydantic also reports, at the top of the mapping, is
    folded into the error at the misspelt line, which says what it meant.
    """
    raw = exc.errors()
    missing = {tuple(error["loc"]) for error in raw if error["type"] == "missing"}
    misspelt: set[Loc] = set()
    for error in raw:
        if error["type"] == "extra_forbidden":
            parent, name = tuple(error["loc"][:-1]), str(error["loc"][-1])
            meant = close_match(name, _fields_at(model, parent))
            if meant is not None and parent + (meant,) in missing:
                misspelt.add(parent + (meant,))
    return [
        _explain_one(error, path, lines, model, misspelt)
        for error in raw
        if not (error["type"] == "missing" and tuple(error["loc"]) in misspelt)
    ]


def _explain_one(
    error: Any,
    path: Path,
    lines: LineMap,
    model: type[BaseModel],
    misspelt: AbstractSet[Loc] = frozenset(),
) -> CampaignProblem:
    raw_loc: Loc = tuple(error["loc"])
    kind: str = error["type"]
    value = error.get("input")
    if kind == "missing":
        parent, name = raw_loc[:-1], raw_loc[-1]
        message = f"missing required field {name!r}"
        return CampaignProblem(path, lines.line(parent), dotted(parent), message)
    if kind == "extra_forbidden":
        parent, name = raw_loc[:-1], str(raw_loc[-1])
        fields = _fields_at(model, parent)
        hint: str | None = suggest(name, fields) or f"the fields here are {', '.join(fields)}"
        message = f"unknown field {name!r}"
        meant = close_match(name, fields)
        if meant is not None and parent + (meant,) in misspelt:
            message += f", and the required field {meant!r} is missing"
        return CampaignProblem(path, lines.line(raw_loc), dotted(parent), message, hint)
    expected = _type_at(model, raw_loc)
    # A bad dictionary key (a platform under accounts) is reported at the key.
    loc = raw_loc[:-1] if raw_loc and raw_loc[-1] == "[key]" else raw_loc
    if kind in ("value_error", "assertion_error"):
        loc, message, hint = _explain_value_error(loc, str(error["ctx"]["error"]), value, expected)
    else:
        message, hint = _explain_type_error(kind, loc, value, expected, error)
    return CampaignProblem(path, lines.line(loc), dotted(loc), message, hint)


#: Model-level checks, pointed at the field they are about: message start -> field, fix
_MODEL_CHECKS: dict[str, tuple[str | None, str | None]] = {
    "end (": ("end", "make the end date the same as or later than the start date"),
    "interval must be at least": ("interval", None),
    "posts_per_run (": ("posts_per_run", None),
    "no message is for": ("platforms", None),
    "message ids must be unique": (None, "give every message its own id"),
    "give exactly one of": (None, None),
}
_CRON_HINT = (
    "write five fields: minute hour day month weekday, e.g. '0 9 * * 1-5' for 09:00 on weekdays"
)


def _explain_value_error(
    loc: Loc, text: str, value: object, expected: object
) -> tuple[Loc, str, str | None]:
    """A validator's message ``problem; how to fix`` as (field, message, hint)."""
    message, _, hint = text.partition("; ")
    for start, (name, fix) in _MODEL_CHECKS.items():
        if text.startswith(start):
            where = loc + (name,) if name else loc
            return (where, text, fix) if fix else (where, message, hint or None)
    if loc and loc[-1] == "cron":
        return (loc, message, hint) if "never runs" in text else (loc, text, _CRON_HINT)
    if expected is timedelta:
        from bot.durations import suggestion

        return loc, message, hint or suggestion(value)
    if loc and loc[-1] == "timezone" and isinstance(value, str):
        if checks.timezone_suggestion(value):  # an abbreviation: the validator says which zone
            return loc, message, hint
        return loc, message, _timezone_hint(value) or hint or None
    return loc, message, hint or None


def _explain_type_error(
    kind: str, loc: Loc, value: object, expected: object, error: Any
) -> tuple[str, str | None]:
    ctx = error.get("ctx") or {}
    shown = _show(value)
    if isinstance(expected, type) and issubclass(expected, Enum):
        choices = [str(member.value) for member in expected]
        if expected is Platform:
            hint: str | None = suggest(str(value), choices) or f"use one of {', '.join(choices)}"
            return f"unknown platform {shown}", hint
        noun = _noun(loc)
        hint = suggest(str(value), choices) or f"use one of {', '.join(choices)}"
        return f"{shown} is not a valid {noun}", hint
    if kind.startswith(("int_", "float_")):
        return f"{shown} is not a whole number", "write a whole number in digits, e.g. 2"
    if kind.startswith("bool_"):
        return f"{shown} is not true or false", "write true or false"
    if kind.startswith("datetime_"):
        return f"{shown} is not a date and time", "write YYYY-MM-DD HH:MM, e.g. 2026-03-02 09:00"
    if kind.startswith("date_"):
        reason = str(ctx.get("error", ""))
        why = f" ({reason.replace(' value', '')})" if "range" in reason else ""
        return f"{shown} is not a date{why}", "write YYYY-MM-DD, e.g. 2026-03-02"
    if kind.startswith("time_"):
        return f"{shown} is not a time of day", "write HH:MM in 24-hour time, e.g. 21:30"
    if kind == "string_type":
        if isinstance(value, bool):
            return (
                f"expected text, found {_kind(value)}",
                "YAML reads yes/no/on/off as true/false: put the text in quotes",
            )
        hint = f"put it in quotes: '{value}'" if isinstance(value, int | float) else None
        return f"expected text, found {_kind(value)}", hint
    if kind == "list_type":
        return f"expected a list, found {_kind(value)}", "write one '- item' per line under it"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return (
            f"expected fields (name: value), found {_kind(value)}",
            "write each field on its own line, indented under this one",
        )
    if kind == "string_too_long":
        most = ctx.get("max_length")
        size = len(value) if isinstance(value, str) else 0
        return f"is {size:,} characters long; the most allowed here is {most}", "shorten it"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return f"needs at least {least} {'entry' if least == 1 else 'entries'}", None
    if kind == "too_long":
        return f"takes at most {ctx.get('max_length')} entries", None
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"must be at least {bound}, not {shown}", f"write {bound} or more"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"must be at most {bound}, not {shown}", f"write {bound} or less"
    if kind == "string_pattern_mismatch":
        slug = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")
        if loc == ("id",):
            return (
                f"{shown} is not a campaign id: an id is lowercase letters, digits and '-' "
                "(it names the campaign in commands, links and the post log)",
                f"use lowercase letters, digits and '-', e.g. {slug!r}",
            )
        return f"{shown} is not in the right form", None
    return str(error["msg"]), None


# --- Suggestions ----------------------------------------------------------------


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """``did you mean 'schedule'?`` for a near miss, or None."""
    choices = list(choices)
    if word.lower() == "twitter" and "x" in choices:
        return "X is called 'x'"
    close = close_match(word, choices)
    return f"did you mean {close!r}?" if close else None


def close_match(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` is a near miss of (``shedule`` -> ``schedule``), or None."""
    choices = list(choices)
    if word.lower() == "twitter" and "x" in choices:
        return "x"
    by_case = {choice.lower(): choice for choice in choices}
    if word.lower() in by_case:
        return by_case[word.lower()]
    import difflib  # only for a near miss: not worth importing on every start

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _timezone_hint(value: str) -> str | None:
    """A close IANA name for a misspelt one (``America/Chikago``); none for short words,
    whose close matches are noise (``CST`` is not ``UCT``)."""
    if len(value) < 5:
        return None
    from zoneinfo import available_timezones

    return suggest(value, sorted(available_timezones()))


# --- The schema, walked by field path ---------------------------------------------


def _unwrap(annotation: object) -> object:
    """``Annotated[X, ...]`` and ``X | None`` -> ``X``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _type_at(model: type[BaseModel], loc: Loc) -> object:
    """The type the schema expects at ``loc`` (a final ``"[key]"``: the dict's key type)."""
    if loc and loc[-1] == "[key]":
        container = _type_at(model, loc[:-2])
        return _unwrap(get_args(container)[0]) if get_origin(container) is dict else None
    annotation: object = model
    for part in loc:
        annotation = _unwrap(annotation)
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(part) if isinstance(part, str) else None
            if info is None:
                return None
            annotation = info.annotation
        elif origin is list:
            annotation = get_args(annotation)[0]
        elif origin is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    return _unwrap(annotation)


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    found = _type_at(model, loc)
    if isinstance(found, type) and issubclass(found, BaseModel):
        return list(found.model_fields)
    return []


def dotted(loc: Loc) -> str | None:
    """``("messages", 2, "text")`` -> ``messages[2].text``; ``()`` -> None."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f"{'.' if text else ''}{part}"
    return text or None


def _noun(loc: Loc) -> str:
    names = [part for part in loc if isinstance(part, str)]
    return names[-1].replace("_", " ") if names else "value"


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "fields (name: value)"
    return type(value).__name__


# --- Campaigns and rosters ---------------------------------------------------------


class Roster(BaseModel):
    """A roster file: more people for a campaign's targets, under ``people:``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    people: list[PersonSpec]


def load_campaign(path: Path) -> LoadedCampaign:
    """Load and validate one campaign file and its roster.

    Raises :class:`CampaignLoadError` listing every problem found.
    """
    return _load_with_lines(path)[0]


def _load_with_lines(path: Path) -> tuple[LoadedCampaign, LineMap]:
    data, lines = read_yaml(path)
    try:
        return _campaign_from(path, data, lines)
    except CampaignLoadError as exc:
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            exc.campaign_id = data["id"]  # to say why a campaign asked for by id is missing
        raise


def _campaign_from(path: Path, data: Any, lines: LineMap) -> tuple[LoadedCampaign, LineMap]:
    """Validate the parsed ``data`` of campaign file ``path`` and load its roster."""
    if data is None:
        raise _error(
            path,
            None,
            None,
            "the file is empty",
            "a campaign needs id, title, bills, targets, platforms, messages and schedule",
        )
    if isinstance(data, dict) and set(data) == {"people"}:
        raise _error(
            path,
            1,
            None,
            "this is a roster, not a campaign",
            "keep rosters in a subfolder (e.g. campaigns/rosters/) and name them "
            "under a campaign's targets.roster",
        )
    errors = _duplicate_keys(path, lines)
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        errors.extend(explain(exc, path, lines, Campaign))
    else:
        errors.extend(_outside_paths(path, campaign, lines))
        errors.extend(_messages_without_targets(path, campaign, lines))
        errors.extend(_messages_for_other_platforms(path, campaign, lines))
        errors.extend(_always_quiet(path, campaign, lines))
    if errors:
        raise CampaignLoadError(at_most(sorted(errors, key=by_line)))
    people = [_person(spec, "campaign") for spec in campaign.targets.people]
    if campaign.targets.roster:
        people.extend(_load_roster(path, campaign.targets.roster, lines))
    return LoadedCampaign(campaign=campaign, path=path, people=tuple(people)), lines


def inside_folder(campaign_path: Path, relative: str) -> str | None:
    """Why ``relative`` (a roster or overrides path) may not be opened, or None.

    It must lead, once ``..`` and symbolic links are resolved, to a file under
    the folder of the campaign file: a campaign file must not make the bot read
    ``/etc/hostname``, ``../.env`` or ``/proc/self/environ`` (and show a line of
    it in an error). Nothing is opened to decide.
    """
    folder = campaign_path.parent.resolve()
    if Path(relative).is_absolute():
        return f"{relative!r} is an absolute path (outside the campaign's folder)"
    try:
        target = (campaign_path.parent / relative).resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        return f"{relative!r} cannot be followed (a loop of symbolic links?)"
    if not target.is_relative_to(folder):
        return f"{relative!r} leads outside the campaign's folder ({folder})"
    return None


def _outside_paths(path: Path, campaign: Campaign, lines: LineMap) -> list[CampaignProblem]:
    """Errors for a roster or overrides path that leads outside the campaign's folder."""
    errors = []
    for name in ("roster", "overrides"):
        relative = getattr(campaign.targets, name)
        problem = inside_folder(path, relative) if relative else None
        if problem:
            where = ("targets", name)
            errors.append(
                CampaignProblem(
                    path,
                    lines.line(where),
                    dotted(where),
                    f"{name} file {problem}, so it is not read",
                    f"keep the {name} file in the campaign's folder or a subfolder of it "
                    f"(e.g. {'rosters' if name == 'roster' else 'overrides'}/...) and give "
                    "its path from there",
                )
            )
    return errors


def _messages_without_targets(
    path: Path, campaign: Campaign, lines: LineMap
) -> list[CampaignProblem]:
    """Messages that would address targets without naming them (see
    :func:`bot.campaigns.checks.targets_problem`)."""
    errors = []
    for index, variant in enumerate(campaign.messages):
        problem = checks.targets_problem(variant.text, campaign.mentions_per_post)
        if problem:
            message, _, hint = problem.partition("; ")
            where = ("messages", index, "text")
            errors.append(
                CampaignProblem(
                    path,
                    lines.line(where),
                    dotted(where),
                    f"message {variant.id!r} {message}",
                    hint,
                )
            )
    return errors


def _always_quiet(path: Path, campaign: Campaign, lines: LineMap) -> list[CampaignProblem]:
    """A cron whose every run falls in quiet hours: the campaign would never post live.

    Checked on the file, not in the schema: the runner still handles such a
    schedule (it records each run as quiet), and tests build one on purpose.
    """
    schedule = campaign.schedule
    if schedule.quiet_hours is None or schedule.cron is None:
        return []
    problem = checks.cron_always_quiet(schedule.cron, schedule.quiet_hours.contains)
    if problem is None:
        return []
    message, _, hint = problem.partition("; ")
    where = ("schedule", "quiet_hours")
    return [CampaignProblem(path, lines.line(where), dotted(where), message, hint)]


def _messages_for_other_platforms(
    path: Path, campaign: Campaign, lines: LineMap
) -> list[CampaignProblem]:
    """Messages limited to platforms the campaign does not post on: never used."""
    errors = []
    for index, variant in enumerate(campaign.messages):
        unused = [p.value for p in variant.platforms or () if p not in campaign.platforms]
        if unused:
            where = ("messages", index, "platforms")
            errors.append(
                CampaignProblem(
                    path,
                    lines.line(where),
                    dotted(where),
                    f"message {variant.id!r} is for {', '.join(unused)}, which the campaign "
                    f"does not post on (its platforms: "
                    f"{', '.join(p.value for p in campaign.platforms)})",
                    "list only platforms from the campaign's platforms, or add "
                    f"{', '.join(unused)} to them",
                )
            )
    return errors


def _load_roster(campaign_path: Path, roster: str, lines: LineMap) -> list[Person]:
    """The people of a roster file (its path relative to the campaign file)."""
    roster_path = campaign_path.parent / roster
    where = ("targets", "roster")
    if not roster_path.is_file():
        problem = "is a folder" if roster_path.is_dir() else "not found"
        raise _error(
            campaign_path,
            lines.line(where),
            dotted(where),
            f"roster file {roster!r} {problem} (looked for {roster_path})",
            "a roster's path is relative to the folder of the campaign file",
        )
    data, roster_lines = read_yaml(roster_path)
    if data is None or isinstance(data, list):
        found = "is empty" if data is None else "is a list"
        raise _error(
            roster_path,
            1,
            None,
            f"the roster {found}; it should hold a 'people:' list",
            "start the file with 'people:' and list one '- id: ...' entry per person under it",
        )
    errors = _duplicate_keys(roster_path, roster_lines)
    try:
        parsed = Roster.model_validate(data)
    except ValidationError as exc:
        errors.extend(explain(exc, roster_path, roster_lines, Roster))
    if errors:
        raise CampaignLoadError(at_most(sorted(errors, key=by_line)))
    return [_person(spec, f"roster:{roster_path.name}") for spec in parsed.people]


def _person(spec: PersonSpec, source: str) -> Person:
    handles = {
        platform.value: HandleInfo(platform.value, handle, source)
        for platform in Platform
        if (handle := spec.handles.for_platform(platform)) is not None
    }
    return build_person(spec.id, spec.name, details_of(spec), handles)


#: the most errors reported for one file: a generated roster with 50,000 bad entries
#: would otherwise print 50,000 lines (and the first few say what to fix)
MAX_ERRORS_PER_FILE = 50


def at_most(errors: list[CampaignProblem]) -> list[CampaignProblem]:
    """The first :data:`MAX_ERRORS_PER_FILE` of ``errors`` (one file's), and a line
    saying how many more there are."""
    if len(errors) <= MAX_ERRORS_PER_FILE:
        return errors
    rest = len(errors) - MAX_ERRORS_PER_FILE
    last = errors[MAX_ERRORS_PER_FILE - 1]
    return [
        *errors[:MAX_ERRORS_PER_FILE],
        CampaignProblem(
            last.path,
            None,
            None,
            f"and {rest:,} more problems after line {last.line} (only the first "
            f"{MAX_ERRORS_PER_FILE} are shown)",
            "fix these, then run 'advocacy-bot validate' again",
        ),
    ]


def by_line(error: CampaignProblem) -> int:
    """Sort key: an error's line (0 when unknown)."""
    return error.line or 0


def _duplicate_keys(path: Path, lines: LineMap) -> list[CampaignProblem]:
    return [
        CampaignProblem(
            path,
            line,
            dotted(loc[:-1]),
            f"field {loc[-1]!r} is given twice (first on line {first})",
            "remove one of them: only the last would count",
        )
        for loc, line, first in lines.duplicates
    ]


# --- Many files --------------------------------------------------------------------


@dataclass
class Loaded:
    """What :func:`load_all` found: campaigns with their line maps, and problems."""

    campaigns: list[tuple[LoadedCampaign, LineMap]] = field(default_factory=list)
    errors: list[CampaignProblem] = field(default_factory=list)
    broken_ids: dict[str, Path] = field(default_factory=dict)
    """Campaign ids read from files that failed to load (to say *why* an id is missing)."""
    duplicates: dict[str, list[CampaignProblem]] = field(default_factory=dict)
    """Campaign id given in several files -> the errors reporting each of those files
    (none of which is in :attr:`campaigns`)."""


_SUFFIXES = (".yaml", ".yml")


def campaign_files(paths: Iterable[Path]) -> tuple[list[Path], list[CampaignProblem]]:
    """Files named, and ``*.yaml``/``*.yml`` files in folders named (sorted, not recursive)."""
    files: list[Path] = []
    errors: list[CampaignProblem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
            if not found:
                message = "no campaign files (*.yaml, *.yml) in this folder"
                errors.append(CampaignProblem(path, None, None, message))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append(CampaignProblem(path, None, None, "no such file or folder"))
    unique = {p.resolve(): p for p in reversed(files)}  # first spelling of each file wins
    return [p for p in files if unique.get(p.resolve()) is p], errors


def load_all(paths: Iterable[Path]) -> Loaded:
    """Load every campaign under ``paths``; a broken file adds errors, others still load.

    Campaigns sharing an id are all held back: a copy of an example whose id
    was not changed would otherwise post under the original's id (its posts,
    cooldowns and caps mixed with the original's) while one of the two never
    ran. Each file is reported, the later ones as duplicates of the first.
    """
    files, errors = campaign_files(paths)
    result = Loaded(errors=errors)
    by_id: dict[str, list[tuple[LoadedCampaign, LineMap]]] = {}
    for path in files:
        try:
            loaded, lines = _load_with_lines(path)
        except CampaignLoadError as exc:
            result.errors.extend(exc.errors)
            if exc.campaign_id is not None:
                result.broken_ids[exc.campaign_id] = path
            continue
        by_id.setdefault(loaded.campaign.id, []).append((loaded, lines))
    for campaign_id, found in by_id.items():
        if len(found) == 1:
            result.campaigns.append(found[0])
            continue
        reported = duplicate_id_errors(campaign_id, found)
        result.errors.extend(reported)
        result.duplicates[campaign_id] = reported
    return result


def duplicate_id_errors(
    campaign_id: str, found: list[tuple[LoadedCampaign, LineMap]]
) -> list[CampaignProblem]:
    """One error per file of ``found`` (all with ``campaign_id``, in file order)."""
    (first, first_lines), later = found[0], found[1:]
    others = ", ".join(str(loaded.path) for loaded, _ in later)
    errors = [
        CampaignProblem(
            first.path,
            first_lines.line(("id",)),
            "id",
            f"campaign id {campaign_id!r} is also used by {others}, so neither runs",
            "give every campaign its own id (change the id in the copy)",
        )
    ]
    for loaded, lines in later:
        errors.append(
            CampaignProblem(
                loaded.path,
                lines.line(("id",)),
                "id",
                f"campaign id {campaign_id!r} is already used by {first.path} "
                f"(line {first_lines.line(('id',))}): this file is a duplicate of it, and "
                "neither runs",
                "give this campaign an id of its own",
            )
        )
    return errors


def load_campaigns(paths: Iterable[Path]) -> tuple[list[LoadedCampaign], list[CampaignProblem]]:
    """Load campaign files and folders of them: the good campaigns, and every problem.

    Folders are expanded to their ``*.yaml`` and ``*.yml`` files (sorted; not
    recursive, so rosters can live in a subfolder). Campaign ids must be unique.
    """
    result = load_all(paths)
    return [loaded for loaded, _ in result.campaigns], result.errors


def find_campaign(campaigns_dir: Path, campaign_id: str) -> LoadedCampaign:
    """The campaign with ``campaign_id`` in ``campaigns_dir``.

    Raises :class:`CampaignLoadError` when it is absent (naming the ids there),
    broken (with its file's errors) or defined in more than one file (with
    every file's error: none of them is run).
    """
    return pick_campaign(load_all([campaigns_dir]), campaigns_dir, campaign_id)


def pick_campaign(result: Loaded, campaigns_dir: Path, campaign_id: str) -> LoadedCampaign:
    """:func:`find_campaign`'s answer from what :func:`load_all` found in ``campaigns_dir``
    (so a folder is loaded once for several ids)."""
    if campaign_id in result.duplicates:
        raise CampaignLoadError(result.duplicates[campaign_id])
    for loaded, _ in result.campaigns:
        if loaded.campaign.id == campaign_id:
            return loaded
    broken = result.broken_ids.get(campaign_id)
    if broken is not None:
        raise CampaignLoadError([e for e in result.errors if e.path == broken])
    known = sorted({loaded.campaign.id for loaded, _ in result.campaigns} | set(result.duplicates))
    listing = f"; the campaigns there are {', '.join(known)}" if known else ""
    hint = suggest(campaign_id, known) or "run 'advocacy-bot validate' to check the files"
    raise _error(campaigns_dir, None, None, f"no campaign {campaign_id!r}{listing}", hint)
