"""``directory sync``: download legislator data from its public homes, then import it.

Where the data lives (each base URL can be changed through the environment,
which is how tests point ``sync`` at a local server):

``CONGRESS_LEGISLATORS_URL``  default ``https://theunitedstates.io/congress-legislators``:
    ``<base>/legislators-current.yaml`` and the three other files of
    :data:`bot.directory.importers.congress.FILES`.
``OPENSTATES_PEOPLE_API_URL`` default ``https://api.github.com/repos/openstates/people``:
    the GitHub contents API of the ``openstates/people`` repository, which
    lists a state's files: ``<base>/contents/data/<state>/legislature?ref=main``
    (and ``.../committees``) answer a JSON list of ``{"name", "path", "type"}``.
``OPENSTATES_PEOPLE_RAW_URL`` default ``https://raw.githubusercontent.com/openstates/people``:
    each listed file at ``<base>/<commit>/<path>`` (``data/mo/legislature/<name>.yml``).
    An old setting ending in ``/main`` still works: the ``/main`` is dropped.
``OPENSTATES_PEOPLE_REF``     default ``main``: the branch, tag or commit to read. A sync
    first asks GitHub which commit it names (``<api>/commits/<ref>``), then lists and
    downloads every file at that one commit, so a push during the sync cannot mix two
    versions of the data.
``GITHUB_TOKEN``              optional: raises GitHub's limit of 60 listings an hour.

Everything is downloaded to a temporary folder first and imported only when
all of it arrived, in one transaction: an interrupted or offline sync
changes nothing.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from sqlalchemy.orm import Session

from bot.directory.importers import congress, openstates
from bot.directory.importers.records import SourceData
from bot.directory.importers.writer import ImportResult, write
from bot.errors import AdvocacyBotError

CONGRESS_URL = "https://theunitedstates.io/congress-legislators"
OPENSTATES_API_URL = "https://api.github.com/repos/openstates/people"
OPENSTATES_RAW_URL = "https://raw.githubusercontent.com/openstates/people"
DEFAULT_TIMEOUT = 30.0
WORKERS = 8

#: ``progress(label, done, total)``: called as files arrive.
Progress = Callable[[str, int, int], None]


class SyncError(AdvocacyBotError):
    """A download failed; the message says what to do. Nothing was imported."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status that caused it, if any."""


@dataclass(frozen=True)
class Sources:
    """Where ``sync`` downloads from."""

    congress_url: str = CONGRESS_URL
    openstates_api_url: str = OPENSTATES_API_URL
    openstates_raw_url: str = OPENSTATES_RAW_URL
    openstates_ref: str = "main"
    github_token: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Sources:
        """Base URLs from settings or the environment (see the module's doc)."""
        return cls(
            congress_url=env.get("CONGRESS_LEGISLATORS_URL") or CONGRESS_URL,
            openstates_api_url=env.get("OPENSTATES_PEOPLE_API_URL") or OPENSTATES_API_URL,
            openstates_raw_url=_raw_base(
                env.get("OPENSTATES_PEOPLE_RAW_URL") or OPENSTATES_RAW_URL
            ),
            openstates_ref=env.get("OPENSTATES_PEOPLE_REF") or "main",
            github_token=env.get("GITHUB_TOKEN") or None,
        )


def _raw_base(url: str) -> str:
    """The raw-file base without a branch (``.../openstates/people``)."""
    url = url.rstrip("/")
    return url.removesuffix("/main")


_SHA = re.compile(r"^[0-9a-f]{40}$")


class Downloader:
    """Fetches files with timeouts, turning every failure into a :class:`SyncError`."""

    def __init__(
        self,
        sources: Sources,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: requests.Session | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.sources = sources
        self.timeout = timeout
        self.http = http or requests.Session()
        self.http.headers.setdefault("User-Agent", "advocacy-bot (directory sync)")
        self.progress = progress or (lambda label, done, total: None)
        self.commit: str | None = None
        """The commit of openstates/people being read, once resolved."""

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> requests.Response:
        host = urlsplit(url).netloc or url
        try:
            response = self.http.get(url, timeout=self.timeout, headers=dict(headers or {}))
        except requests.Timeout:
            raise SyncError(
                f"{host} did not answer within {self.timeout:g}s; try again later or with "
                "--timeout. Nothing was changed"
            ) from None
        except requests.ConnectionError as exc:
            raise SyncError(
                f"cannot reach {host}: this machine seems to be offline, or {host} is down "
                f"({_first_line(exc)}). Nothing was changed. You can also download the files "
                "yourself and run `advocacy-bot directory import PATH`"
            ) from None
        except requests.RequestException as exc:
            raise SyncError(f"downloading {url} failed: {_first_line(exc)}") from None
        if response.status_code == 403 and response.headers.get("X-RateLimit-Remaining") == "0":
            raise SyncError(
                f"{host} refused: its rate limit for anonymous listings is used up; wait an "
                "hour or set GITHUB_TOKEN. Nothing was changed"
            )
        if response.status_code != 200:
            raise SyncError(
                f"{url} answered HTTP {response.status_code}. Nothing was changed",
                status=response.status_code,
            )
        return response

    def save(self, url: str, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.get(url).content)
        return target

    def fetch_all(self, label: str, jobs: list[tuple[str, Path]]) -> None:
        """Download ``(url, target)`` pairs in parallel, reporting progress under ``label``."""
        done = 0
        self.progress(label, done, len(jobs))
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            futures = [pool.submit(self.save, url, target) for url, target in jobs]
            try:
                for future in as_completed(futures):
                    future.result()
                    done += 1
                    self.progress(label, done, len(jobs))
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def congress(self, folder: Path) -> dict[str, Path]:
        """congress-legislators' four files into ``folder``."""
        base = self.sources.congress_url.rstrip("/")
        jobs = [(f"{base}/{kind}.yaml", folder / f"{kind}.yaml") for kind in congress.FILES]
        self.fetch_all("Congress", jobs)
        return {kind: folder / f"{kind}.yaml" for kind in congress.FILES}

    def resolve_ref(self) -> str:
        """The commit ``OPENSTATES_PEOPLE_REF`` names (asked once per sync, then reused)."""
        if self.commit is not None:
            return self.commit
        ref = self.sources.openstates_ref.strip()
        if _SHA.match(ref.lower()):
            self.commit = ref.lower()
            return self.commit
        api = self.sources.openstates_api_url.rstrip("/")
        url = f"{api}/commits/{quote(ref, safe='')}"
        try:
            response = self.get(url, self._github_headers("application/vnd.github.sha"))
        except SyncError as exc:
            if exc.status in {404, 422}:
                raise SyncError(
                    f"openstates/people has no branch, tag or commit {ref!r} "
                    "(OPENSTATES_PEOPLE_REF). Nothing was changed"
                ) from None
            raise
        sha = response.text.strip().lower()
        if not _SHA.match(sha):
            raise SyncError(f"{url} did not answer a commit id. Nothing was changed")
        self.commit = sha
        return sha

    def _github_headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept}
        if self.sources.github_token:
            headers["Authorization"] = f"Bearer {self.sources.github_token}"
        return headers

    def state(self, state: str, folder: Path) -> Path:
        """Open States' ``data/<state>/`` (legislature and committees) into ``folder/<state>``,
        listed and downloaded at one commit (:meth:`resolve_ref`)."""
        code = state.lower()
        target = folder / code
        self.resolve_ref()
        jobs: list[tuple[str, Path]] = []
        parts = ["legislature", "committees"]
        if code in openstates.LT_GOVERNOR_PRESIDES:
            parts.append("executive")  # the lieutenant governor presiding over the senate
        for part in parts:
            for item in self._listing(code, part):
                jobs.append((self._raw(item["path"]), target / part / item["name"]))
        (target / "legislature").mkdir(parents=True, exist_ok=True)
        self.fetch_all(code.upper(), jobs)
        return target

    def _listing(self, code: str, part: str) -> list[dict[str, Any]]:
        api = self.sources.openstates_api_url.rstrip("/")
        url = f"{api}/contents/data/{code}/{part}?ref={self.resolve_ref()}"
        try:
            response = self.get(url, self._github_headers("application/vnd.github+json"))
        except SyncError as exc:
            if exc.status == 404:
                if part != "legislature":
                    return []
                raise SyncError(
                    f"Open States has no legislature data for {code.upper()} "
                    f"(no data/{code}/legislature in openstates/people)"
                ) from None
            raise
        try:
            items = response.json()
        except ValueError:
            raise SyncError(f"{url} did not answer a JSON listing") from None
        if not isinstance(items, list):
            raise SyncError(f"{url} did not answer a list of files")
        return [
            item
            for item in items
            if item.get("type") == "file" and str(item.get("name", "")).endswith((".yml", ".yaml"))
        ]

    def _raw(self, path: str) -> str:
        base = self.sources.openstates_raw_url.rstrip("/")
        return f"{base}/{self.resolve_ref()}/{path.lstrip('/')}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _relabel(data: SourceData, folder: Path, origin: str) -> None:
    """Name the downloaded ``data`` by its ``origin`` URL, not the temporary folder it sat in."""
    data.origin = origin
    prefix = str(folder)
    data.problems = [
        replace(p, file=origin + p.file[len(prefix) :]) if p.file.startswith(prefix) else p
        for p in data.problems
    ]
    for handle in data.handles or ():
        if handle.file.startswith(prefix):
            handle.file = origin + handle.file[len(prefix) :]


def sync(
    session: Session,
    *,
    congress_data: bool,
    states: Iterable[str],
    now: datetime,
    downloader: Downloader,
) -> list[ImportResult]:
    """Download Congress and/or the given states, then import them in ``session``."""
    today = now.date()
    with tempfile.TemporaryDirectory(prefix="advocacy-bot-sync-") as tmp:
        folder = Path(tmp)
        data: list[SourceData] = []
        sources = downloader.sources
        if congress_data:
            files = downloader.congress(folder / "congress-legislators")
            data.append(congress.read(files, today))
            _relabel(data[-1], folder / "congress-legislators", sources.congress_url)
        for state in dict.fromkeys(s.lower() for s in states):
            state_folder = downloader.state(state, folder / "openstates")
            data.append(openstates.read(state_folder, today, state=state))
            origin = f"{sources.openstates_raw_url}/{downloader.resolve_ref()}/data/{state}"
            _relabel(data[-1], state_folder, origin)
        return [write(session, item, now) for item in data]
