"""The ``steps:`` of a campaign: what to do when a bill event happens (pydantic, no I/O).

.. code-block:: yaml

    steps:
      - on: referred                       # the bill is now in committee(s)
        targets:                           # from now on, runs address...
          select: [{bill_role: committee_members_not_cosponsoring}]
      - on: hearing                        # a hearing lists the bill
        post:
          when: day_before                 # at `time` (campaign timezone) the day before
          time: "09:00"
          text: "{{ mentions }}: {{ bill.identifier }} is heard {{ event.date }}. Pass it!"
          targets: {select: [{bill_role: committee_of_referral}]}
      - on: passed_chamber
        targets: {select: [{bill_role: chamber_of_current_stage}]}
        messages: [house-passed]           # and only these message variants
      - on: [signed, passed]
        post: {text: "Thank you {{ mentions }} for {{ bill.identifier }}!",
               targets: {select: [{bill_role: supporters}]}}
        stop: true
      - on: failed_vote                    # a vote failed: it may be reconsidered
        messages: [try-again]

The campaign stops by itself on the events in its ``stop_on`` (default: it became
law, the veto stands, or it was withdrawn; see :mod:`bot.bills.campaign_stage`).

A step can change whom (``targets``) and with what (``messages``) the
scheduled runs post from then on, make one ``post`` (its own text, which
may also use ``event``: see :data:`EVENT_VARIABLES`), and ``stop`` the
campaign. Each bill event fires a step once per campaign (see
:mod:`bot.bills.triggers`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.bills.events import EVENT_ALIASES, EVENT_KINDS
from bot.directory.selectors import Selector

#: What a step's post text can use besides the usual template variables.
EVENT_VARIABLES = {
    "event": "kind, date (Tuesday, March 10), time (9:00 AM, or empty), committee, chamber, "
    "title, location, url"
}


def event_kinds(names: tuple[str, ...] | list[str], *, expand: bool = True) -> tuple[str, ...]:
    """Event names as a campaign writes them (``passed-chamber``, ``failed``) → event kinds.

    With ``expand=False`` an alias (``failed``) stays as written, cleaned, so that a
    step's default name does not change; :attr:`Step.events` expands it.
    Raises ValueError naming the first unknown event and the known ones.
    """
    cleaned: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"{name!r} is not an event name; use {', '.join(EVENT_KINDS)}")
        kind = name.strip().lower().replace(" ", "_").replace("-", "_")
        if kind in EVENT_ALIASES and not expand and len(EVENT_ALIASES[kind]) > 1:
            cleaned.append(kind)
        elif kind in EVENT_ALIASES:
            cleaned += EVENT_ALIASES[kind]
        elif kind in EVENT_KINDS:
            cleaned.append(kind)
        else:
            raise ValueError(f"{name!r} is not a bill event; use {', '.join(EVENT_KINDS)}")
    return tuple(dict.fromkeys(cleaned))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class StepTargets(_Model):
    """Whom a step addresses: selectors over the directory, bill roles included."""

    select: list[Selector] = Field(min_length=1)
    exclude: list[Selector] = []


class StepPost(_Model):
    """One post per platform, made when the step fires."""

    text: str = Field(description="a message template; may also use {{ event.* }}")
    when: Literal["now", "day_before", "same_day"] = Field(
        default="now", description="now, or (for hearings) the day before or the same day"
    )
    time: dt.time = Field(default=dt.time(10, 0), description="local time for day_before/same_day")
    targets: StepTargets | None = Field(
        default=None, description="default: whom the campaign addresses at that point"
    )
    mentions: int | None = Field(
        default=None, ge=0, le=10, description="default: the campaign's mentions_per_post"
    )

    @field_validator("text")
    @classmethod
    def _template(cls, value: str) -> str:
        from bot.compose.render import TemplateProblem, check_template, undeclared_variables

        try:
            unknown = sorted(undeclared_variables(value) - set(EVENT_VARIABLES))
            check_template(value)  # a filter, call or tag the sandbox refuses, anywhere
        except TemplateProblem as exc:
            raise ValueError(str(exc)) from None
        if unknown:
            raise ValueError(
                f"the text uses {', '.join(unknown)}, which the bot does not provide; use bill, "
                "campaign, targets, mentions, names, platform or event"
            )
        return value


class Step(_Model):
    """What to do when a bill event of a kind in ``on`` happens."""

    id: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="a stable name (default: the events in 'on', joined by '+')",
    )
    on: tuple[str, ...] = Field(description=", ".join(EVENT_KINDS))
    targets: StepTargets | None = Field(
        default=None, description="from now on, scheduled runs address these people"
    )
    messages: tuple[str, ...] | None = Field(
        default=None, description="from now on, scheduled runs use only these message ids"
    )
    post: StepPost | None = None
    stop: bool = Field(default=False, description="stop the campaign (after any post)")
    max_age: dt.timedelta = Field(
        default=dt.timedelta(days=7),
        description="a post is skipped for an event older than this when first seen",
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_on(cls, data: object) -> object:
        # YAML 1.1 (PyYAML) reads a bare ``on:`` key as the boolean true.
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if key is True else key): value for key, value in data.items()}
        return data

    @field_validator("on", "messages", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("on")
    @classmethod
    def _known_events(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(f"give at least one event: {', '.join(EVENT_KINDS)}")
        return event_kinds(value, expand=False)

    @field_validator("max_age", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        from bot.durations import parse_duration

        return parse_duration(value)

    @model_validator(mode="after")
    def _coherent(self) -> Step:
        if not (self.targets or self.messages or self.post or self.stop):
            raise ValueError("a step needs at least one of 'targets', 'messages', 'post' or 'stop'")
        if self.post and self.post.when != "now" and set(self.events) != {"hearing"}:
            raise ValueError(
                f"'when: {self.post.when}' needs a dated event: use it with 'on: hearing' only"
            )
        return self

    @property
    def events(self) -> tuple[str, ...]:
        """The event kinds that fire the step (``on`` with aliases such as ``failed`` expanded)."""
        return event_kinds(self.on)

    @property
    def name(self) -> str:
        return self.id or "+".join(self.on)

    def selectors(self) -> list[Selector]:
        """Every selector the step uses (for checks)."""
        found: list[Selector] = []
        for spec in (self.targets, self.post.targets if self.post else None):
            if spec is not None:
                found += [*spec.select, *spec.exclude]
        return found
