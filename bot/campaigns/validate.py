"""Check campaigns beyond their schema: templates render, and posts can fit.

:func:`validate_paths` is what ``advocacy-bot validate`` runs. On top of
loading (:mod:`bot.campaigns.loader`) it checks every message template:

- it uses only the variables the bot provides (``bill``, ``targets``...);
- it renders, for every platform it is meant for, every bill and every
  target, so a typo such as ``{{ bill.titel }}`` is caught before a run;
- it fits each platform's length limit with one mention, the fewest a post
  has: the worst case over all bills and targets must fit, because the
  planner drops mentions to make a post fit but never rewrites its text.

Texts are composed exactly as the planner composes them (with
:mod:`bot.compose.text`, as :func:`bot.compose.plan.compose_text` does), so
what passes here is what posts.

It also warns about what is valid but probably not meant (:func:`date_warnings`):
a campaign whose ``end`` has passed, or whose ``start`` is far ahead. A warning
does not stop a campaign; ``validate`` prints it and still exits 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from pathlib import Path

from bot.campaigns.errors import CampaignProblem, campaign_warning
from bot.campaigns.loaded import LoadedCampaign
from bot.campaigns.loader import LineMap, by_line, dotted, load_all, suggest
from bot.campaigns.schema import Variant
from bot.clock import Clock, SystemClock
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


@dataclass
class Validated:
    """What :func:`validate_all` found."""

    campaigns: list[LoadedCampaign] = field(default_factory=list)
    """The campaigns that passed every check (warnings or not)."""
    errors: list[CampaignProblem] = field(default_factory=list)
    """Every problem, sorted by file and line; a campaign with one is not in :attr:`campaigns`."""
    warnings: list[CampaignProblem] = field(default_factory=list)
    """What is valid but probably not meant (severity ``warning``), sorted likewise."""


def validate_all(paths: Iterable[Path], clock: Clock | None = None) -> Validated:
    """Load and check campaign files and folders; ``clock`` (default: the real one)
    tells which dates have passed."""
    now = (clock or SystemClock()).now()
    result = load_all(paths)
    found = Validated(errors=list(result.errors))
    for loaded, lines in result.campaigns:
        problems = check_messages(loaded, lines) + check_call_scripts(loaded, lines)
        if problems:
            found.errors.extend(problems)
        else:
            found.campaigns.append(loaded)
            found.warnings.extend(date_warnings(loaded, lines, now))
    found.errors.sort(key=_by_file_and_line)
    found.warnings.sort(key=_by_file_and_line)
    return found


def validate_paths(
    paths: Iterable[Path], clock: Clock | None = None
) -> tuple[list[LoadedCampaign], list[CampaignProblem]]:
    """Load and check campaign files and folders.

    Returns the campaigns that passed every check, and every problem found
    (sorted by file and line). A campaign with a problem is not returned.
    Warnings are left out: :func:`validate_all` has them.
    """
    found = validate_all(paths, clock)
    return found.campaigns, found.errors


def _by_file_and_line(error: CampaignProblem) -> tuple[str, int]:
    return str(error.path), by_line(error)


#: a start further ahead than this is worth a word: it may be a typo (2062 for 2026)
FAR_AHEAD = timedelta(days=60)


def date_warnings(loaded: LoadedCampaign, lines: LineMap, now: datetime) -> list[CampaignProblem]:
    """Warnings for an enabled campaign whose dates keep it from running.

    ``now`` is compared in the campaign's timezone: an ``end`` that has passed
    (it ran out), a ``start`` more than :data:`FAR_AHEAD` away (it will not run
    until then), every ``at`` time past.
    """
    campaign = loaded.campaign
    schedule = campaign.schedule
    if not campaign.enabled:
        return []
    local = now.astimezone(schedule.tz)
    today = local.date()
    warnings = []

    def warn(name: str, message: str, hint: str) -> None:
        where = ("schedule", name)
        warnings.append(
            campaign_warning(loaded.path, lines.line(where), dotted(where), message, hint)
        )

    if schedule.end is not None and schedule.end < today:
        warn(
            "end",
            f"the campaign ran out on {schedule.end} (its end date, {(today - schedule.end).days} "
            "days ago): it will not run again",
            "move end to a later date to run it again, or set enabled: false to keep it "
            "as a record",
        )
    if schedule.start is not None and schedule.start - today > FAR_AHEAD:
        warn(
            "start",
            f"the campaign will not run until {schedule.start} (its start date, "
            f"{(schedule.start - today).days} days from now)",
            "if that is a typo, correct the start date",
        )
    if schedule.at and all(
        (moment if moment.tzinfo else moment.replace(tzinfo=schedule.tz)) < local
        for moment in schedule.at
    ):
        warn(
            "at",
            f"every time under 'at' has passed (the last was {max(schedule.at)}): "
            "the campaign will not run again",
            "add a time still to come, or set enabled: false",
        )
    return warnings


def check_messages(loaded: LoadedCampaign, lines: LineMap) -> list[CampaignProblem]:
    """Problems with a campaign's message templates: names, rendering, length."""
    errors: list[CampaignProblem] = []
    for index, variant in enumerate(loaded.campaign.messages):
        where = ("messages", index, "text")
        at = _Where(loaded.path, lines.line(where), f"messages[{index}].text")
        problems = _check_names(variant, at, lines.text_line(where))
        errors.extend(problems or _check_rendering(loaded, variant, at))
    return errors


def check_call_scripts(loaded: LoadedCampaign, lines: LineMap) -> list[CampaignProblem]:
    """Call scripts are templates too (the supporter page renders them for each
    legislator): their syntax, the names they use, and a trial render per bill."""
    from bot.compose.render import render
    from bot.compose.text import template_context

    campaign = loaded.campaign
    scripts: list[tuple[tuple[str | int, ...], str, str | None]] = [
        (("call_script",), "call_script", campaign.call_script),
        *(
            (("call_scripts", chamber), f"call_scripts.{chamber}", text)
            for chamber, text in campaign.call_scripts.items()
        ),
    ]
    errors: list[CampaignProblem] = []
    for where, name, source in scripts:
        if not source:
            continue
        at = _Where(loaded.path, lines.line(where), name)
        try:
            unknown = sorted(undeclared_variables(source))
            if not unknown:
                for bill in campaign.bills:
                    context = template_context(campaign, bill, "phone", [(SAMPLE_TARGET, None)])
                    render(source, context)
        except TemplateProblem as exc:
            said = str(exc)
            if said.startswith("template syntax error: "):
                message = f" has a template syntax error: {said.split(': ', 1)[1]}"
                hint: str | None = "variables are written {{ name }} and tags {% if ... %}"
            else:
                message, hint = _explain_render_problem(said)
                message = f": {message}"
            errors.append(at.error(f"the call script in {name}{message}", hint))
            continue
        available = ", ".join(sorted(TEMPLATE_VARIABLES))
        errors.extend(
            at.error(
                f"the call script in {name} uses undefined variable {var!r} "
                f"(available: {available})",
                suggest(var, TEMPLATE_VARIABLES),
            )
            for var in unknown
        )
    return errors


@dataclass(frozen=True)
class _Where:
    """Where a message's problems are reported: its ``text`` in the campaign file."""

    path: Path
    line: int | None
    field: str

    def error(self, message: str, hint: str | None, line: int | None = None) -> CampaignProblem:
        return CampaignProblem(self.path, line or self.line, self.field, message, hint)


def _check_names(variant: Variant, at: _Where, text_line: int | None) -> list[CampaignProblem]:
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


def _check_rendering(loaded: LoadedCampaign, variant: Variant, at: _Where) -> list[CampaignProblem]:
    """Render one variant everywhere it is used; report a failure or the worst length."""
    from bot.compose import length

    campaign = loaded.campaign
    targets = list(loaded.people) or [SAMPLE_TARGET]
    errors: list[CampaignProblem] = []
    for platform in campaign.platforms:
        if variant not in campaign.variants_for(platform):
            continue
        try:
            texts = _texts(loaded, variant, platform.value, targets)
        except TemplateProblem as exc:
            message, hint = _explain_render_problem(str(exc))
            return [at.error(f"message {variant.id!r}: {message}", hint)]
        most = length.limit(platform.value)
        if all(length.at_most(platform.value, text) <= most for text in texts):
            continue  # fits, even counted generously (Mastodon's URLs are not looked for)
        longest = max(length.count(platform.value, text) for text in texts)
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
    from bot.compose.text import addressed, post_text

    campaign = loaded.campaign
    return {
        post_text(campaign, bill, platform, variant, addressed([person], platform))
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
        hint: str | None = suggest(attribute, offers) or f"{what} has {', '.join(sorted(offers))}"
        return f"{what} has no attribute {attribute!r}", hint
    filter_name = _REFUSED_FILTER.search(problem)
    if filter_name:
        hint = suggest(filter_name.group(1), sandbox.FILTERS) or sandbox.hint_for(problem)
        return f"the {problem}", hint
    hint = sandbox.hint_for(problem)
    if hint is not None and problem.startswith("template "):
        return f"the {problem}", hint
    return f"cannot be rendered: {problem.removeprefix('template ')}", None
