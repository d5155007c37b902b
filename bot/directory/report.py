"""What ``advocacy-bot targets CAMPAIGN`` shows: whom a campaign addresses, per platform.

For each campaign platform and target: tagged with which handle and where the
handle came from (source, official or campaign account, when imported or
set), or, without a handle there, how a post names them instead: their name
as text (``Sen. Josh Hawley``), never an invented handle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.directory.resolve import resolve_targets

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.campaigns.loaded import LoadedCampaign


def target_report(loaded: LoadedCampaign, session: Session | None) -> dict[str, Any]:
    """The report as plain data (what ``--json`` prints)."""
    campaign = loaded.campaign
    resolution = resolve_targets(loaded, session)
    platforms = [str(p) for p in campaign.platforms]
    targets: list[dict[str, Any]] = []
    counts = {p: {"tagged": 0, "named": 0} for p in platforms}
    for person in resolution.people:
        layers = resolution.handle_details.get(person.id, {})
        per_platform: dict[str, Any] = {}
        for platform in platforms:
            info = layers.get(platform)
            handle = person.handle(platform)
            row: dict[str, Any] = {
                "tagged": handle is not None,
                "handle": handle,
                "named_as": None if handle else person.display_name,
            }
            if info is not None:
                row.update(
                    source=info.source,
                    kind=info.kind,
                    when=info.when.isoformat() if info.when else None,
                    note=info.note,
                )
                if info.handle is None:
                    row["why_not"] = f"no account there ({info.source})"
            if platform in person.untagged:
                row["why_not"] = person.untagged[platform]
            elif handle is None and "why_not" not in row:
                row["why_not"] = "no known handle"
            counts[platform]["tagged" if handle else "named"] += 1
            per_platform[platform] = row
        targets.append(
            {
                "id": person.id,
                "name": person.name,
                "display_name": person.display_name,
                "jurisdiction": person.jurisdiction,
                "state": person.state,
                "chamber": person.chamber,
                "district": person.district,
                "party": person.party,
                "matched_by": resolution.matched_by.get(person.id, []),
                "platforms": per_platform,
            }
        )
    selectors = [
        {"index": m_index, "selector": m.selector.describe(), "matches": len(m.ids)}
        for m_index, m in enumerate(resolution.matches)
    ]
    return {
        "campaign": campaign.id,
        "path": str(loaded.path),
        "platforms": platforms,
        "count": len(targets),
        "counts": counts,
        "selectors": selectors,
        "excluded": resolution.excluded,
        "targets": targets,
        "notes": resolution.notes,
    }


def render(report: dict[str, Any]) -> list[str]:
    """The report as lines of text for a terminal."""
    lines = [f"{report['campaign']} ({report['path']}): {report['count']} targets"]
    for item in report["selectors"]:
        lines.append(f"  select[{item['index']}] {item['selector']}: {item['matches']} people")
    if report["excluded"]:
        lines.append(f"  excluded: {', '.join(report['excluded'])}")
    for platform in report["platforms"]:
        count = report["counts"][platform]
        lines.append("")
        lines.append(f"{platform}: {count['tagged']} tagged, {count['named']} named in plain text")
        tagged = [t for t in report["targets"] if t["platforms"][platform]["tagged"]]
        named = [t for t in report["targets"] if not t["platforms"][platform]["tagged"]]
        width = max((len(t["platforms"][platform]["handle"]) for t in tagged), default=0) + 1
        for target in tagged:
            row = target["platforms"][platform]
            origin = ", ".join(
                part
                for part in (
                    row.get("source"),
                    row.get("kind"),
                    _day(row.get("when")),
                    row.get("note"),
                )
                if part
            )
            lines.append(
                f"  @{row['handle']:<{width}} {target['display_name']} ({target['id']})  [{origin}]"
            )
        for target in named:
            row = target["platforms"][platform]
            lines.append(
                f'  named as "{row["named_as"]}" ({target["id"]}): {row.get("why_not", "")}'
            )
    if report["notes"]:
        lines.append("")
        lines.extend(f"note: {note}" for note in report["notes"])
    return lines


def _day(when: str | None) -> str | None:
    return when[:10] if when else None
