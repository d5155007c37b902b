"""The post log: filters, pages, CSV export of exactly what is filtered, one post's detail.

A page costs what it shows, whatever the size of the log (bot.store.logs):

- pages go by key, newest first over ``(created_at, id)`` (index
  ``ix_posts_created``; with a filter, that filter's index): "Older" links
  carry ``before=<id>`` of the page's last post, "Newer" ``after=<id>`` of
  its first, never an OFFSET that reads every skipped row;
- the count above the table counts at most :data:`COUNT_CAP` matches and
  says "more than" beyond, instead of counting the whole log on every view
  (a text search is not counted at all: bot.store.search narrows it to the
  posts holding its rarest pieces, or reads newest first until a page is full);
- the legislator menu lists the people the log addressed by a loose index
  scan (one seek per person), not a GROUP BY over every target.

The CSV export streams the same order by key, written by the database a chunk
at a time (bot.store.exports), with the columns of ``advocacy-bot log --csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from bot.posts import STATUSES
from bot.store.exports import csv_texts, export_chunks, pooled
from bot.store.logs import (
    Key,
    LogFilter,
    count_matching,
    list_posts,
    logged_people,
    post_key,
)
from bot.store.models import Post
from bot.web import auth
from bot.web.context import db_session, state
from bot.web.stats import PLATFORMS

blueprint = Blueprint("log", __name__, url_prefix="/dashboard")
blueprint.before_request(auth.require_login)

PER_PAGE = 50
#: The count above the table stops here ("more than 1,000 posts match").
COUNT_CAP = 1000
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


def _post_id(name: str) -> int | None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _choices() -> dict[str, list[tuple[str, str]]]:
    """Options for the filter menus: from the campaign files, and who the log addressed."""
    campaigns = state().campaigns.all()
    campaign_ids = [c.campaign.id for c in campaigns]
    bills = list(dict.fromkeys(b.key for c in campaigns for b in c.campaign.bills))
    accounts = sorted({"default", *(a for c in campaigns for a in c.campaign.accounts.values())})
    people = logged_people(db_session())
    return {
        "campaign": [(i, i) for i in campaign_ids],
        "bill": [(b, b) for b in bills],
        "account": [(a, a) for a in accounts],
        "person": [(person_id, f"{name} ({person_id})") for person_id, name in people],
    }


@blueprint.route("/log")
def log() -> str:
    filters = parse_filters(request.args.to_dict())
    session = db_session()
    before, after = _post_id("before"), _post_id("after")
    wanted = before or after
    anchor: Key | None = post_key(session, wanted) if wanted else None
    posts: list[Post] = []
    newer = older = False
    if anchor is not None and after:
        found = list_posts(session, filters.query, limit=PER_PAGE + 1, after=anchor)
        if len(found) > PER_PAGE:  # a full page of newer posts, and more above it
            posts, newer, older = found[1:], True, True
    elif anchor is not None:
        found = list_posts(session, filters.query, limit=PER_PAGE + 1, before=anchor)
        posts, newer, older = found[:PER_PAGE], True, len(found) > PER_PAGE
    if not posts and not (anchor is not None and before):
        # The first page (also where "Newer" lands when fewer than a page are newer).
        found = list_posts(session, filters.query, limit=PER_PAGE + 1)
        posts, newer, older = found[:PER_PAGE], False, len(found) > PER_PAGE
    # A text search is not counted: its page reads what the index offers, or reads
    # newest first until the page is full; a count would read every match.
    total, more = (
        (None, False) if filters.query.text else count_matching(session, filters.query, COUNT_CAP)
    )
    return render_template(
        "dashboard/log.html",
        filters=filters,
        posts=posts,
        newer=newer,
        older=older,
        total=total,
        more=more,
        per_page=PER_PAGE,
        choices=_choices(),
        platforms=PLATFORMS,
        statuses=STATUSES,
    )


@blueprint.route("/log.csv")
def log_csv() -> Response:
    filters = parse_filters(request.args.to_dict())
    if filters.problems:
        abort(400, "; ".join(filters.problems))
    db = state().db
    stamp = state().config.clock.now().strftime("%Y%m%d-%H%M")

    # Written by the database a chunk at a time, each chunk one SELECT on a connection
    # of the pool: no transaction (on SQLite, no lock) stays open while a slow client
    # downloads.
    chunks = export_chunks(pooled(db.engine), db.engine.dialect.name, filters.query)
    generate = csv_texts(chunks)

    response = Response(stream_with_context(generate), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="posts-{stamp}.csv"'
    return response


@blueprint.route("/posts/<int:post_id>")
def post_detail(post_id: int) -> str:
    post = db_session().get(Post, post_id)
    if post is None:
        abort(404, f"There is no post #{post_id} in the log.")
    return render_template("dashboard/post.html", post=post)
