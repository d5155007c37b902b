"""``directory sync`` against a local server laid out like the data's public homes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import cli
from bot.directory.models import CommitteeMember, PersonHandle, PersonRow
from bot.directory.sync import Downloader, Sources, SyncError, sync
from bot.store.db import Database
from tests.directory.conftest import NOW, raw_state_people
from tests.fakes.opendata import COMMIT, OpenDataServer


@pytest.fixture
def server(shared_data: Path) -> Iterator[OpenDataServer]:
    with OpenDataServer(shared_data) as fake:
        yield fake


def downloader(server: OpenDataServer, timeout: float = 10.0) -> Downloader:
    return Downloader(Sources.from_env(server.env()), timeout=timeout)


def people(db: Database, jurisdiction: str) -> int:
    with db.session() as session:
        query = (
            select(func.count())
            .select_from(PersonRow)
            .where(PersonRow.jurisdiction == jurisdiction)
        )
        return session.scalar(query) or 0


def test_sync_congress_and_a_state(
    db: Database, server: OpenDataServer, shared_data: Path, raw_congress: dict
) -> None:
    progress: list[tuple[str, int, int]] = []
    fetch = downloader(server)
    fetch.progress = lambda label, done, total: progress.append((label, done, total))
    with db.session() as session:
        results = sync(session, congress_data=True, states=["MO"], now=NOW, downloader=fetch)
    assert [(r.source, r.scope) for r in results] == [
        ("congress-legislators", "us"),
        ("openstates", "mo"),
    ]
    assert people(db, "us") == len(raw_congress["legislators-current"])
    assert people(db, "mo") == len(raw_state_people(shared_data, "mo"))
    assert results[1].memberships > 0
    assert results[0].origin == f"{server.url}/congress-legislators"
    # Progress reached the end of each group.
    assert ("Congress", 4, 4) in progress
    mo_files = len(list((shared_data / "openstates" / "mo" / "legislature").glob("*.yml")))
    mo_files += len(list((shared_data / "openstates" / "mo" / "committees").glob("*.yml")))
    assert ("MO", mo_files, mo_files) in progress
    listings = [p for p in server.requests if p.startswith("/repos/")]
    assert listings == [
        "/repos/openstates/people/commits/main",
        f"/repos/openstates/people/contents/data/mo/legislature?ref={COMMIT}",
        f"/repos/openstates/people/contents/data/mo/committees?ref={COMMIT}",
        f"/repos/openstates/people/contents/data/mo/executive?ref={COMMIT}",
    ]
    raw = [p for p in server.requests if p.startswith("/openstates/")]
    assert raw and all(p.startswith(f"/openstates/people/{COMMIT}/data/mo/") for p in raw)
    assert results[1].origin.endswith(f"/openstates/people/{COMMIT}/data/mo")


def test_sync_reports_problems_by_the_url_they_came_from(
    db: Database, server: OpenDataServer
) -> None:
    """Not by the temporary folder the download sat in, which is gone when sync ends."""
    with db.session() as session:
        [result] = sync(
            session, congress_data=True, states=[], now=NOW, downloader=downloader(server)
        )
    base = f"{server.url}/congress-legislators"
    by_action = {p.action: p for p in result.problems}
    # the real data lists one Facebook page for two senators, and one contact form as hhttps://
    assert by_action["conflict"].file == f"{base}/legislators-social-media.yaml"
    assert by_action["dropped"].file == f"{base}/legislators-current.yaml"
    assert all(p.file.startswith(base) for p in result.problems)


def test_sync_equals_import(db: Database, full_db: Database, server: OpenDataServer) -> None:
    with db.session() as session:
        sync(session, congress_data=True, states=["co"], now=NOW, downloader=downloader(server))

    def view(database: Database) -> tuple[list[tuple], list[tuple], int]:
        with database.session() as session:
            rows = sorted(
                (r.id, r.name, r.party, r.chamber, r.district)
                for r in session.scalars(
                    select(PersonRow).where(PersonRow.jurisdiction.in_(["us", "co"]))
                )
            )
            handles = sorted(
                (h.person_id, h.platform, h.handle)
                for h in session.scalars(
                    select(PersonHandle)
                    .join(PersonRow)
                    .where(PersonRow.jurisdiction.in_(["us", "co"]))
                )
            )
            seats = session.scalar(
                select(func.count())
                .select_from(CommitteeMember)
                .join(PersonRow)
                .where(PersonRow.jurisdiction.in_(["us", "co"]))
            )
        return rows, handles, seats or 0

    assert view(db) == view(full_db)


def test_offline_is_a_clear_message_and_changes_nothing(db: Database) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sources = Sources(congress_url=f"http://127.0.0.1:{port}/congress-legislators")
    with (
        pytest.raises(
            SyncError, match=r"cannot reach 127\.0\.0\.1:\d+: this machine seems to be offline"
        ),
        db.session() as session,
    ):
        sync(
            session,
            congress_data=True,
            states=[],
            now=NOW,
            downloader=Downloader(sources, timeout=2),
        )
    assert people(db, "us") == 0


def test_timeout_is_reported(db: Database, server: OpenDataServer) -> None:
    server.delay = 1.0
    with pytest.raises(SyncError, match=r"did not answer within 0\.2s"), db.session() as session:
        sync(
            session,
            congress_data=True,
            states=[],
            now=NOW,
            downloader=downloader(server, timeout=0.2),
        )


def test_a_failure_midway_imports_nothing(db: Database, server: OpenDataServer) -> None:
    server.fail_paths = [f"/openstates/people/{COMMIT}/data/mo/committees/"]
    with pytest.raises(SyncError, match="HTTP 500"), db.session() as session:
        sync(session, congress_data=True, states=["mo"], now=NOW, downloader=downloader(server))
    assert people(db, "us") == people(db, "mo") == 0


def test_a_state_without_data(db: Database, server: OpenDataServer) -> None:
    with (
        pytest.raises(SyncError, match="Open States has no legislature data for KS"),
        db.session() as session,
    ):
        sync(session, congress_data=False, states=["ks"], now=NOW, downloader=downloader(server))


def test_cli_sync(tmp_path: Path, server: OpenDataServer, shared_data: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", **server.env()}
    runner = CliRunner()
    result = runner.invoke(cli, ["directory", "sync", "--state", "CO", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert '"scope": "co"' in result.output and '"scope": "us"' not in result.output
    # With no option: Congress, plus every state already in the directory.
    result = runner.invoke(cli, ["directory", "sync"], env=env)
    assert result.exit_code == 0, result.output
    assert "congress-legislators Congress: 537 people" in result.output
    assert (
        f"openstates CO: {len(raw_state_people(shared_data, 'co'))} people (0 new" in result.output
    )


def test_cli_sync_offline(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "CONGRESS_LEGISLATORS_URL": f"http://127.0.0.1:{port}/x",
    }
    result = CliRunner().invoke(cli, ["directory", "sync", "--congress", "--timeout", "2"], env=env)
    assert result.exit_code == 1
    assert "error: cannot reach 127.0.0.1" in result.output
    assert "Nothing was changed" in result.output


def test_cli_sync_rejects_a_bad_state(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    result = CliRunner().invoke(cli, ["directory", "sync", "--state", "ZZ"], env=env)
    assert result.exit_code == 1 and "'ZZ' is not a state" in result.output


def test_the_ref_pins_listings_and_files_to_one_commit(
    db: Database, server: OpenDataServer
) -> None:
    """OPENSTATES_PEOPLE_REF names a commit: the listing and every raw file are read there
    (before, the raw files came from main whatever the ref, so a sync could mix two commits)."""
    pinned = "0123456789abcdef0123456789abcdef01234567"
    server.refs = {"main": COMMIT, "v2026": pinned}
    fetch = Downloader(Sources.from_env({**server.env(), "OPENSTATES_PEOPLE_REF": "v2026"}))
    with db.session() as session:
        sync(session, congress_data=False, states=["co"], now=NOW, downloader=fetch)
    asked = [p for p in server.requests if "/commits/" not in p]
    assert asked and all(pinned in p for p in asked), asked
    assert people(db, "co") > 0


def test_a_commit_ref_is_used_without_asking(db: Database, server: OpenDataServer) -> None:
    fetch = Downloader(Sources.from_env({**server.env(), "OPENSTATES_PEOPLE_REF": COMMIT}))
    with db.session() as session:
        sync(session, congress_data=False, states=["co"], now=NOW, downloader=fetch)
    assert not any("/commits/" in p for p in server.requests)
    assert all(COMMIT in p for p in server.requests)


def test_an_unknown_ref_says_so(db: Database, server: OpenDataServer) -> None:
    fetch = Downloader(Sources.from_env({**server.env(), "OPENSTATES_PEOPLE_REF": "nope"}))
    with pytest.raises(SyncError, match="no branch, tag or commit 'nope'"), db.session() as s:
        sync(s, congress_data=False, states=["co"], now=NOW, downloader=fetch)


def test_an_old_raw_url_setting_ending_in_main_still_works() -> None:
    env = {"OPENSTATES_PEOPLE_RAW_URL": "https://raw.example/openstates/people/main/"}
    assert Sources.from_env(env).openstates_raw_url == "https://raw.example/openstates/people"
