"""``advocacy-bot directory ...`` and ``advocacy-bot targets CAMPAIGN``.

Thin: parse, call :mod:`bot.directory`, print. See docs/directory.md.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.common import Progress, campaigns_folder, database, fail, print_json, settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.campaigns.loaded import LoadedCampaign
    from bot.config import Settings
    from bot.directory.load import NoTag

PLATFORMS = click.Choice(["x", "facebook", "bluesky", "mastodon"])


def _now() -> datetime:
    from bot.clock import SystemClock

    return SystemClock().now()


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


#: A timeout in seconds: above zero.
TIMEOUT = click.FloatRange(min=0, min_open=True)


@click.group()
def directory() -> None:
    """Import, sync, search and correct the legislator directory."""


@directory.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_(paths: tuple[Path, ...], as_json: bool) -> None:
    """Import congress-legislators files and Open States state folders.

    PATHS: legislators-current.yaml and its sibling files (or their folder),
    Open States state folders (data/mo), or a folder of state folders.
    Re-importing updates people in place; people no longer listed become
    inactive. Organizer overrides are never touched.
    """
    from bot.directory.importers import DirectoryImportError, import_paths

    db = database()
    try:
        with db.session() as session:
            results = import_paths(session, paths, _now())
    except DirectoryImportError as exc:
        fail(f"{exc}. Nothing was imported.")
    _print_results(results, as_json)


#: How each kind of import problem is labelled, and its colour, in the order printed.
_PROBLEM_STYLE = {
    "skipped": "red",
    "dropped": "yellow",
    "conflict": "yellow",
    "cleaned": "cyan",
}


def _print_results(results: list[Any], as_json: bool) -> None:
    """Print each import's summary and every problem it reported (file, person, field).

    Exits 1, after printing everything, when a file or a record was skipped:
    the rest was imported, but someone must look at what was not.
    """
    skipped = sum(result.skipped_records for result in results)
    if as_json:
        _print_json([result.as_dict() for result in results])
    else:
        for result in results:
            click.echo(result.summary())
            for action, colour in _PROBLEM_STYLE.items():
                for problem in result.problems:
                    if problem.action == action:
                        click.secho(f"  {action}: {problem.line()}", fg=colour)
            for note in result.notes:
                click.secho(f"  note: {note}", fg="yellow")
        if skipped:
            click.secho(
                f"{skipped} file(s) or record(s) were skipped (listed above); everything else "
                "was imported. Fix them at their source, or supply the people with an overrides "
                "file (advocacy-bot directory load-overrides)",
                fg="red",
                err=True,
            )
    if skipped:
        raise SystemExit(1)


@directory.command()
@click.option("--congress", "with_congress", is_flag=True, help="Members of Congress.")
@click.option(
    "--state", "states", multiple=True, metavar="ST", help="A state's legislature (repeatable)."
)
@click.option(
    "--timeout", type=TIMEOUT, default=30.0, show_default=True, help="Seconds to wait per request."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def sync(with_congress: bool, states: tuple[str, ...], timeout: float, as_json: bool) -> None:
    """Download the directory's data from its public homes and import it.

    Congress from theunitedstates.io (congress-legislators), states from Open
    States' openstates/people. With neither --congress nor --state: Congress
    and every state already in the directory. Base URLs can be changed with
    CONGRESS_LEGISLATORS_URL, OPENSTATES_PEOPLE_API_URL, OPENSTATES_PEOPLE_RAW_URL.
    """
    from sqlalchemy import select

    from bot.directory import normalize
    from bot.directory.models import PersonRow
    from bot.directory.sync import Downloader, Sources, SyncError
    from bot.directory.sync import sync as run_sync

    try:
        wanted = [str(normalize.state(s)).lower() for s in states]
    except ValueError as exc:
        fail(str(exc))
    config = settings()
    db = database(config)
    if not with_congress and not wanted:
        with_congress = True
        with db.session() as session:
            query = select(PersonRow.jurisdiction).where(PersonRow.jurisdiction != "us")
            wanted = sorted(set(session.scalars(query.distinct())))
    progress = Progress("downloading", enabled=not as_json)
    downloader = Downloader(Sources.from_env(config.env), timeout=timeout, progress=progress)
    try:
        with db.session() as session:
            results = run_sync(
                session,
                congress_data=with_congress,
                states=wanted,
                now=_now(),
                downloader=downloader,
            )
    except SyncError as exc:
        progress.close()
        fail(str(exc))
    progress.close()
    _print_results(results, as_json)


@directory.command()
@click.argument("query")
@click.option("--limit", type=click.IntRange(min=1), default=25, show_default=True)
@click.option("--all", "include_inactive", is_flag=True, help="Include people no longer in office.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def search(query: str, limit: int, include_inactive: bool, as_json: bool) -> None:
    """Find people by name, state (MO), district (MO-3) or committee (SSJU, "senate judiciary")."""
    from bot.directory.search import find

    if not query.strip():
        fail('give a name, a state (MO), a district (MO-3) or a committee ("senate judiciary")')
    with database().read_session() as session:
        results = find(session, query, limit=limit, include_inactive=include_inactive)
    hits = results.hits
    if as_json:
        _print_json([hit.as_dict() for hit in hits])
        if results.truncated:
            click.echo(f"{len(hits)} of {results.total} shown; use --limit", err=True)
        return
    if not hits:
        click.echo(f"nobody matches {query!r}")
        return
    for hit in hits:
        p = hit.person
        seat = "-".join(part for part in (p.party and p.party[:1], p.state, p.district) if part)
        where = "Congress" if p.jurisdiction == "us" else (p.jurisdiction or "").upper()
        handles = " ".join(
            f"{platform}:{info.handle}" for platform, info in hit.handles.items() if info.handle
        )
        inactive = "" if hit.active else "  (no longer in office)"
        click.echo(f"{p.id:<48} {p.display_name} ({seat}, {where} {p.chamber}){inactive}")
        if handles:
            click.echo(f"{'':<48}   {handles}")
        for seat_text in hit.committees:
            click.echo(f"{'':<48}   {seat_text}")
    if results.truncated:
        click.secho(
            f"{len(hits)} of {results.total} shown; use --limit {results.total} to see all",
            fg="yellow",
        )


@directory.command()
@click.argument("person")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def show(person: str, as_json: bool) -> None:
    """Everything the directory knows about PERSON (an id or exact name), with provenance."""
    from sqlalchemy import select

    from bot.directory.load import load_entries
    from bot.directory.models import CommitteeMember, CommitteeRow, LeadershipRole

    with database().read_session() as session:
        person_id = _person_id(session, person)
        entry = load_entries(session, [person_id])[person_id]
        row = entry.row
        seats = session.execute(
            select(CommitteeRow.id, CommitteeRow.name, CommitteeMember.role)
            .join(CommitteeMember, CommitteeMember.committee_id == CommitteeRow.id)
            .where(CommitteeMember.person_id == person_id)
            .order_by(CommitteeRow.id)
        ).all()
        leadership = list(
            session.scalars(
                select(LeadershipRole.title).where(LeadershipRole.person_id == person_id)
            )
        )
        data = {
            "id": row.id,
            "name": row.name,
            "title": row.title,
            "source": row.source,
            "active": row.active,
            "jurisdiction": row.jurisdiction,
            "state": row.state,
            "chamber": row.chamber,
            "district": row.district,
            "party": row.party,
            "term": [str(row.term_start or ""), str(row.term_end or "")],
            "phone": row.phone,
            "email": row.email,
            "contact_form": row.contact_form,
            "office_address": row.office_address,
            "url": row.url,
            "handles": {
                platform: {
                    "handle": info.handle,
                    "source": info.source,
                    "kind": info.kind,
                    "when": info.when.isoformat() if info.when else None,
                    "note": info.note,
                }
                for platform, info in entry.handles.items()
            },
            "imported_handles": {p: i.handle for p, i in entry.imported.items()},
            "committees": [{"id": c, "name": n, "role": r} for c, n, r in seats],
            "leadership": leadership,
        }
    if as_json:
        _print_json(data)
        return
    status = "in office" if data["active"] else "no longer in office"
    click.echo(f"{row.title or ''} {row.name} ({row.id}), {status}".strip())
    for key in (
        "party",
        "jurisdiction",
        "state",
        "chamber",
        "district",
        "phone",
        "email",
        "contact_form",
        "office_address",
        "url",
        "source",
    ):
        if data[key]:
            click.echo(f"  {key}: {data[key]}")
    for platform, info in data["handles"].items():
        shown = f"@{info['handle']}" if info["handle"] else "(no account)"
        origin = ", ".join(str(v) for v in (info["source"], info["kind"], info["when"]) if v)
        click.echo(f"  {platform}: {shown}  [{origin}]")
    for title in leadership:
        click.echo(f"  leadership: {title}")
    for seat in data["committees"]:
        click.echo(f"  committee: {seat['name']} ({seat['id']}), {seat['role']}")


def _person_id(session: Session, reference: str) -> str:
    from bot.directory.overrides import find_person_id
    from bot.directory.search import search as run_search

    person_id = find_person_id(session, reference)
    if person_id is None:
        hits = run_search(session, reference, limit=5)
        hint = ""
        if hits:
            hint = "; did you mean " + ", ".join(
                f"{h.person.display_name} ({h.person.id})" for h in hits
            )
        fail(f"no person {reference!r} in the directory{hint}")
    return person_id


@directory.command("set-handle")
@click.argument("person")
@click.argument("platform", type=PLATFORMS)
@click.argument("handle", required=False)
@click.option("--none", "no_account", is_flag=True, help="Record that they have no account there.")
@click.option("--clear", is_flag=True, help="Remove the handle set earlier with set-handle.")
@click.option("--note", help="Where the handle comes from (kept as provenance).")
def set_handle(
    person: str,
    platform: str,
    handle: str | None,
    no_account: bool,
    clear: bool,
    note: str | None,
) -> None:
    """Set PERSON's HANDLE on PLATFORM, for every campaign; it wins over imported data."""
    from pydantic import ValidationError

    from bot.directory import overrides

    if sum(bool(x) for x in (handle, no_account, clear)) != 1:
        fail("give a HANDLE, or --none (no account there), or --clear")
    if clear and note is not None:
        fail("--note goes with a HANDLE or --none, not with --clear")
    with database().session() as session:
        person_id = _person_id(session, person)
        if clear:
            removed = overrides.clear_handle(session, person_id, platform)
            click.echo(f"removed {removed} {platform} override(s) for {person_id}")
            return
        try:
            overrides.set_handle(session, person_id, platform, handle, _now(), note=note)
        except ValidationError as exc:
            fail(exc.errors()[0]["msg"].removeprefix("Value error, "))
    shown = f"@{handle.lstrip('@')}" if handle else "no account"
    click.echo(f"{person_id} on {platform}: {shown} (source: set-handle)")


@directory.command("do-not-tag")
@click.argument("target", required=False)
@click.option("--platform", type=PLATFORMS, help="Only on this platform (default: all).")
@click.option("--reason", help="Why (who asked, when).")
@click.option("--remove", is_flag=True, help="Remove the entry instead.")
@click.option("--list", "show_list", is_flag=True, help="List the do-not-tag entries.")
@click.option("--json", "as_json", is_flag=True, help="With --list: print the list as JSON.")
def do_not_tag(
    target: str | None,
    platform: str | None,
    reason: str | None,
    remove: bool,
    show_list: bool,
    as_json: bool,
) -> None:
    """Never tag TARGET: a person (id or name), or an office's @handle (with --platform).

    Every campaign honours the list: such people are named in plain text
    instead of tagged. With no TARGET (or --list), print the list.
    Removing an entry that is not there is an error (exit 1).
    """
    from pydantic import ValidationError

    from bot.directory import overrides
    from bot.directory.load import do_not_tag_entries

    listing = show_list or target is None
    problem = _do_not_tag_conflict(show_list, target, platform, reason, remove, as_json)
    if problem:
        fail(problem)
    with database().session() as session:
        if listing:
            entries = do_not_tag_entries(session)
            if as_json:
                print_json([_no_tag_record(e) for e in entries])
                return
            if not entries:
                click.echo("the do-not-tag list is empty")
            for e in entries:
                click.echo(_no_tag_line(e))
            return
        assert target is not None
        is_handle = target.startswith("@")
        if not target.strip().lstrip("@").strip():
            fail(f"do-not-tag {target!r}: name a person (id or name) or an @handle")
        if is_handle and platform is None:
            fail("a handle needs --platform (x, facebook, bluesky or mastodon)")
        person_id = None if is_handle else _person_id(session, target)
        handle = target if is_handle else None
        if remove:
            count = overrides.remove_do_not_tag(
                session, person_id=person_id, platform=platform, handle=handle
            )
            if not count:
                fail(_nothing_to_remove(do_not_tag_entries(session), target, person_id, platform))
            click.echo(f"removed {count} do-not-tag entr{'y' if count == 1 else 'ies'}")
            return
        same = [
            e
            for e in do_not_tag_entries(session)
            if e.person_id == person_id
            and e.platform == platform
            and (e.handle or None) == (handle.lstrip("@") if handle else None)
        ]
        if same:
            click.echo(f"{target} is already on the do-not-tag list: {_no_tag_line(same[0])}")
            return
        try:
            overrides.add_do_not_tag(
                session,
                _now(),
                person_id=person_id,
                platform=platform,
                handle=handle,
                reason=reason,
            )
        except ValidationError as exc:
            fail(f"{target}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}")
    click.echo(f"{target} will not be tagged on {platform or 'any platform'}")


def _do_not_tag_conflict(
    show_list: bool,
    target: str | None,
    platform: str | None,
    reason: str | None,
    remove: bool,
    as_json: bool,
) -> str | None:
    """What is contradictory in a ``do-not-tag`` command line, or None."""
    changing = remove or reason is not None or platform is not None
    if show_list and (target is not None or changing):
        return "--list takes no TARGET, --remove, --reason or --platform"
    if target is None and changing:
        return "--remove, --reason and --platform need a TARGET (a person or an @handle)"
    if as_json and target is not None:
        return "--json goes with --list"
    if remove and reason is not None:
        return "--reason goes with adding an entry, not with --remove"
    return None


def _no_tag_record(entry: NoTag) -> dict[str, Any]:
    return {
        "person": entry.person_id,
        "handle": entry.handle,
        "platform": entry.platform,
        "reason": entry.reason,
        "source": entry.source,
    }


def _no_tag_line(entry: NoTag) -> str:
    who = entry.person_id or f"@{entry.handle}"
    where = entry.platform or "every platform"
    return f"{who} on {where}: {entry.reason or '(no reason given)'} [{entry.source}]"


def _nothing_to_remove(
    entries: list[NoTag], target: str, person_id: str | None, platform: str | None
) -> str:
    """Why ``do-not-tag --remove`` removed nothing, with the entries that do exist."""
    where = f"on {platform}" if platform else "on any platform"
    near = [
        e
        for e in entries
        if (person_id is not None and e.person_id == person_id)
        or (person_id is None and (e.handle or "").lower() == target.lstrip("@").lower())
    ]
    if near:
        shown = "; ".join(_no_tag_line(e) for e in near)
        return f"no do-not-tag entry for {target} {where}, so nothing was removed; found: {shown}"
    return (
        f"no do-not-tag entry for {target} {where}, so nothing was removed "
        "(`advocacy-bot directory do-not-tag --list` shows the list)"
    )


@directory.command("load-overrides")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def load_overrides(path: Path) -> None:
    """Load an overrides file (YAML or CSV) for every campaign; reloading replaces it."""
    from bot.directory.overrides import OverridesError
    from bot.directory.overrides import load_overrides as run_load

    try:
        with database().session() as session:
            result = run_load(session, path, _now())
    except OverridesError as exc:
        fail(str(exc))
    except UnicodeDecodeError as exc:
        fail(f"{path}: is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8")
    click.echo(
        f"{path}: {result.handles} handles, {result.people} people added, "
        f"{result.do_not_tag} do-not-tag entries, {result.leadership} leadership posts"
        + (f", {result.offices} offices" if result.offices else "")
    )
    if result.unknown_offices:
        click.secho(
            "  offices not stored, nobody of that name or id in the directory (import the "
            "state first, then load this file again): " + ", ".join(result.unknown_offices),
            fg="red",
        )
    if result.unknown_leaders:
        click.secho(
            "  leadership not stored, nobody of that name or id in the directory (import the "
            "state first, then load this file again): " + ", ".join(result.unknown_leaders),
            fg="red",
        )
    if result.unknown:
        click.secho(
            "  not in the directory yet (kept; they apply once imported): "
            + ", ".join(result.unknown),
            fg="yellow",
        )


@directory.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def status(as_json: bool) -> None:
    """What the directory holds, per source, and when each was last imported."""
    from sqlalchemy import func, select

    from bot.directory.models import DirectoryImport, DoNotTag, HandleOverride, PersonRow

    with database().read_session() as session:
        counts = session.execute(
            select(PersonRow.source, PersonRow.jurisdiction, PersonRow.active, func.count())
            .group_by(PersonRow.source, PersonRow.jurisdiction, PersonRow.active)
            .order_by(PersonRow.source, PersonRow.jurisdiction)
        ).all()
        last = session.execute(
            select(
                DirectoryImport.source, DirectoryImport.scope, func.max(DirectoryImport.finished_at)
            ).group_by(DirectoryImport.source, DirectoryImport.scope)
        ).all()
        overrides = session.scalar(select(func.count()).select_from(HandleOverride))
        no_tags = session.scalar(select(func.count()).select_from(DoNotTag))
    when = {(source, scope): at for source, scope, at in last}
    table: dict[tuple[str, str], dict[bool, int]] = {}
    for source, jurisdiction, active, count in counts:
        table.setdefault((source, jurisdiction), {})[bool(active)] = count
    if as_json:
        print_json(
            {
                "sources": [
                    {
                        "source": source,
                        "jurisdiction": jurisdiction,
                        "in_office": by_active.get(True, 0),
                        "inactive": by_active.get(False, 0),
                        "imported_at": _iso(when.get((source, jurisdiction))),
                    }
                    for (source, jurisdiction), by_active in table.items()
                ],
                "handle_overrides": overrides or 0,
                "do_not_tag": no_tags or 0,
            }
        )
        return
    if not counts:
        click.echo(
            "the directory is empty: run `advocacy-bot directory sync` or `directory import`"
        )
        return
    for (source, jurisdiction), by_active in table.items():
        at = when.get((source, jurisdiction))
        stamp = f", imported {at:%Y-%m-%d %H:%M} UTC" if at else ""
        click.echo(
            f"{source} {jurisdiction}: {by_active.get(True, 0)} in office, "
            f"{by_active.get(False, 0)} inactive{stamp}"
        )
    click.echo(f"organizer handle overrides: {overrides}; do-not-tag entries: {no_tags}")


def _iso(moment: datetime | None) -> str | None:
    """A UTC time from the database as ISO 8601 with its offset (the database keeps UTC)."""
    from datetime import UTC

    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _load_campaign(config: Settings, campaign_id: str) -> LoadedCampaign:
    """The campaign with ``campaign_id`` in the campaigns folder (tests replace this)."""
    from bot.campaigns.errors import CampaignLoadError
    from bot.campaigns.loader import find_campaign

    try:
        return find_campaign(campaigns_folder(config.campaigns_dir), campaign_id)
    except CampaignLoadError as exc:
        fail("\n".join(str(error) for error in exc.errors))


@click.command()
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def targets(campaign: str, as_json: bool) -> None:
    """Show whom CAMPAIGN (an id in the campaigns folder) resolves to, per platform.

    Who is tagged and with which handle (and where it came from), and who
    has no account on a platform, so a post names them in plain text. On
    Facebook every target is named in plain text, as posts do: a Page cannot
    tag people by handle.
    """
    from bot.directory.report import render, target_report

    config = settings()
    loaded = _load_campaign(config, campaign)
    with database(config).read_session() as session:
        report = as_posted(target_report(loaded, session))
    if as_json:
        _print_json(report)
        return
    for line in render(report):
        click.echo(line)


#: Why a Facebook post names a target in plain text even with a known Page.
FACEBOOK_NAMES = "named in plain text; Facebook does not tag"


def as_posted(report: dict[str, Any]) -> dict[str, Any]:
    """``report`` saying what posts do: on Facebook nobody is tagged, everyone is named.

    The directory knows many legislators' Facebook Pages, but a Page cannot
    tag people by handle (bot/compose/mentions.py, ``tag_handle``), so posts
    name them in plain text; the report must not say "tagged @57599145372".
    The known Page stays in ``handle``.
    """
    if "facebook" not in report["platforms"]:
        return report
    for target in report["targets"]:
        row = target["platforms"]["facebook"]
        if row["tagged"]:
            row["tagged"] = False
            row["named_as"] = target["display_name"]
            row["why_not"] = f"{FACEBOOK_NAMES} (its Page: {row['handle']})"
        elif not row.get("why_not", "").startswith(FACEBOOK_NAMES):
            row["why_not"] = f"{FACEBOOK_NAMES}; {row.get('why_not') or 'no known Page'}"
    report["counts"]["facebook"] = {"tagged": 0, "named": len(report["targets"])}
    return report
