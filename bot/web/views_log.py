"""The post log: filters, pages, CSV export of exactly what is filtered, one post's detail.

Pages use LIMIT/OFFSET over :func:`bot.store.queries.log_query`, ordered by
``(created_at, id)`` (index ``ix_posts_created``; with a campaign,
``ix_posts_campaign_created``). The CSV export walks the same order by
keyset (``created_at, id`` below the last row sent), 500 rows at a time, with
the columns and record shape of ``advocacy-bot log --csv``
(:func:`bot.cli.log.post_record`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from sqlalchemy import and_, func, or_, select

from bot.cli.log import COLUMNS, STATUSES, post_record
from bot.store.models import Post, PostTarget
from bot.store.queries import LogFilter, list_posts, log_query
from bot.web import auth
from bot.web.app import db_session, state
from bot.web.stats import PLATFORMS

blueprint = Blueprint("log", __name__, url_prefix="/dashboard")
blueprint.before_request(auth.require_login)

PER_PAGE = 50
CSV_CHUNK = 500
FILTER_FIELDS = (
    "campaign",
    "bill",
    "platform",
    "account",
    "status",
    "person",
    "text",
    "since",
    "until",
)


@dataclass
class Filters:
    """The log's filters as the form gives them, and what they mean as a :class:`LogFilter`."""

    values: dict[str, str] = field(default_factory=dict)
    query: LogFilter = field(default_factory=LogFilter)
    problems: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(self.values.values())

    def args(self, **extra: object) -> dict[str, object]:
        """The query string for a link with the same filters."""
        return {**{k: v for k, v in self.values.items() if v}, **extra}


def _day(text: str, name: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{name}: {text!r} is not a date; use YYYY-MM-DD")
        return None


def parse_filters(args: dict[str, str]) -> Filters:
    values = {name: (args.get(name) or "").strip() for name in FILTER_FIELDS}
    problems: list[str] = []
    if values["platform"] and values["platform"] not in PLATFORMS:
        problems.append(f"platform: {values['platform']!r} is not a platform")
        values["platform"] = ""
    if values["status"] and values["status"] not in STATUSES:
        problems.append(f"status: {values['status']!r} is not a status")
        values["status"] = ""
    since = _day(values["since"], "from", problems)
    until = _day(values["until"], "to", problems)
    query = LogFilter(
        campaign=values["campaign"] or None,
        platform=values["platform"] or None,
        status=values["status"] or None,
        since=datetime.combine(since, time.min, UTC) if since else None,
        # "to" is inclusive: everything before the next day starts
        until=datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None,
        bill=values["bill"] or None,
        account=values["account"] or None,
        person=values["person"] or None,
        text=values["text"] or None,
    )
    return Filters(values, query, problems)


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _choices() -> dict[str, list[tuple[str, str]]]:
    """Options for the filter menus: from the campaign files, and who the log addressed."""
    campaigns = state().campaigns.all()
    campaign_ids = [c.campaign.id for c in campaigns]
    bills = list(dict.fromkeys(b.key for c in campaigns for b in c.campaign.bills))
    accounts = sorted({"default", *(a for c in campaigns for a in c.campaign.accounts.values())})
    people = db_session().execute(
        select(PostTarget.person_id, func.max(PostTarget.name))
        .group_by(PostTarget.person_id)
        .order_by(func.max(PostTarget.name))
        .limit(2000)
    )
    return {
        "campaign": [(i, i) for i in campaign_ids],
        "bill": [(b, b) for b in bills],
        "account": [(a, a) for a in accounts],
        "person": [(person_id, f"{name} ({person_id})") for person_id, name in people],
    }


@blueprint.route("/log")
def log() -> str:
    filters = parse_filters(request.args.to_dict())
    page = _page()
    session = db_session()
    found = list_posts(session, filters.query, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    total = session.scalar(
        select(func.count()).select_from(log_query(filters.query).order_by(None).subquery())
    )
    return render_template(
        "dashboard/log.html",
        filters=filters,
        posts=found[:PER_PAGE],
        page=page,
        has_next=len(found) > PER_PAGE,
        total=total or 0,
        per_page=PER_PAGE,
        choices=_choices(),
        platforms=PLATFORMS,
        statuses=STATUSES,
    )


def csv_rows(posts: list[Post]) -> list[dict[str, object]]:
    """Records as ``advocacy-bot log --csv`` writes them (targets as ``Name (@handle); Name``)."""
    rows = []
    for post in posts:
        record = post_record(post)
        record["targets"] = "; ".join(
            f"{t.name} (@{t.handle})" if t.handle else t.name for t in post.targets
        )
        rows.append(record)
    return rows


@blueprint.route("/log.csv")
def log_csv() -> Response:
    filters = parse_filters(request.args.to_dict())
    if filters.problems:
        abort(400, "; ".join(filters.problems))
    db = state().db
    stamp = state().config.clock.now().strftime("%Y%m%d-%H%M")

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        query = log_query(filters.query)
        last: tuple[datetime, int] | None = None
        while True:
            # Keyset pagination over (created_at, id), the log's order. Each chunk has its
            # own short session: no transaction (on SQLite, no lock) stays open while a
            # slow client downloads.
            page = query
            if last is not None:
                page = query.where(
                    or_(
                        Post.created_at < last[0],
                        and_(Post.created_at == last[0], Post.id < last[1]),
                    )
                )
            with db.new_session() as session:
                chunk = list(session.scalars(page.limit(CSV_CHUNK)))
                for row in csv_rows(chunk):
                    writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if len(chunk) < CSV_CHUNK:
                return
            last = (chunk[-1].created_at, chunk[-1].id)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="posts-{stamp}.csv"'
    return response


@blueprint.route("/posts/<int:post_id>")
def post_detail(post_id: int) -> str:
    post = db_session().get(Post, post_id)
    if post is None:
        abort(404, f"There is no post #{post_id} in the log.")
    return render_template("dashboard/post.html", post=post)
