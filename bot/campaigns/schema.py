"""The shape of a campaign file, as pydantic models.

A campaign file is YAML; :mod:`bot.campaigns.loader` turns it into a
:class:`Campaign` and turns pydantic's errors into messages that name the
file, line and field. Everything here is pure data and validation: no I/O.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.bills.steps import Step
from bot.campaigns import checks
from bot.directory.selectors import Selector
from bot.durations import parse_duration


class Platform(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"


class Stance(StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"
    AMEND = "amend"
    WATCH = "watch"


class Approval(StrEnum):
    NONE = "none"
    REQUIRED = "required"


class XMentions(StrEnum):
    """How a campaign's automated posts on X address legislators."""

    TAG = "tag"
    """``@handle`` where the person has one on X (each such post waits for approval)."""
    NAME = "name"
    """Their display name in plain text, never an ``@handle``: nobody is notified."""


class MissedRuns(StrEnum):
    """What to do with runs missed while the bot was down."""

    SKIP = "skip"
    CATCH_UP_ONCE = "catch_up_once"


#: A campaign file's duration: :func:`bot.durations.parse_duration`'s grammar, and a
#: bare number is refused (``cooldown: 7`` could mean seconds or days).
Duration = Annotated[timedelta, Field(description="e.g. 30m, 12h, 7d, 2w")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


#: an account's name, as its settings spell it after the platform (X_COALITION_...)
_ACCOUNT = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


def _checked_text(value: str | None, *, multiline: bool) -> str | None:
    """A text that is given is not empty, and has no hidden or control characters."""
    if value is not None:
        if not value:
            raise ValueError("is empty; write it, or leave the field out where it is optional")
        problem = checks.field_text_problem(value, multiline=multiline)
        if problem:
            raise ValueError(problem)
    return value


def _line(value: str | None) -> str | None:
    """A one-line text (a title, a name): short, without hidden or control characters."""
    return _checked_text(value, multiline=False)


def _paragraphs(value: str | None) -> str | None:
    """A text that may run over lines (a message, a summary), checked as :func:`_line`."""
    return _checked_text(value, multiline=True)


class Bill(_Model):
    """A bill the campaign is about."""

    jurisdiction: str = Field(description="'us' for Congress, or a state's postal code: 'mo'")
    session: str = Field(description="the state session ('2026') or the congress number ('119')")
    identifier: str = Field(
        description="as the legislature writes it: 'SB 792', 'HB 1526', 'S 1693'"
    )
    title: str
    url: str | None = None
    stance: Stance = Stance.SUPPORT
    summary: str | None = Field(default=None, description="the bill in plain words")
    why: str | None = Field(default=None, description="why it matters, for supporters")
    # Congress.gov's names for a bill of Congress, derived from session and identifier
    # ("117", "HR 21" -> 117, "hr", 21) when not given; None for state bills.
    congress: int | None = Field(default=None, description="Congress only: the congress (117)")
    type: str | None = Field(default=None, description="Congress only: hr, s, hjres, sres...")
    number: int | None = Field(default=None, description="Congress only: the bill's number")

    @field_validator("jurisdiction")
    @classmethod
    def _lower_jurisdiction(cls, value: str) -> str:
        value = value.lower()
        problem = checks.jurisdiction_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("title", "session")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return _line(value) or value

    @field_validator("summary", "why")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return _paragraphs(value)

    @field_validator("url")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        problem = checks.url_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("session", mode="before")
    @classmethod
    def _session_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("identifier")
    @classmethod
    def _normalise_identifier(cls, value: str) -> str:
        match = re.fullmatch(r"([A-Za-z. ]+?)\s*(\d+)", value.strip())
        if not match:
            raise ValueError(
                f"{value!r} is not a bill identifier; write the chamber prefix and number, "
                "e.g. 'SB 792' or 'S 1693'"
            )
        prefix = match.group(1).replace(".", "").replace(" ", "").upper()
        return f"{prefix} {int(match.group(2))}"

    @model_validator(mode="after")
    def _congress_identity(self) -> Bill:
        if self.jurisdiction != "us":
            if self.congress is not None or self.type is not None or self.number is not None:
                raise ValueError("'congress', 'type' and 'number' are for bills of Congress only")
            return self
        from bot.bills.ident import BillRef

        ref = BillRef.parse(self.jurisdiction, self.session, self.identifier)
        for name in ("congress", "type", "number"):
            given = getattr(self, name)
            derived = getattr(ref, name)
            if isinstance(given, str):
                given = given.lower()
            if given is not None and given != derived:
                raise ValueError(
                    f"{name} {getattr(self, name)!r} does not match session {self.session!r} and "
                    f"identifier {self.identifier!r} ({name} {derived!r}); leave it out"
                )
            object.__setattr__(self, name, derived)  # frozen model: fill in derived identity
        return self

    @property
    def key(self) -> str:
        """A stable key for the bill: ``mo/2026/SB 792``."""
        return f"{self.jurisdiction}/{self.session}/{self.identifier}"


class Handles(_Model):
    """A legislator's identities on each platform (without the leading @)."""

    x: str | None = None
    facebook: str | None = None
    bluesky: str | None = None
    mastodon: str | None = Field(default=None, description="user@instance")

    @field_validator("x", "facebook", "bluesky", "mastodon", mode="before")
    @classmethod
    def _checked(cls, value: object, info: ValidationInfo) -> object:
        """Each handle passes the directory's check for its platform (one grammar for
        imported and hand-written handles). A leading ``@`` is dropped; any other
        clean-up the importer would make (a profile link, a query string) is an
        error here, with the handle to write instead: a campaign says what it means.
        """
        if value is None:
            return None
        from bot.directory.contact import ContactError, check_handle

        platform = info.field_name
        assert platform is not None
        try:
            checked = check_handle(platform, value)
        except ContactError as exc:
            hint = "write the handle shown after @ on the profile"
            raise ValueError(f"{exc.message}; {hint}") from None
        if checked.cleaned:
            raise ValueError(
                f"{str(value)[:80]!r} is not a {_HANDLE_NAMES[platform]} as written; "
                f"write {checked.value!r}"
            )
        return checked.value

    def for_platform(self, platform: Platform | str) -> str | None:
        return getattr(self, str(platform))


_HANDLE_NAMES = {
    "x": "X handle",
    "facebook": "Facebook page",
    "bluesky": "Bluesky handle",
    "mastodon": "Mastodon address",
}


class PersonSpec(_Model):
    """A legislator named in a campaign or roster file."""

    id: str = Field(description="a stable id: bioguide (S000148), ocd-person/..., or your own slug")
    name: str
    title: str | None = Field(default=None, description="as addressed: Sen., Rep., Senator")
    state: str | None = None
    chamber: str | None = None
    district: str | None = None
    party: str | None = None
    handles: Handles = Handles()

    @field_validator("id", "name", "title", "state", "chamber", "district", "party")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return _line(value)


class TargetsSpec(_Model):
    """Whom the campaign addresses.

    ``people`` names legislators directly; ``roster`` points at a YAML file
    (relative to the campaign file) holding more of them under ``people:``.
    ``select`` picks people from the legislator directory: each selector is
    the intersection of its keys, the list is their union; ``exclude`` removes
    everyone matching any of its selectors (from named people too). See
    :mod:`bot.directory.selectors` and docs/directory.md. ``overrides`` points
    at a YAML or CSV file of organizer-supplied handles and do-not-tag entries
    (relative to the campaign file) that win over the directory for this
    campaign.
    """

    people: list[PersonSpec] = []
    roster: str | None = None
    select: list[Selector] = []
    exclude: list[Selector] = []
    overrides: str | None = Field(
        default=None, description="a YAML or CSV overrides file, relative to the campaign file"
    )

    @model_validator(mode="after")
    def _something(self) -> TargetsSpec:
        if not self.people and not self.roster and not self.select:
            raise ValueError("targets needs at least one of 'people', 'roster' or 'select'")
        return self


class Audience(StrEnum):
    """Whom a message variant is written for (``suits``)."""

    EVERYONE = "everyone"
    SENATE = "senate"
    HOUSE = "house"
    LEGISLATURE = "legislature"
    """The one chamber of a unicameral legislature."""
    COMMITTEE = "committee"
    """Members of the committee the bill is before ("is before your committee")."""
    SPONSORS = "sponsors"
    LEADERSHIP = "leadership"


_CHAMBERS = {Audience.SENATE.value, Audience.HOUSE.value, Audience.LEGISLATURE.value}


class Variant(_Model):
    """One message template (Jinja2, sandboxed)."""

    id: str
    text: str
    platforms: list[Platform] | None = Field(
        default=None, min_length=1, description="limit this variant to some platforms"
    )
    suits: list[Audience] = Field(
        default=[Audience.EVERYONE],
        min_length=1,
        description="whom the text is written for: everyone, a chamber (senate, house, "
        "legislature), committee, sponsors or leadership",
    )

    def suits_chamber(self, chamber: str | None) -> bool:
        """Whether the bot may address this text to a target sitting in ``chamber``.

        The campaign's selectors chose its targets, so a text for committee members,
        sponsors or the leadership is the organiser's to aim; only a text written for
        a chamber ("Now it's the Senate's turn") is kept from the other chamber's people.
        """
        chambers = {a.value for a in self.suits} & _CHAMBERS
        if Audience.EVERYONE in self.suits or not chambers:
            return True
        return chamber in chambers

    def suits_constituents_of(self, chamber: str | None) -> bool:
        """Whether a supporter may send this to their own legislator of ``chamber``.

        Texts for committee members, sponsors or the leadership speak of a role
        the supporter's own legislator may not have: never.
        """
        if Audience.EVERYONE in self.suits:
            return True
        return chamber is not None and chamber in {a.value for a in self.suits}

    def suits_leader(self, chamber: str | None) -> bool:
        """Whether a supporter may send this to a leader of ``chamber`` (a Speaker, a floor
        leader, a presiding officer) on the supporter page's "The leadership".

        Texts for everyone or for the leadership do; so does one for the leader's
        chamber ("Now it's the Senate's turn"); texts for committee members or
        sponsors speak of a role the leader may not have: never.
        """
        wanted = {a.value for a in self.suits}
        if Audience.EVERYONE.value in wanted or Audience.LEADERSHIP.value in wanted:
            return True
        return chamber is not None and chamber in wanted & _CHAMBERS

    @field_validator("id")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return _line(value) or value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _paragraphs(value) or value


class QuietHours(_Model):
    """A daily window, in the campaign's timezone, in which nothing is posted."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # wraps past midnight


class Schedule(_Model):
    """When the campaign runs. Exactly one of ``cron``, ``interval`` or ``at``."""

    cron: str | None = Field(default=None, description="five fields: minute hour day month weekday")
    interval: Duration | None = None
    at: list[datetime] | None = Field(
        default=None, min_length=1, description="explicit local datetimes"
    )
    timezone: str = "UTC"
    start: date | None = None
    end: date | None = None
    quiet_hours: QuietHours | None = None
    posts_per_run: int = Field(default=1, ge=1, le=50)
    posts_per_day: int = Field(default=4, ge=1, le=500)
    missed: MissedRuns = MissedRuns.SKIP

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: object) -> object:
        return None if value is None else parse_duration(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if checks.utc_name(value):
            return "UTC"
        abbreviation = checks.timezone_problem(value)
        if abbreviation:
            raise ValueError(abbreviation)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r}; use an IANA name such as 'America/Chicago'"
            ) from None
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from bot.schedule.cron import check_cron

        check_cron(value)
        never = checks.cron_never_fires(value)
        if never:
            raise ValueError(never)
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Schedule:
        given = [name for name in ("cron", "interval", "at") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'cron', 'interval' or 'at' "
                f"(found {', '.join(given) if given else 'none'})"
            )
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if self.interval is not None and self.interval < parse_duration("5m"):
            minutes = int(self.interval.total_seconds() // 60)
            raise ValueError(
                f"interval must be at least 5m, not {minutes}m; write 5m or more, "
                "e.g. 30m, 6h or 1d"
            )
        if self.posts_per_run > self.posts_per_day:
            raise ValueError(
                f"posts_per_run ({self.posts_per_run}) is more than posts_per_day "
                f"({self.posts_per_day}), so a run could never make that many posts; "
                f"make posts_per_run at most {self.posts_per_day}, or raise posts_per_day"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Campaign(_Model):
    """One advocacy push: one file in ``campaigns/``."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64, description="lowercase letters, digits, '-'"
    )
    title: str
    enabled: bool = True
    bills: list[Bill] = Field(min_length=1)
    targets: TargetsSpec
    platforms: list[Platform] = Field(min_length=1)
    # Plain defaults, not default_factory=dict/list: pydantic copies a mutable default
    # for each instance all the same, and to see whether a factory takes arguments it
    # reads its signature, which for a builtin class means compiling the tokenizer's
    # patterns (some 3 ms of every validate).
    accounts: dict[Platform, str] = Field(
        default={}, description="which configured account posts on each platform"
    )
    messages: list[Variant] = Field(min_length=1)
    schedule: Schedule
    mentions_per_post: int = Field(default=2, ge=0, le=10)
    cooldown: Duration = timedelta(days=7)
    approval: Approval = Approval.NONE
    x_mentions: XMentions = Field(
        default=XMentions.TAG,
        description="on X: 'tag' legislators with their @handle, or 'name' them in plain text",
    )
    call_script: str | None = Field(default=None, description="what supporters say on the phone")
    call_scripts: dict[Literal["senate", "house", "legislature"], str] = Field(
        default={}, description="per-chamber call scripts; call_script for the other chambers"
    )
    steps: list[Step] = Field(
        default=[],
        description="what to do when a bill event happens (docs/bills.md)",
    )
    stop_on: tuple[str, ...] | None = Field(
        default=None,
        description="bill events that end the campaign (default: signed, veto_upheld, "
        "withdrawn; docs/bills.md)",
    )

    @field_validator("stop_on", mode="before")
    @classmethod
    def _stop_events(cls, value: object) -> object:
        from bot.bills.steps import event_kinds

        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise ValueError("give a list of bill events, e.g. [signed, veto_upheld, withdrawn]")
        return event_kinds(list(value))

    @field_validator("cooldown", mode="before")
    @classmethod
    def _cooldown(cls, value: object) -> object:
        return parse_duration(value)

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return _line(value) or value

    @field_validator("accounts")
    @classmethod
    def _account_names(cls, value: dict[Platform, str]) -> dict[Platform, str]:
        for platform, name in value.items():
            if not _ACCOUNT.fullmatch(name):
                raise ValueError(
                    f"{name[:60]!r} (for {platform.value}) is not an account name; use "
                    "lowercase letters, digits, '-' or '_' (at most 32), as in the "
                    "account's settings (X_<NAME>_API_KEY...)"
                )
        return value

    @field_validator("x_mentions", mode="before")
    @classmethod
    def _x_mentions(cls, value: object) -> object:
        problem = checks.x_mentions_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("call_script")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return _paragraphs(value)

    @field_validator("call_scripts")
    @classmethod
    def _scripts(cls, value: dict[str, str]) -> dict[str, str]:
        return {chamber: _paragraphs(text) or text for chamber, text in value.items()}

    @field_validator("platforms")
    @classmethod
    def _no_repeated_platform(cls, value: list[Platform]) -> list[Platform]:
        if len(set(value)) != len(value):
            raise ValueError("a platform is listed twice")
        return value

    @model_validator(mode="after")
    def _unique_variant_ids(self) -> Campaign:
        ids = [variant.id for variant in self.messages]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"message ids must be unique; repeated: {', '.join(repeated)}")
        return self

    @model_validator(mode="after")
    def _every_platform_has_a_message(self) -> Campaign:
        for platform in self.platforms:
            if not self.variants_for(platform):
                raise ValueError(
                    f"no message is for {platform.value}, so nothing would ever be posted there; "
                    f"add {platform.value} to a message's platforms, or remove it from the "
                    "campaign's platforms"
                )
        return self

    @model_validator(mode="after")
    def _coherent_steps(self) -> Campaign:
        names = [step.name for step in self.steps]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"steps must have different ids; repeated: {', '.join(repeated)} "
                "(give each step an 'id')"
            )
        variants = {variant.id for variant in self.messages}
        for step in self.steps:
            unknown = [m for m in step.messages or () if m not in variants]
            if unknown:
                raise ValueError(
                    f"step {step.name!r} names messages that do not exist: {', '.join(unknown)} "
                    f"(messages: {', '.join(sorted(variants))})"
                )
        from bot.bills.ident import bill_matches

        selectors = [*self.targets.select, *self.targets.exclude]
        for step in self.steps:
            selectors += step.selectors()
        for selector in selectors:
            for wanted in selector.bill or ():
                if not any(bill_matches(wanted, bill.key) for bill in self.bills):
                    known = ", ".join(bill.identifier for bill in self.bills)
                    raise ValueError(
                        f"a selector names bill {wanted!r}, which is not one of the "
                        f"campaign's bills ({known})"
                    )
        return self

    def account_for(self, platform: Platform) -> str:
        """The configured account name that posts on ``platform`` (``default`` unless set)."""
        return self.accounts.get(platform, "default")

    def variants_for(self, platform: Platform) -> list[Variant]:
        return [v for v in self.messages if v.platforms is None or platform in v.platforms]


PLATFORM_NAMES: tuple[str, ...] = tuple(p.value for p in Platform)
ApprovalLiteral = Literal["none", "required"]
