"""The organizers' dashboard, driven in headless Chromium against the real app."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func, select

from bot.store.models import Pause, Post
from tests.web.conftest import PASSWORD, XSS_TEXT, Server, login, screenshot


def _db_file(server: Server) -> str:
    return server.db.url.removeprefix("sqlite:///")


def test_the_dashboard_needs_the_password(page, server: Server) -> None:
    page.goto(server.url + "/dashboard/log")
    assert page.url.startswith(server.url + "/login")
    page.get_by_label("Dashboard password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "That password is not right."
    page.get_by_label("Dashboard password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # back where we were going
    assert page.url == server.url + "/dashboard/log"
    # the URL changes before the page is drawn (seen on a loaded CI box): expect waits
    expect(page.get_by_role("heading", name="Post log")).to_be_visible()
    # and the password is nowhere in the page
    assert PASSWORD not in page.content()


def test_overview_shows_the_numbers_and_a_chart(page, server: Server) -> None:
    login(page, server)
    assert page.get_by_role("heading", name="Overview").is_visible()
    with server.db.new_session() as session:
        counts = dict(
            session.execute(select(Post.status, func.count()).group_by(Post.status)).all()
        )
    held = page.get_by_role("link", name="held for approval")
    assert held.inner_text().split()[0] == str(counts["held"])
    chart = page.get_by_role("img", name="Posts per day per platform, last 14 days (UTC)")
    assert chart.is_visible()
    # one bar segment per (day, platform) with posts that went out
    assert page.locator("svg rect").count() > 0
    assert page.get_by_role("heading", name="Legislators addressed most").is_visible()
    assert page.get_by_role("heading", name="X spend this month").is_visible()
    # the one live X post that was charged cost $0.20 this month
    assert (
        "$0.20"
        in page.locator("section", has=page.get_by_role("heading", name="X spend")).inner_text()
    )
    screenshot(page, "dashboard")


def test_filter_the_log_and_export_exactly_that_as_csv(page, server: Server) -> None:
    login(page, server, next_path="/dashboard/log")
    page.get_by_label("Campaign").select_option("mo-sb792-expungement")
    page.get_by_label("Platform").select_option("x")
    page.get_by_label("Status").select_option("dry_run")
    page.get_by_label("From (UTC)").fill("2026-08-04")
    page.get_by_label("To (UTC, inclusive)").fill("2026-08-10")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()

    # what the filters mean, asked of the database directly
    with sqlite3.connect(_db_file(server)) as raw:
        expected = [
            row[0]
            for row in raw.execute(
                "SELECT id FROM posts WHERE campaign_id = 'mo-sb792-expungement' "
                "AND platform = 'x' AND status = 'dry_run' "
                "AND created_at >= '2026-08-04' AND created_at < '2026-08-11' "
                "ORDER BY created_at DESC, id DESC"
            )
        ]
    assert len(expected) >= 2
    shown = [
        int(v)
        for v in page.locator("tr[data-post-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.postId)"
        )
    ]
    assert shown == expected
    assert page.locator("#result-count").inner_text().startswith(f"{len(expected)} posts match")
    screenshot(page, "log-filtered")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == expected
    assert list(rows[0]) == [
        "id",
        "created_at",
        "campaign",
        "bill",
        "platform",
        "account",
        "status",
        "targets",
        "text",
        "remote_id",
        "remote_url",
        "reason",
        "error",
        "cost",
    ]
    assert {(r["campaign"], r["platform"], r["status"]) for r in rows} == {
        ("mo-sb792-expungement", "x", "dry_run")
    }
    with sqlite3.connect(_db_file(server)) as raw:
        texts = dict(raw.execute("SELECT id, text FROM posts"))
    assert all(r["text"] == texts[int(r["id"])] for r in rows)


def test_the_log_pages_through_everything(page, server: Server) -> None:
    login(page, server, next_path="/dashboard/log")
    with server.db.new_session() as session:
        total = session.scalar(select(func.count()).select_from(Post))
    assert total > 50
    first = page.locator("tr[data-post-id]").count()
    assert first == 50
    page.get_by_role("link", name="Older →").click()
    expect(page.locator("tr[data-post-id]")).to_have_count(total - 50)
    expect(page.get_by_role("link", name="← Newer")).to_be_visible()


def test_post_detail_shows_the_error_the_attempts_and_the_remote_link(page, server: Server) -> None:
    login(page, server, next_path=f"/dashboard/posts/{server.ids['failed']}")
    body = page.locator("main")
    assert "403 Forbidden: You are not permitted to perform this action" in body.inner_text()
    attempts = page.locator("table").last
    assert attempts.locator("tbody tr").count() == 2
    assert "forbidden" in attempts.inner_text() and "429" in attempts.inner_text()
    screenshot(page, "post-detail")

    page.goto(server.url + f"/dashboard/posts/{server.ids['posted_x']}")
    remote = page.get_by_role("link", name="https://x.com/yourorg/status/")
    assert remote.get_attribute("href").startswith("https://x.com/yourorg/status/")
    # a remote URL that is not http(s) is never made a link
    page.goto(server.url + f"/dashboard/posts/{server.ids['xss']}")
    assert page.locator('a[href^="javascript:"]').count() == 0


def test_approve_one_post_and_reject_in_bulk(page, server: Server) -> None:
    login(page, server, next_path="/dashboard/approvals")
    with server.db.new_session() as session:
        held = list(
            session.scalars(
                select(Post.id).where(Post.status == "held").order_by(Post.scheduled_for, Post.id)
            )
        )
    assert len(held) >= 3
    screenshot(page, "approvals")
    first, second, third = held[:3]
    page.get_by_role("button", name=f"Approve post {first}", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").first.inner_text().startswith("Approved 1 post(s).")
    assert page.locator(f'li[data-post-id="{first}"]').count() == 0

    page.get_by_label(f"Select post #{second}", exact=True).check()
    page.get_by_label(f"Select post #{third}", exact=True).check()
    page.get_by_role("button", name="Reject selected").first.click()
    page.wait_for_load_state()
    assert "Rejected 2 post(s)." in page.get_by_role("status").first.inner_text()

    with server.db.new_session() as session:
        approved = session.get(Post, first)
        assert approved.status == "queued"
        assert approved.approved_by == "web"
        assert approved.reason is None
        for post_id in (second, third):
            rejected = session.get(Post, post_id)
            assert rejected.status == "rejected"
            assert rejected.reason == "rejected by an organizer"
        # nothing else changed
        assert (
            session.scalar(select(func.count()).select_from(Post).where(Post.status == "held"))
            == len(held) - 3
        )


def test_pause_and_resume_a_campaign_and_everything(page, server: Server) -> None:
    login(page, server)

    def scopes() -> set[str]:
        with server.db.new_session() as session:
            return set(session.scalars(select(Pause.scope)))

    assert scopes() == set()
    page.get_by_role("button", name="Pause mo-sb792-expungement").click()
    page.wait_for_load_state()
    assert scopes() == {"campaign:mo-sb792-expungement"}
    assert "Paused:" in page.locator(".banner").inner_text()
    expect(page.get_by_role("button", name="Resume mo-sb792-expungement")).to_be_visible()

    page.get_by_role("button", name="Pause everything").click()
    page.wait_for_load_state()
    assert scopes() == {"campaign:mo-sb792-expungement", "all"}
    with server.db.new_session() as session:
        everything = session.get(Pause, "all")
        assert everything.reason == "paused from the dashboard"

    page.get_by_role("button", name="Resume everything").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Resume mo-sb792-expungement").click()
    page.wait_for_load_state()
    assert scopes() == set()
    assert page.locator(".banner").count() == 0


def test_what_goes_out_next_plans_without_writing(page, server: Server) -> None:
    with server.db.new_session() as session:
        before = session.scalar(select(func.count()).select_from(Post))
    login(page, server, next_path="/dashboard/next")
    for campaign_id in (
        "mo-hb1526-protect-children",
        "mo-sb792-expungement",
        "us-s1693-online-trafficking",
    ):
        section = page.locator(f"section#c-{campaign_id}")
        assert section.count() == 1
        assert section.get_by_role("heading", level=3).count() >= 1
    cards = page.locator("section#c-us-s1693-online-trafficking article.post-card.platform-x")
    assert cards.count() >= 2
    for text in cards.locator(".length").all_inner_texts():
        used, limit = (int(n) for n in text.split("/"))
        assert used <= limit == 280
    # the S 1693 posts on X tag Judiciary senators' handles
    assert cards.first.locator(".mention").count() >= 1
    screenshot(page, "next")
    with server.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == before


def test_html_in_a_post_shows_as_text_and_never_runs(page, server: Server, dialogs) -> None:
    login(page, server, next_path="/dashboard/log?text=%3Cscript%3E")
    cell = page.locator("td.post-text")
    assert cell.count() == 1
    assert cell.inner_text() == XSS_TEXT
    assert cell.locator("script, b").count() == 0
    page.goto(server.url + f"/dashboard/posts/{server.ids['xss']}")
    assert XSS_TEXT in page.locator("main").inner_text()
    page.goto(server.url + "/c/us-s1693-online-trafficking")
    assert XSS_TEXT in page.locator("main").inner_text()
    assert page.locator("main b").count() == 0
    assert dialogs.messages == []


def test_a_form_without_its_csrf_token_is_refused(page, server: Server) -> None:
    login(page, server)
    refused = page.request.post(server.url + "/dashboard/pause", form={"kind": "all"})
    assert refused.status == 400
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    wrong = page.request.post(
        server.url + "/dashboard/pause", form={"kind": "all", "csrf_token": token + "x"}
    )
    assert wrong.status == 400
    elsewhere = page.request.post(
        server.url + "/dashboard/pause",
        form={"kind": "all", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status == 403
    with server.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Pause)) == 0
    # with the token, from this site, it works
    accepted = page.request.post(
        server.url + "/dashboard/pause", form={"kind": "all", "csrf_token": token}
    )
    assert accepted.ok
    with server.db.new_session() as session:
        assert session.get(Pause, "all") is not None


def test_write_actions_need_the_login(page, server: Server) -> None:
    page.goto(server.url + "/login")  # a session (and CSRF token) without logging in
    token = page.locator('input[name="csrf_token"]').get_attribute("value")
    held = server.ids  # any id will do: the request must be refused before looking
    for path, form in [
        ("/dashboard/pause", {"kind": "all"}),
        ("/dashboard/resume", {"kind": "all"}),
        ("/dashboard/approvals/decide", {"one": f"approve {held['failed']}"}),
    ]:
        response = page.request.post(server.url + path, form={**form, "csrf_token": token})
        assert response.status == 403, path
    with server.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Pause)) == 0
    # reading needs it too
    page.goto(server.url + "/dashboard/log.csv")
    assert page.url.startswith(server.url + "/login")


def test_security_headers(page, server: Server) -> None:
    for path in ("/", "/login", "/c/us-s1693-online-trafficking"):
        response = page.goto(server.url + path)
        headers = response.all_headers()
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        cookie = headers.get("set-cookie", "")
        if path == "/login":  # the login form's CSRF token lives in the session
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        else:  # supporters get no cookie at all
            assert cookie == ""
