"""Check campaigns beyond their schema: templates render, and posts can fit.

:func:`validate_paths` is what ``advocacy-bot validate`` runs. On top of
loading (:mod:`bot.campaigns.loader`) it checks every message template:

- it uses only the variables the bot provides (``bill``, ``targets``...);
- it renders, for every platform it is meant for, every bill and every
  target, so a typo such as ``{{ bill.titel }}`` is caught before a run;
- it fits each platform's length limit with one mention, the fewest a post
  has: the worst case over all bills and targets must fit, because the
  planner drops mentions to make a post fit but never rewrites its text.

Texts are composed exactly as the planner composes them
(:func:`bot.compose.plan.compose_text`), so what passes here is what posts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from bot.campaigns.errors import CampaignError
from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.loader import LineMap, by_line, load_all, suggest
from bot.campaigns.schema import Variant
from bot.compose import sandbox
from bot.compose.render import (
    TEMPLATE_VARIABLES,
    TemplateProblem,
    undeclared_variables,
)
from bot.compose.views import BillView, CampaignView, EventView, TargetView
from bot.directory.people import Person

#: Stands in for the targets of a campaign that names nobody itself (its
#: targets come from selectors over the directory): a long name and the
#: longest handles each platform allows, so the length check errs long.
SAMPLE_TARGET = Person(
    id="sample",
    name="Alexandria Montgomery-Fitzgerald",
    title="Rep.",
    handles={
        "x": "x" * 15,
        "bluesky": "representative-name.bsky.social",
        "mastodon": "representative@mastodon.example",
    },
)


def validate_paths(paths: Iterable[Path]) -> tuple[list[LoadedCampaign], list[CampaignError]]:
    """Load and check campaign files and folders.

    Returns the campaigns that passed every check, and every problem found
    (sorted by file and line). A campaign with a problem is not returned.
    """
    result = load_all(paths)
    good: list[LoadedCampaign] = []
    errors = list(result.errors)
    for loaded, lines in result.campaigns:
        problems = check_messages(loaded, lines)
        if problems:
            errors.extend(problems)
        else:
            good.append(loaded)
    errors.sort(key=lambda error: (str(error.path), by_line(error)))
    return good, errors


def check_messages(loaded: LoadedCampaign, lines: LineMap) -> list[CampaignError]:
    """Problems with a campaign's message templates: names, rendering, length."""
    errors: list[CampaignError] = []
    for index, variant in enumerate(loaded.campaign.messages):
        where = ("messages", index, "text")
        at = _Where(loaded.path, lines.line(where), f"messages[{index}].text")
        problems = _check_names(variant, at, lines.text_line(where))
        errors.extend(problems or _check_rendering(loaded, variant, at))
    return errors


@dataclass(frozen=True)
class _Where:
    """Where a message's problems are reported: its ``text`` in the campaign file."""

    path: Path
    line: int | None
    field: str

    def error(self, message: str, hint: str | None, line: int | None = None) -> CampaignError:
        return CampaignError(self.path, line or self.line, self.field, message, hint)


def _check_names(variant: Variant, at: _Where, text_line: int | None) -> list[CampaignError]:
    """Syntax errors and unknown variables in one template."""
    try:
        unknown = sorted(undeclared_variables(variant.text))
    except TemplateProblem as exc:
        message = str(exc).removeprefix("template syntax error: ")
        line = text_line + exc.line - 1 if text_line and exc.line else None
        return [
            at.error(
                f"message {variant.id!r} has a template syntax error: {message}",
                "variables are written {{ name }} and tags {% if ... %}...{% endif %}",
                line,
            )
        ]
    available = ", ".join(sorted(TEMPLATE_VARIABLES))
    return [
        at.error(
            f"message {variant.id!r} uses undefined variable {name!r} (available: {available})",
            suggest(name, TEMPLATE_VARIABLES),
        )
        for name in unknown
    ]


def _check_rendering(loaded: LoadedCampaign, variant: Variant, at: _Where) -> list[CampaignError]:
    """Render one variant everywhere it is used; report a failure or the worst length."""
    from bot.compose import length

    campaign = loaded.campaign
    targets = list(loaded.people) or [SAMPLE_TARGET]
    errors: list[CampaignError] = []
    for platform in campaign.platforms:
        if variant not in campaign.variants_for(platform):
            continue
        try:
            longest = max(
                length.count(platform.value, text)
                for text in _texts(loaded, variant, platform.value, targets)
            )
        except TemplateProblem as exc:
            message, hint = _explain_render_problem(str(exc))
            return [at.error(f"message {variant.id!r}: {message}", hint)]
        most = length.limit(platform.value)
        if longest > most:
            over = longest - most
            errors.append(
                at.error(
                    f"message {variant.id!r} is {longest} characters on {platform.value} "
                    f"even with one mention (limit {most})",
                    f"shorten it by {over} character{'s' if over != 1 else ''}",
                )
            )
    return errors


def _texts(
    loaded: LoadedCampaign, variant: Variant, platform: str, targets: list[Person]
) -> set[str]:
    """Every distinct text ``variant`` makes on ``platform``: each bill, one target at a time."""
    from bot.compose.plan import compose_text

    campaign = loaded.campaign
    return {
        compose_text(campaign, bill, platform, variant, [person])[0]
        for bill in campaign.bills
        for person in targets
    }


_NO_ATTRIBUTE = re.compile(r"'(?:[\w.]+\.)?(\w+) object' has no attribute '(\w+)'")
#: what templates call the objects they see, and what those objects offer
_OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "BillView": ("bill", tuple(f.name for f in fields(BillView))),
    "TargetView": ("a target", tuple(f.name for f in fields(TargetView))),
    "CampaignView": ("campaign", tuple(f.name for f in fields(CampaignView))),
    "EventView": ("event", tuple(f.name for f in fields(EventView))),
    "LoopContext": ("loop", tuple(sandbox.LOOP_ATTRIBUTES)),
    "str": ("a text", ()),
    "int": ("a number", ()),
    "float": ("a number", ()),
    "NoneType": ("an empty value (none)", ()),
    "tuple": ("a list", ()),
    "list": ("a list", ()),
    "dict": ("a mapping", ()),
    "Macro": ("a macro", ()),
    "TemplateReference": ("self", ()),
}
_REFUSED_FILTER = re.compile(r"^template uses the filter '(\w+)'")
#: the advice for what has no attributes at all
_NO_ATTRIBUTES = (
    "{what} has no attributes: change it with a filter ({{ bill.title|upper }}, "
    "|replace, |truncate...), and take items of a list with [0] or {% for %}"
)


def _explain_render_problem(problem: str) -> tuple[str, str | None]:
    """Jinja's "'bot.compose.views.BillView object' has no attribute 'titel'" in plain words.

    The sandbox's refusals and budgets (:mod:`bot.compose.sandbox`) come with
    their advice; anything else is reported as it is.
    """
    match = _NO_ATTRIBUTE.search(problem)
    if match and match.group(1) in _OBJECTS:
        what, offers = _OBJECTS[match.group(1)]
        attribute = match.group(2)
        if not offers:
            return f"{what} has no attribute {attribute!r}", _NO_ATTRIBUTES.replace("{what}", what)
        hint = suggest(attribute, offers) or f"{what} has {', '.join(sorted(offers))}"
        return f"{what} has no attribute {attribute!r}", hint
    filter_name = _REFUSED_FILTER.search(problem)
    if filter_name:
        hint = suggest(filter_name.group(1), sandbox.FILTERS) or sandbox.hint_for(problem)
        return f"the {problem}", hint
    hint = sandbox.hint_for(problem)
    if hint is not None and problem.startswith("template "):
        return f"the {problem}", hint
    return f"cannot be rendered: {problem.removeprefix('template ')}", None
