"""Every dashboard and supporter page, as a person waits for it: an HTTP request.

The real app (:mod:`bench.serve`: Flask under waitress, in its own process on
127.0.0.1) over the filled log of bench/log.py at two sizes (10,000 and
1,000,000 posts; quick: 1,000 and 50,000), both served at once and asked by
a real client (``http.client``, a kept-alive connection to each), each page
of one size then the other, in turn, several times; the median time from
sending the request to the last byte of the answer.

Budget, per page: the time at the larger size at most 2x the time at the
smaller (a page costs what it shows, not what the log holds), and at most
150 ms (shown in the note; judged in full runs only, a quick run's machine
may be a busy CI box).

The approvals pages are measured on their own, after the others, with the
same number of held posts at both sizes: 10,000 (the issue's figure; quick:
1,000), the newest posts of each log, so at 10,000 posts every post is held.
The first page, a deep page (``?after=`` the held post in the middle of the
queue) and one campaign's page. The other pages are measured with half the
smaller log held (5,000; quick: 500). :func:`hold` records what it changes
and puts it back first, so a kept log (bench/pg.py) keeps its fill.
"""

from __future__ import annotations

import http.client
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.common import PYTHON, ROOT, Report, Row
from bench.log import NOW, SECONDS_PER_POST, SIZES, filled

BUDGET = 2.0
LIMIT_MS = 150.0
#: An example campaign (campaigns/), for the supporter pages.
SUPPORTER_CAMPAIGN = "us-s1693-online-trafficking"


@dataclass(frozen=True)
class Page:
    name: str
    path: str


def pages(path: Path, small: int | None = None) -> list[Page]:
    """The pages to ask for, with ids taken from the filled log at ``path``; ``small``: the
    smaller log's size (:func:`pages_around`)."""
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute("SELECT count(*) FROM posts").fetchone()
        (middle,) = connection.execute(
            "SELECT id FROM posts ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?",
            (count // 2,),
        ).fetchone()
    return pages_around(middle, small)


def since_day(small: int | None) -> str:
    """The day "four filters" asks from: a week ago, or the smaller log's first whole day
    when it is shorter than a week.

    A quick run's smaller log (1,000 posts) is 17 hours long: from a week ago it
    showed 14 posts and the larger log a full page of 50, so the ratio compared
    pages of unlike length. From the smaller log's first whole day both show the
    same hours, as many posts (one every 63 s at either size).
    """
    week = (NOW - timedelta(days=7)).date()
    if small is None or timedelta(seconds=SECONDS_PER_POST * small) >= timedelta(days=7):
        return week.isoformat()
    first = (NOW - timedelta(seconds=SECONDS_PER_POST * small)).date() + timedelta(days=1)
    return max(week, first).isoformat()


def pages_around(middle: int, small: int | None = None) -> list[Page]:
    """The pages to ask for, ``middle`` the id of the post in the middle of the log,
    ``small`` the smaller log's size (None: "four filters" asks for the last week)."""
    week = (NOW - timedelta(days=7)).date().isoformat()
    since = since_day(small)
    c = SUPPORTER_CAMPAIGN
    return [
        Page("overview", "/dashboard/"),
        Page("log: first page", "/dashboard/log"),
        Page("log: a deep page (the middle of the log)", f"/dashboard/log?before={middle}"),
        Page("log: campaign", "/dashboard/log?campaign=campaign-07"),
        Page("log: platform", "/dashboard/log?platform=x"),
        Page("log: status failed", "/dashboard/log?status=failed"),
        Page("log: bill", "/dashboard/log?bill=" + quote("us/119/S 2")),
        Page("log: account", "/dashboard/log?account=youth"),
        Page("log: legislator", "/dashboard/log?person=P100"),
        Page("log: from a week ago", f"/dashboard/log?since={week}"),
        Page(
            "log: four filters",
            f"/dashboard/log?campaign=campaign-07&platform=x&status=posted&since={since}",
        ),  # fmt: skip
        Page("log: text search", "/dashboard/log?text=" + quote("P123 please")),
        Page("post detail", f"/dashboard/posts/{middle}"),
        Page("what goes out next", "/dashboard/next"),
        Page("supporter page", f"/c/{c}"),
        Page("act page", f"/c/{c}/act?state=CO&us_house=5"),
        Page("feed", f"/c/{c}/feed.atom"),
    ]


def approvals_pages(middle: int) -> list[Page]:
    """The approvals pages, ``middle`` the id of the held post in the middle of the queue."""
    return [
        Page("approvals (held posts)", "/dashboard/approvals"),
        Page("approvals: a deep page (the middle of the queue)", f"/dashboard/approvals?after={middle}"),  # noqa: E501
        Page("approvals: campaign", "/dashboard/approvals?campaign=campaign-07"),
    ]  # fmt: skip


#: Held posts for the approvals pages (issue 17: 10,000), at most the smaller log.
APPROVALS_HELD = 10_000

#: What :func:`hold` runs, ``?`` a parameter (bench/postgres.py runs it on PostgreSQL):
#: put back what the last hold changed (and make any other held post queued, as holds
#: did before they were recorded), then record and hold the newest posts.
HOLD = [
    "CREATE TABLE IF NOT EXISTS bench_held (id INTEGER PRIMARY KEY, status VARCHAR(16),"
    " reason TEXT)",
    "UPDATE posts SET status = (SELECT b.status FROM bench_held b WHERE b.id = posts.id),"
    " reason = (SELECT b.reason FROM bench_held b WHERE b.id = posts.id)"
    " WHERE id IN (SELECT id FROM bench_held)",
    "DELETE FROM bench_held",
    "UPDATE posts SET status = 'queued' WHERE status = 'held'",
    "INSERT INTO bench_held (id, status, reason) SELECT id, status, reason FROM posts"
    " ORDER BY created_at DESC, id DESC LIMIT ?",
    "UPDATE posts SET status = 'held', reason = 'approval required'"
    " WHERE id IN (SELECT id FROM bench_held)",
]
#: The held post in the middle of the queue, ``?`` half the held posts.
MIDDLE_HELD = (
    "SELECT id FROM posts WHERE status = 'held' ORDER BY scheduled_for, id LIMIT 1 OFFSET ?"
)


def hold(path: Path, count: int) -> None:
    """Make the newest ``count`` posts ``held`` (waiting for approval), putting back first
    the posts the last hold changed."""
    with sqlite3.connect(path) as connection:
        for statement in HOLD:
            connection.execute(statement, (count,) if "?" in statement else ())


def held_middle(path: Path, count: int) -> int:
    with sqlite3.connect(path) as connection:
        (middle,) = connection.execute(MIDDLE_HELD, (count // 2,)).fetchone()
    return int(middle)


@contextmanager
def serving(path: Path | str) -> Iterator[int]:
    """The app over ``path`` (a SQLite file, or a database URL) in its own process; yields
    its port."""
    process = subprocess.Popen(
        [PYTHON, "-m", "bench.serve", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield port
    finally:
        process.terminate()
        process.wait(10)


def get(connection: http.client.HTTPConnection, path: str) -> tuple[float, int, int]:
    """(seconds to the last byte, status, bytes) of one GET."""
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    return time.perf_counter() - start, response.status, len(body)


def measure(
    paths: Sequence[Path | str], wanted: list[list[Page]], repeat: int
) -> list[dict[str, float]]:
    """Median seconds per page over each log of ``paths``, the logs' requests interleaved.

    Both servers run at once and each page is asked of one, then the other,
    in turn: the machine's load, which comes and goes, weighs on both sizes
    alike, so their ratio holds.
    """
    with serving(paths[0]) as first, serving(paths[1]) as second:
        connections = [
            http.client.HTTPConnection("127.0.0.1", port, timeout=600) for port in (first, second)
        ]
        samples: list[dict[str, list[float]]] = [{}, {}]
        for index in range(len(wanted[0])):
            for side, connection in enumerate(connections):
                page = wanted[side][index]
                _, status, _ = get(connection, page.path)  # warm: templates, statements, cache
                if status >= 400:
                    raise RuntimeError(f"{page.path}: HTTP {status}")
            for _ in range(repeat):
                for side, connection in enumerate(connections):
                    page = wanted[side][index]
                    samples[side].setdefault(page.name, []).append(get(connection, page.path)[0])
        for connection in connections:
            connection.close()
    return [{name: statistics.median(times) for name, times in side.items()} for side in samples]


def run(report: Report, *, quick: bool) -> None:
    small, large = SIZES[quick]
    report_pages(
        report,
        "page",
        [filled(small), filled(large)],
        lambda path: pages(path, small),
        hold,
        held_middle,
        small=small,
        large=large,
        repeat=5 if quick else 7,
    )


def report_pages(
    report: Report,
    section: str,
    logs: Sequence[Path | str],
    pages_of: Callable[[Any], list[Page]],
    hold: Callable[[Any, int], None],
    held_middle: Callable[[Any, int], int],
    *,
    small: int,
    large: int,
    repeat: int,
    where: str = "",
) -> None:
    """Every page over the two ``logs`` (``small`` and ``large`` posts), reported as rows.

    Half the smaller log's posts are held while the pages are asked; then
    :data:`APPROVALS_HELD` (at most every post of the smaller), for the
    approvals pages. ``hold`` and ``held_middle`` are the database's own (SQLite
    here, PostgreSQL in bench/postgres.py); ``where`` starts each row's note.
    """
    held = small // 2
    for log in logs:
        hold(log, held)
    at_small, at_large = measure(logs, [pages_of(log) for log in logs], repeat)
    # The approvals pages with 10,000 held posts at both sizes (every post of the smaller).
    queue = min(APPROVALS_HELD, small)
    for log in logs:
        hold(log, queue)
    more_small, more_large = measure(
        logs, [approvals_pages(held_middle(log, queue)) for log in logs], repeat
    )
    for log in logs:
        hold(log, held)
    at_small.update(more_small)
    at_large.update(more_large)
    for name, seconds in at_large.items():
        slow = seconds * 1e3 > LIMIT_MS
        report.add(
            Row(
                section,
                f"{name}: {large:,} posts",
                seconds,
                at_small[name],
                "s",
                BUDGET,
                f"the same page at {small:,} posts",
                note=f"{where}HTTP through waitress, median of {repeat}"
                + (f"; over {LIMIT_MS:.0f} ms!" if slow else f"; under {LIMIT_MS:.0f} ms"),
            )
        )
