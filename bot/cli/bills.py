"""``advocacy-bot bills ...``: sync or import bills, show them and their steps.

Thin: parse, call :mod:`bot.bills`, print. See docs/bills.md.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.common import Progress, campaigns_folder, database, fail, settings, unknown

if TYPE_CHECKING:
    from bot.bills.sync import SyncReport
    from bot.bills.triggers import Firing
    from bot.campaigns.loaded import LoadedCampaign
    from bot.config import Settings


def _now() -> datetime:
    from bot.clock import SystemClock

    return SystemClock().now()


def _json(data: Any) -> None:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        return str(value)

    click.echo(json.dumps(data, indent=2, default=plain, ensure_ascii=False))


def _campaigns(config: Settings, folder: Path | None, quiet: bool = False) -> list[LoadedCampaign]:
    from bot.campaigns.loader import load_campaigns

    folder = folder or config.campaigns_dir
    if not folder.is_dir():
        return []
    loaded, errors = load_campaigns([folder])
    if not quiet:
        for error in errors:
            click.secho(f"skipped: {error}", fg="yellow", err=True)
    return loaded


@click.group()
def bills() -> None:
    """Sync bills from Congress.gov and Open States; show what the bot knows."""


@bills.command()
@click.argument("bill_names", nargs=-1, metavar="[BILL]...")
@click.option("--campaign", "campaign_id", help="Only this campaign's bills.")
@click.option("--campaigns", "folder", type=click.Path(path_type=Path), help="Campaigns folder.")
@click.option("--full", is_flag=True, help="Fetch every list again, even if unchanged.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds per request.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def sync(
    bill_names: tuple[str, ...],
    campaign_id: str | None,
    folder: Path | None,
    full: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Fetch every campaign bill (or BILL...) and fire the steps its events trigger.

    Congress from Congress.gov (CONGRESS_API_KEY), states from Open States
    (OPENSTATES_API_KEY). A bill that cannot be fetched keeps its cached copy,
    and the output says how old it is. Exit status 1 if any bill failed.
    """
    from bot.bills.ident import BillRef
    from bot.bills.report import UnknownBill, find_key
    from bot.bills.sync import Clients, Sources, campaign_bills
    from bot.bills.sync import sync as run_sync

    config = settings()
    try:
        sources = Sources.from_env(config.env)
    except ValueError as exc:
        fail(str(exc))
    where = folder or config.campaigns_dir
    if campaign_id or not bill_names:
        campaigns_folder(where)
    campaigns = _campaigns(config, folder, quiet=as_json)
    if campaign_id:
        ids = [c.campaign.id for c in campaigns]
        campaigns = [c for c in campaigns if c.campaign.id == campaign_id]
        if not campaigns:
            unknown("campaign", campaign_id, ids, f"in {where}")
    db = database(config)
    refs = campaign_bills(campaigns)
    if bill_names:
        with db.read_session() as session:
            try:
                keys = [find_key(session, n, [r.key for r in refs]) for n in bill_names]
            except UnknownBill as exc:
                fail(str(exc))
        refs = [BillRef.from_key(k) for k in dict.fromkeys(keys)]
    if not refs:
        fail("no bills to sync: no campaign names a bill (give BILL as us/119/S 1693)")
    progress = Progress("syncing", enabled=not as_json and sys.stderr.isatty())
    now = _now()
    report = run_sync(
        db,
        refs,
        clients=Clients.build(sources, timeout=timeout),
        now=now,
        full=full,
        campaigns=campaigns,
        mode=config.mode,
        progress=progress,
    )
    progress.close()
    if as_json:
        _json(_report_dict(report, now))
    else:
        _print_report(report, now)
    if not report.ok:
        raise SystemExit(1)


def _firing_dict(f: Firing) -> dict[str, Any]:
    """One step a sync or an import fired, as ``--json`` writes it."""
    return {
        "campaign": f.campaign_id,
        "step": f.step,
        "bill": f.bill,
        "event": f.event_key,
        "does": f.effects,
        "scheduled_for": f.scheduled_for,
        "posts": [{"platform": p.platform, "text": p.text} for p in f.posts],
        "notes": f.notes,
    }


def _report_dict(report: SyncReport, now: datetime) -> dict[str, Any]:
    return {
        "bills": [b.as_dict(now) for b in report.bills],
        "notes": report.notes,
        "requests": report.requests,
        "steps": [_firing_dict(f) for f in report.firings],
    }


def _print_report(report: SyncReport, now: datetime) -> None:
    from bot.bills.status import label
    from bot.bills.store import human_age

    for outcome in report.bills:
        if outcome.record is not None:
            record = outcome.record
            click.secho(f"{outcome.key}: {record.title}", bold=True)
            click.echo(f"  {label(record)}")
            for change in outcome.changes:
                click.echo(f"  {change}")
            for key in outcome.new_events:
                click.echo(f"  event: {key}")
        else:
            click.secho(f"{outcome.key}: not synced: {outcome.error}", fg="red")
            if outcome.cached_at is not None:
                age = human_age(now - outcome.cached_at)
                click.secho(
                    f"  using the cached copy fetched {outcome.cached_at:%Y-%m-%d %H:%M} UTC "
                    f"({age} old)",
                    fg="yellow",
                )
            else:
                click.secho("  no cached copy: its bill roles find nobody", fg="yellow")
    for note in report.notes:
        click.secho(f"note: {note}", fg="yellow")
    for firing in report.firings:
        click.secho(firing.summary(), fg="cyan")
        for post in firing.posts:
            click.echo(f"  [{post.platform}:{post.account}] {post.text}")
        for note in firing.notes:
            click.echo(f"  note: {note}")
    made = ", ".join(f"{n} {source}" for source, n in report.requests.items() if n)
    click.echo(f"requests: {made or 'none'}")


@bills.command("import")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE|FOLDER..."
)
@click.option("--campaigns", "folder", type=click.Path(path_type=Path), help="Campaigns folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_(paths: tuple[Path, ...], folder: Path | None, as_json: bool) -> None:
    """Fill the bill cache from saved API answers (no key, no network), as `sync` would.

    Congress.gov: the bill's answer and its /actions (and /committees, /cosponsors)
    answers; Open States: the bill's answer with its sponsorships and actions. A
    FOLDER means its *.json files. Events are recorded and campaign steps fire as
    after a sync. Exit status 1 if any file could not be used (the others are
    imported).
    """
    from bot.bills.importer import import_files

    config = settings()
    campaigns = _campaigns(config, folder, quiet=as_json)
    now = _now()
    report = import_files(
        database(config), list(paths), now=now, campaigns=campaigns, mode=config.mode
    )
    if as_json:
        _json(
            {
                "bills": [b.as_dict(now) for b in report.bills],
                "problems": report.problems,
                "notes": report.notes,
                "steps": [_firing_dict(f) for f in report.firings],
            }
        )
    else:
        from bot.bills.status import label

        for outcome in report.bills:
            assert outcome.record is not None
            click.secho(f"{outcome.key}: {outcome.record.title}", bold=True)
            click.echo(f"  {label(outcome.record)}")
            for change in outcome.changes:
                click.echo(f"  {change}")
            for key in outcome.new_events:
                click.echo(f"  event: {key}")
        for note in report.notes:
            click.secho(f"note: {note}", fg="yellow")
        for firing in report.firings:
            click.secho(firing.summary(), fg="cyan")
            for post in firing.posts:
                click.echo(f"  [{post.platform}:{post.account}] {post.text}")
        for problem in report.problems:
            click.secho(f"not imported: {problem}", fg="red", err=True)
        click.echo(f"imported {len(report.bills)} bill(s)")
    if not report.ok:
        raise SystemExit(1)


@bills.command()
@click.argument("bill")
@click.option("--campaigns", "folder", type=click.Path(path_type=Path), help="Campaigns folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def show(bill: str, folder: Path | None, as_json: bool) -> None:
    """What the bot knows about BILL (us/117/HR 21, or HR 21) and whom each bill role picks."""
    from bot.bills.report import UnknownBill, describe, find_key

    config = settings()
    keys = [b.key for c in _campaigns(config, folder, quiet=True) for b in c.campaign.bills]
    now = _now()
    with database(config).read_session() as session:
        try:
            data = describe(session, find_key(session, bill, keys), now)
        except UnknownBill as exc:
            fail(str(exc))
    if as_json:
        _json(data)
        return
    _print_bill(data)


def _print_bill(data: dict[str, Any]) -> None:
    click.secho(f"{data['bill']}: {data['title']}", bold=True)
    click.echo(f"  {data['status_label']} (since {data['status_date']})")
    stale = "  — stale: run `advocacy-bot bills sync`" if data["stale"] else ""
    click.echo(
        f"  from {data['source']}, fetched {data['fetched_at']:%Y-%m-%d %H:%M} UTC "
        f"({data['age']} ago){stale}"
    )
    if data["url"]:
        click.echo(f"  {data['url']}")
    for title, people in (("sponsors", data["sponsors"]), ("cosponsors", data["cosponsors"])):
        click.secho(f"{title} ({len(people)})", bold=True)
        for p in people:
            extra = f" since {p['since']}" if p["since"] else ""
            if p["withdrawn"]:
                extra += f", withdrew {p['withdrawn']}"
            where = p["directory"] or "not in the directory"
            click.echo(f"  {p['id'] or '-':<48} {p['name']}{extra} [{where}]")
    click.secho("committees", bold=True)
    for c in data["committees"]:
        now = "  ← now" if c["current"] else ""
        activity = c["activity"] or "referred"
        click.echo(f"  {c['id'] or '-':<48} {c['name']} ({c['chamber']}, {activity}){now}")
    click.secho("latest actions", bold=True)
    for a in data["latest_actions"]:
        click.echo(f"  {a['date']} {a['chamber'] or '':<9} {a['text']}")
    if data["hearings"]:
        click.secho("hearings", bold=True)
        for h in data["hearings"]:
            when = h["starts"] or h["day"]
            click.echo(f"  {when} {h['title']} ({', '.join(h['committees'])}) [{h['status']}]")
    click.secho("bill roles", bold=True)
    for role, people in data["roles"].items():
        shown = [f"{p['title'] or ''} {p['name']}".strip() for p in people[:8]]
        names = ", ".join(shown) or "nobody"
        more = f" and {len(people) - 8} more" if len(people) > 8 else ""
        click.echo(f"  {role} ({len(people)}): {names}{more}")
    for note in data["role_notes"]:
        click.secho(f"  note: {note}", fg="yellow")
    if data["events"]:
        click.secho("events", bold=True)
        for e in data["events"]:
            fired = "; ".join(f"{f['campaign']}/{f['step']} ({f['mode']})" for f in e["fired"])
            click.echo(f"  {e['day']} {e['key']}" + (f"  fired: {fired}" if fired else ""))


@bills.command()
@click.argument("campaign_id")
@click.option("--campaigns", "folder", type=click.Path(path_type=Path), help="Campaigns folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def steps(campaign_id: str, folder: Path | None, as_json: bool) -> None:
    """What each step of CAMPAIGN did, would do at the next sync, and would post, and when."""
    from bot.bills.report import steps_preview
    from bot.campaigns.errors import CampaignLoadError
    from bot.campaigns.loader import find_campaign

    config = settings()
    try:
        loaded = find_campaign(campaigns_folder(folder or config.campaigns_dir), campaign_id)
    except CampaignLoadError as exc:
        fail("\n".join(str(error) for error in exc.errors))
    if not loaded.campaign.steps:
        fail(f"campaign {campaign_id!r} has no steps (see docs/bills.md)")
    with database(config).read_session() as session:
        data = steps_preview(session, loaded, config.mode, _now())
        session.rollback()
    if as_json:
        _json(data)
        return
    for item in data:
        click.secho(
            f"step {item['step']}: on {', '.join(item['on'])} → {', '.join(item['does'])}",
            bold=True,
        )
        for f in item["fired"]:
            when = (
                f" post(s) for {f['scheduled_for']:%Y-%m-%d %H:%M} UTC"
                if f["scheduled_for"]
                else ""
            )
            click.echo(f"  fired {f['fired_at']:%Y-%m-%d %H:%M} by {f['bill']} {f['event']}{when}")
            if f["note"]:
                click.echo(f"    note: {f['note']}")
        for f in item["next_sync"]:
            when = f" at {f['scheduled_for']:%Y-%m-%d %H:%M} UTC" if f["scheduled_for"] else ""
            click.echo(f"  fires at the next sync: {f['bill']} {f['event']}{when}")
            for p in f["posts"]:
                click.echo(f"    [{p['platform']}] {p['text']}")
            for note in f["notes"]:
                click.echo(f"    note: {note}")
        for bill, people in item.get("targets_now", {}).items():
            shown = ", ".join(people[:6]) or "nobody"
            more = f" and {len(people) - 6} more" if len(people) > 6 else ""
            click.echo(f"  targets now, for {bill} ({len(people)}): {shown}{more}")
        preview = item.get("preview")
        if preview:
            click.echo(f"  would post {preview['when']} (sample for {preview['bill']}):")
            for p in preview["posts"]:
                click.echo(f"    [{p['platform']}] {p['text']}")
            for note in preview["notes"]:
                click.echo(f"    note: {note}")


@bills.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def list_(as_json: bool) -> None:
    """Every cached bill, where it stands and how old its data is."""
    from sqlalchemy import select

    from bot.bills.models import BillRow
    from bot.bills.status import LABELS
    from bot.bills.store import STALE_AFTER, human_age

    now = _now()
    with database().read_session() as session:
        rows = list(session.scalars(select(BillRow).order_by(BillRow.key)))
    data = [
        {
            "bill": r.key,
            "title": r.title,
            "status": r.status,
            "current_chamber": r.current_chamber,
            "fetched_at": r.fetched_at,
            "stale": now - r.fetched_at > STALE_AFTER,
        }
        for r in rows
    ]
    if as_json:
        _json(data)
        return
    if not data:
        click.echo("no bills yet: run `advocacy-bot bills sync`")
    for item, row in zip(data, rows, strict=True):
        age = human_age(now - row.fetched_at)
        stale = " (stale)" if item["stale"] else ""
        status = LABELS.get(row.status, row.status)
        click.echo(f"{row.key:<22} {status:<22} {age} old{stale}  {row.title[:60]}")
