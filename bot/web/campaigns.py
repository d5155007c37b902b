"""Campaign files for the web app, reloaded when a file in the folder changes."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.campaigns.errors import CampaignProblem
from bot.campaigns.loaded import LoadedCampaign


class CampaignFiles:
    """The campaigns of one folder (and their rosters), cached by file times."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int], ...] | None = None
        self._campaigns: list[LoadedCampaign] = []
        self._errors: list[CampaignProblem] = []

    def _current_signature(self) -> tuple[tuple[str, int], ...]:
        if not self.folder.is_dir():
            return ()
        return tuple(
            sorted(
                (str(path), path.stat().st_mtime_ns)
                for path in self.folder.rglob("*")
                if path.suffix in (".yaml", ".yml", ".csv") and path.is_file()
            )
        )

    def _refresh(self) -> None:
        signature = self._current_signature()
        with self._lock:
            if signature == self._signature:
                return
            if not self.folder.is_dir():
                self._campaigns = []
                self._errors = [CampaignProblem(self.folder, None, None, "no campaigns folder")]
            else:
                from bot.campaigns.loader import load_campaigns

                self._campaigns, self._errors = load_campaigns([self.folder])
            self._signature = signature

    def all(self) -> list[LoadedCampaign]:
        """Every campaign that loads (enabled or not), in file order."""
        self._refresh()
        return list(self._campaigns)

    def errors(self) -> list[CampaignProblem]:
        self._refresh()
        return list(self._errors)

    def get(self, campaign_id: str) -> LoadedCampaign | None:
        return next((c for c in self.all() if c.campaign.id == campaign_id), None)
