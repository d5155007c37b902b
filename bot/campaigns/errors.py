"""Mistakes in campaign files, as one-line messages an organizer can act on.

Every problem the loader or the validator finds is a :class:`CampaignProblem`
(plain data, not an exception) naming the file, the line, the field and,
where there is one, the fix::

    campaigns/mo-sb792.yaml:14: schedule: unknown field 'schedual'. Fix: did you mean 'schedule'?

What is raised is :class:`CampaignLoadError`, holding the problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.errors import AdvocacyBotError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class CampaignProblem:
    """One problem in one file."""

    path: Path
    """The file the problem is in (a campaign file or its roster), as the user named it."""
    line: int | None
    """1-based line in :attr:`path`, where known."""
    field: str | None
    """Where in the file: ``messages[2].text``, ``schedule``. For a missing or unknown
    field this is the mapping that should (not) hold it; None at the top level."""
    message: str
    """What is wrong, in plain words."""
    hint: str | None = None
    """How to fix it, where the loader can tell."""
    severity: Severity = "error"
    """``error``: the campaign does not load (or run) until it is fixed. ``warning``:
    it loads and is valid, but probably not what the organizer meant (an ``end``
    date that has passed): ``validate`` prints it and still exits 0."""

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        where = f"{location}: {self.field}" if self.field else location
        text = f"{where}: {self.message}"
        if self.hint:
            end = "" if text.endswith((".", "?", "!")) else "."
            text = f"{text}{end} Fix: {self.hint}"
        return text


def campaign_warning(
    path: Path, line: int | None, field: str | None, message: str, hint: str | None = None
) -> CampaignProblem:
    """A :class:`CampaignProblem` of severity ``warning``."""
    return CampaignProblem(path, line, field, message, hint, severity="warning")


class CampaignLoadError(AdvocacyBotError):
    """A campaign could not be loaded; :attr:`errors` holds every problem (each a
    :class:`CampaignProblem`), and the message is one line per problem."""

    def __init__(self, errors: list[CampaignProblem]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors
        self.campaign_id: str | None = None
        """The id the broken campaign file gives, where it could be read."""


#: The name :class:`CampaignProblem` had before it was told apart from the exception
#: (:class:`CampaignLoadError`); kept so code written against it still runs.
CampaignError = CampaignProblem
