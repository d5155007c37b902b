"""The web app's pieces without a browser: approvals, links, escaping, the chart, `serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from bot.campaigns.loader import load_campaign
from bot.config import Mode
from bot.directory.people import Person
from bot.store.db import Database
from bot.store.models import Post
from bot.store.queries import approve_posts, reject_posts
from bot.web import share
from bot.web.charts import axis_top, stacked_bars
from bot.web.filters import highlight, safe_url
from bot.web.stats import DayCounts
from tests.support import ROOT, campaign_dict, make_campaign, write_campaign

NOW = datetime(2026, 8, 12, 18, 0, tzinfo=UTC)


@pytest.fixture
def held_db(tmp_path):  # type: ignore[no-untyped-def]
    """A log with held posts (the campaign requires approval) from two runs."""
    from bot.schedule.runner import run_campaign

    db = Database(f"sqlite:///{tmp_path / 'log.db'}")
    people = [
        {"id": f"P{i}", "name": f"Member {i}", "title": "Sen.", "handles": {"x": f"Member{i}"}}
        for i in range(8)
    ]
    data = campaign_dict(
        approval="required",
        platforms=["x", "bluesky", "mastodon"],
        targets={"people": people},
        schedule={"cron": "0 10 * * *", "timezone": "America/Chicago", "posts_per_run": 2},
    )
    loaded = load_campaign(write_campaign(tmp_path, data))
    for days in (2, 1):
        when = NOW - timedelta(days=days)
        run_campaign(db, loaded, mode=Mode.DRY_RUN, now=when, fire_time=when)
    yield db
    db.dispose()


def _statuses(db: Database) -> dict[int, str]:
    with db.new_session() as session:
        return {p.id: p.status for p in session.query(Post)}


def test_approve_and_reject_by_id_campaign_or_all(held_db: Database) -> None:
    before = _statuses(held_db)
    ids = sorted(before)
    assert set(before.values()) == {"held"} and len(ids) >= 6
    with held_db.session() as session:
        assert approve_posts(session, [ids[0], 999_999], by="web", now=NOW) == [ids[0]]
    with held_db.new_session() as session:
        approved = session.get(Post, ids[0])
        assert approved.status == "queued" and approved.approved_by == "web"
        assert approved.scheduled_for == NOW  # due now: it was planned earlier
        assert approved.updated_at == NOW and approved.reason is None
    with held_db.session() as session:
        # an approved post is no longer held: rejecting it changes nothing
        assert reject_posts(session, [ids[0]], now=NOW) == []
        assert reject_posts(session, ids[1:3], now=NOW) == ids[1:3]
    with held_db.new_session() as session:
        rejected = [session.get(Post, i) for i in ids[1:3]]
        assert {p.status for p in rejected} == {"rejected"}
        assert {p.reason for p in rejected} == {"rejected by an organizer"}
    with held_db.session() as session:
        rest = approve_posts(session, campaign="test-campaign", by="cli", now=NOW)
        assert rest == ids[3:]
    with held_db.session() as session:
        assert approve_posts(session, every=True, by="cli", now=NOW) == []  # none held
        with pytest.raises(ValueError):
            approve_posts(session, by="cli", now=NOW)  # naming nothing never means everything
        with pytest.raises(ValueError):
            reject_posts(session, now=NOW)
    after = _statuses(held_db)
    assert [after[i] for i in ids[:3]] == ["queued", "rejected", "rejected"]


def test_cli_approve_and_reject_print_what_they_did(
    held_db: Database, monkeypatch, tmp_path
) -> None:
    from bot.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", held_db.url)
    ids = sorted(_statuses(held_db))
    runner = CliRunner()
    result = runner.invoke(cli, ["approve", str(ids[0]), "999999"])
    assert result.exit_code == 1  # an id that is not in the log: nothing is approved
    assert "no post #999999 in the log. Nothing was approved" in result.output
    assert _statuses(held_db)[ids[0]] == "held"
    result = runner.invoke(cli, ["approve", str(ids[0])])
    assert result.output == "approved 1 post(s)\n"
    result = runner.invoke(cli, ["reject", "--all"])
    assert result.output == f"rejected {len(ids) - 1} post(s)\n"
    result = runner.invoke(cli, ["approve"])
    assert result.exit_code == 1
    assert "name post ids, or --campaign ID, or --all" in result.output
    with held_db.new_session() as session:
        assert session.get(Post, ids[0]).approved_by == "cli"


@pytest.mark.parametrize(
    ("typed", "server"),
    [
        ("mastodon.social", "mastodon.social"),
        ("https://Hachyderm.io/@someone", "hachyderm.io"),
        ("@me@fosstodon.org", "fosstodon.org"),
        ("me@infosec.exchange/", "infosec.exchange"),
        ("javascript:alert(1)", None),
        ("evil.example/share?x=", "evil.example"),
        ("localhost", None),
        ("", None),
        ("a b.com", None),
    ],
)
def test_mastodon_server_names(typed: str, server: str | None) -> None:
    assert share.clean_instance(typed) == server


def test_share_links_encode_the_text_whole() -> None:
    text = "@SenA & @SenB: pass S 1693 #now? https://example.org/a?b=c"
    for link in (
        share.x_post(text),
        share.bluesky_compose(text),
        share.mastodon_share("m.s", text),
    ):
        assert parse_qs(urlsplit(link).query)["text"] == [text]
    assert share.x_repost("123") == "https://x.com/intent/retweet?tweet_id=123"
    assert share.x_repost("123&tweet_id=9") is None
    assert share.x_repost(None) is None
    assert share.facebook_share("https://a.example/?x=1&y=2") == (
        "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fa.example%2F%3Fx%3D1%26y%3D2"
    )


def test_ready_posts_tag_everyone_or_split_when_too_long() -> None:
    campaign = make_campaign(
        platforms=["x", "bluesky"],
        messages=[
            {"id": "short", "text": "{{ mentions }}: pass {{ bill.identifier }}."},
            {"id": "long", "text": "{{ mentions }}: " + "please " * 37 + "{{ bill.identifier }}."},
        ],
    )
    people = [
        Person(id=f"P{i}", name=f"Member {i}", title="Rep.", handles={"x": f"Member{i}"})
        for i in range(3)
    ]
    posts = share.ready_posts(campaign, people, instance="mastodon.social", page_url="https://s/")
    assert list(posts) == list(share.SUPPORTER_PLATFORMS)
    x = posts["x"]
    short = [p for p in x if p.variant == "short"]
    assert len(short) == 1 and short[0].tagged == ("@Member0", "@Member1", "@Member2")
    long = [p for p in x if p.variant == "long"]
    assert [p.tagged for p in long] == [("@Member0",), ("@Member1",), ("@Member2",)]
    assert all(p.length <= p.limit for p in x)
    # no handles on Bluesky: named in plain text; Facebook shares the page
    assert all(p.tagged == () for p in posts["bluesky"])
    assert "Rep. Member 0" in posts["bluesky"][0].text
    assert posts["facebook"][0].link == share.facebook_share("https://s/")
    assert share.ready_posts(campaign, [], instance="m.s", page_url="https://s/") == {}


def test_only_http_links_are_links() -> None:
    assert safe_url("https://x.com/a/status/1") == "https://x.com/a/status/1"
    assert safe_url("http://example.org") == "http://example.org"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "//evil",
        "",
        None,
    ):
        assert safe_url(bad) is None


def test_highlight_escapes_and_marks_mentions_and_links() -> None:
    marked = str(highlight('<b>hi</b> @Sen_A & @user@mastodon.social "x" https://a.example/p?q=1.'))
    assert "<b>" not in marked and "&lt;b&gt;hi&lt;/b&gt;" in marked
    assert '<span class="mention">@Sen_A</span>' in marked
    assert '<span class="mention">@user@mastodon.social</span>' in marked
    assert '<span class="url">https://a.example/p?q=1</span>.' in marked
    assert "&amp;" in marked and "&#34;x&#34;" in marked
    assert str(highlight("mail me@example.org")) == "mail me@example.org"


def test_the_chart_scales_every_bar_to_its_count() -> None:
    tops = [axis_top(n) for n in (0, 3, 4, 5, 8, 9, 12, 13, 20, 21, 99, 1000)]
    assert tops == [4, 4, 4, 8, 8, 12, 12, 20, 20, 40, 120, 1200]
    days = [
        DayCounts(date(2026, 8, 1), {"x": 3, "bluesky": 1}),
        DayCounts(date(2026, 8, 2), {}),
        DayCounts(date(2026, 8, 3), {"mastodon": 5}),
    ]
    chart = stacked_bars(days, ["x", "bluesky", "mastodon"], height=240)
    assert chart.total == 9
    assert [r.series for r in chart.rects] == ["x", "bluesky", "mastodon"]
    unit = chart.rects[2].height / 5
    assert chart.rects[0].height == pytest.approx(3 * unit, abs=0.1)
    assert chart.rects[1].y + chart.rects[1].height == pytest.approx(chart.rects[0].y, abs=0.1)
    assert chart.rects[2].y + chart.rects[2].height == pytest.approx(chart.plot_bottom)
    assert [t.label for t in chart.ticks] == ["0", "2", "4", "6", "8"]
    assert chart.rects[0].title == "2026-08-01: 3 on x"


def _serve(monkeypatch, tmp_path, *args: str, password: str | None = None):  # type: ignore[no-untyped-def]
    from bot.cli import cli

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'log.db'}")
    if password is None:
        monkeypatch.delenv("DASHBOARD_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("DASHBOARD_PASSWORD", password)
    return CliRunner().invoke(cli, ["serve", *args])


def test_serve_refuses_to_start_unprotected(monkeypatch, tmp_path) -> None:
    result = _serve(monkeypatch, tmp_path)
    assert result.exit_code == 1
    assert "set DASHBOARD_PASSWORD" in result.output
    result = _serve(monkeypatch, tmp_path, "--no-auth", "--host", "0.0.0.0")
    assert result.exit_code == 1
    assert "--no-auth only listens on 127.0.0.1" in result.output
    result = _serve(monkeypatch, tmp_path, "--host", "0.0.0.0", password="short")
    assert result.exit_code == 1
    assert "shorter than 12 characters" in result.output
    assert "short" not in result.output.replace("shorter", "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_the_app_and_other_commands_never_load_flask(tmp_path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
        "CAMPAIGNS_DIR": str(ROOT / "campaigns"),
        "DASHBOARD_PASSWORD": "a long enough password",
    }
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.read() == b"ok\n"
                    assert r.headers["X-Frame-Options"] == "DENY"
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/c/mo-sb792-expungement") as r:
            assert "SB 792" in r.read().decode()
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert f"serving on http://127.0.0.1:{port}/" in output
    assert "a long enough password" not in output

    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from bot.cli import cli\n"
        "for args in (['--help'], ['log'], ['validate'], ['serve', '--help']):\n"
        "    CliRunner().invoke(cli, args)\n"
        "web = ('flask', 'waitress', 'werkzeug', 'bot.web')\n"
        "print(sorted(m for m in web if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "[]", result.stderr
