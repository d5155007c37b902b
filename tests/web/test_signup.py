# ruff: noqa: F811 - ``smtp`` is tests/notify's SMTP server fixture, imported below
"""Sign up for updates by email, end to end: the real app over HTTP, a real SMTP server
on 127.0.0.1 (aiosmtpd, as tests/notify), headless Chromium for the supporter's clicks.

Every email is asserted as the SMTP server received it, and every link followed is
the one in that email.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.config import Settings
from bot.store.db import Database
from bot.store.subscribers import Subscriber
from bot.web import mail
from tests.notify.conftest import (
    SMTP_PASSWORD,
    SMTPServer,
    smtp,  # noqa: F401
    smtp_env,
)
from tests.web.conftest import NO_PHOTOS, NOW, PASSWORD, Seeded, Server, screenshot, serving

S1693 = "us-s1693-online-trafficking"
SECRET = "test-secret-key-for-signed-links"
ADDRESS = "Supporter+News@Example.ORG"
STORED = "Supporter+News@example.org"


@pytest.fixture
def site(seeded: Seeded, tmp_path: Path, smtp: SMTPServer) -> Iterator[Server]:
    """The app, sign-ups on, its mail server the local SMTP server."""
    from bot.web.app import WebConfig, create_app
    from tests.support import ROOT

    path = tmp_path / "log.db"
    shutil.copy(seeded.path, path)
    db = Database(f"sqlite:///{path}", migrate=False)

    def app_for(url: str):  # type: ignore[no-untyped-def]
        settings = Settings.load(
            environ={
                "DATABASE_URL": f"sqlite:///{path}",
                "CAMPAIGNS_DIR": str(ROOT / "campaigns"),
                **NO_PHOTOS,
                **smtp_env(smtp, NOTIFY_EMAIL_TO="organizers@example.org"),
                "UPDATES_FROM": "updates@example.org",
                "UPDATES_SITE_URL": url,
                "ORG_NAME": "Survivors' Network",
            },
            dotenv=False,
        )
        config = WebConfig(
            settings=settings,
            password=PASSWORD,
            campaigns_dir=ROOT / "campaigns",
            clock=FrozenClock(NOW),
            secret_key=SECRET,
        )
        return create_app(db, config)

    try:
        with serving(app_for) as url:
            yield Server(url, db, seeded.ids, seeded.directory)
    finally:
        db.dispose()


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def _sign_up(site: Server, address: str, campaign: str = S1693, **headers: str):  # type: ignore[no-untyped-def]
    client = requests.Session()
    page = client.get(site.url + f"/c/{campaign}", timeout=5).text
    return client.post(
        site.url + "/updates",
        data={"csrf_token": _token(page), "email": address, "campaign": campaign},
        headers=headers,
        timeout=10,
    )


def _link(message, prefix: str) -> str:  # type: ignore[no-untyped-def]
    body = message.get_content()
    found = re.search(re.escape(prefix) + r"\S+", body)
    assert found, f"no {prefix} link in:\n{body}"
    return found.group(0)


def _rows(site: Server) -> list[Subscriber]:
    with site.db.session() as session:
        rows = list(session.scalars(select(Subscriber)))
        session.expunge_all()
        return rows


def _organizer(site: Server) -> requests.Session:
    client = requests.Session()
    page = client.get(site.url + "/login", timeout=5).text
    answer = client.post(
        site.url + "/login",
        data={"csrf_token": _token(page), "password": PASSWORD, "next": "/dashboard/updates/"},
        timeout=5,
    )
    assert answer.ok and "Updates by email" in answer.text
    return client


def _send_update(site: Server, subject: str, body: str, to: str = "all") -> requests.Response:
    client = _organizer(site)
    page = client.get(site.url + "/dashboard/updates/", timeout=5).text
    return client.post(
        site.url + "/dashboard/updates/send",
        data={"csrf_token": _token(page), "list": to, "subject": subject, "body": body},
        timeout=10,
    )


# -- pure ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no-at-sign.example.org",
        "two@@example.org",
        "a@b@example.org",
        "victim@example.org\r\nBcc: everyone@example.org",
        "victim@example.org\nBcc: everyone@example.org",
        "Name <victim@example.org>",
        "victim@example.org, other@example.org",
        '"quoted"@example.org',
        "spaces in@example.org",
        "x" * 65 + "@example.org",
        "a@" + "b" * 250 + ".org",
        "dot.@example.org",
        "a..b@example.org",
        "=HYPERLINK(1)@example.org",
        "a@localhost",
        "a@-bad-.org",
        "a@exa_mple.org",
        "tab\t@example.org",
    ],
)
def test_untrusted_addresses_are_refused(text: str) -> None:
    with pytest.raises(mail.BadAddress):
        mail.clean_address(text)


def test_a_plain_address_is_kept_with_its_domain_lower_cased() -> None:
    assert mail.clean_address("  Supporter+News@Example.ORG ") == STORED
    assert mail.clean_address("o'neil@mail.example.co.uk") == "o'neil@mail.example.co.uk"


def test_settings_say_what_is_missing() -> None:
    from bot.config import ConfigError

    assert mail.UpdatesSettings.from_env({}) is None
    with pytest.raises(ConfigError, match="NOTIFY_SMTP_HOST"):
        mail.UpdatesSettings.from_env({"UPDATES_SITE_URL": "https://act.example.org"})
    with pytest.raises(ConfigError, match="https://"):
        mail.UpdatesSettings.from_env(
            {"UPDATES_SITE_URL": "http://act.example.org", "NOTIFY_SMTP_HOST": "smtp.example.org"}
        )
    found = mail.UpdatesSettings.from_env(
        {
            "UPDATES_SITE_URL": "https://act.example.org/",
            "NOTIFY_SMTP_HOST": "smtp.example.org",
            "NOTIFY_EMAIL_FROM": "bot@example.org",
        }
    )
    assert found is not None
    assert (found.site_url, found.sender) == ("https://act.example.org", "bot@example.org")


# -- the supporter's flow, in a browser ---------------------------------------------------------


def test_sign_up_confirm_and_unsubscribe_in_the_browser(phone, site: Server, smtp) -> None:
    phone.goto(site.url + f"/c/{S1693}")
    form = phone.locator("#signup-form")
    assert "only to email you" in phone.locator("#signup-privacy").inner_text()
    form.get_by_label("Your email address").fill(ADDRESS)
    form.get_by_role("button", name="Send me updates").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    (received,) = smtp.messages
    assert received.rcpt_tos == [STORED]
    message = received.message
    assert message["To"] == STORED
    assert message["From"].addresses[0].addr_spec == "updates@example.org"
    assert "Survivors' Network" in message["Subject"]
    (row,) = _rows(site)
    assert (row.email, row.campaign_id, row.status) == (STORED, S1693, "pending")

    # Opening the link alone confirms nothing (a mail scanner fetching it subscribes nobody).
    phone.goto(_link(message, site.url + "/updates/confirm/"))
    assert _rows(site)[0].status == "pending"
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_role("heading", name="You're subscribed")).to_be_visible()
    assert _rows(site)[0].status == "confirmed"

    # The organizer's update reaches the confirmed address, with its unsubscribe link.
    assert _send_update(site, "SB 792 has a hearing", "Call your senator today.").ok
    update = smtp.messages[-1].message
    assert smtp.messages[-1].rcpt_tos == [STORED]
    unsubscribe = _link(update, site.url + "/updates/unsubscribe/")
    assert update["List-Unsubscribe"] == f"<{unsubscribe}>"

    phone.goto(unsubscribe)
    phone.get_by_role("button", name="Unsubscribe").click()
    expect(phone.get_by_role("heading", name="You're unsubscribed")).to_be_visible()
    assert _rows(site) == []  # the address is deleted, not flagged


# -- over HTTP ------------------------------------------------------------------------------


def test_only_confirmed_addresses_get_updates_with_one_click_unsubscribe(
    site: Server, smtp
) -> None:
    assert _sign_up(site, "pending@example.org").ok
    assert _sign_up(site, "confirmed@example.org").ok
    link = _link(smtp.messages[-1].message, site.url + "/updates/confirm/")
    client = requests.Session()
    page = client.get(link, timeout=5).text
    assert client.post(link, data={"csrf_token": _token(page)}, timeout=5).ok
    smtp.messages.clear()

    answer = _send_update(site, "A bill moved\r\nBcc: all@example.org", "SB 792 passed committee.")
    assert answer.ok and "Sent to 1 subscribers" in answer.text
    (received,) = smtp.messages
    assert received.rcpt_tos == ["confirmed@example.org"]
    update = received.message
    assert update["Subject"] == "A bill moved Bcc: all@example.org"
    assert update["Bcc"] is None
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    target = update["List-Unsubscribe"].strip("<>")
    assert target.startswith(site.url + "/updates/unsubscribe/")

    # RFC 8058: the mail provider POSTs, with no cookie and no CSRF token.
    answer = requests.post(target, data={"List-Unsubscribe": "One-Click"}, timeout=5)
    assert answer.status_code == 200
    assert [r.email for r in _rows(site)] == ["pending@example.org"]
    # Again (a retry) is harmless; a made-up token removes nothing.
    assert requests.post(target, data={"List-Unsubscribe": "One-Click"}, timeout=5).ok
    assert requests.post(site.url + "/updates/unsubscribe/made-up", timeout=5).ok
    assert [r.email for r in _rows(site)] == ["pending@example.org"]


def test_a_form_without_the_session_token_is_refused(site: Server, smtp) -> None:
    answer = requests.post(
        site.url + "/updates", data={"email": "victim@example.org", "campaign": S1693}, timeout=5
    )
    assert answer.status_code == 400
    assert smtp.messages == [] and _rows(site) == []


def test_a_bad_address_is_explained_and_nothing_is_stored(site: Server, smtp) -> None:
    answer = _sign_up(site, "victim@example.org\r\nBcc: everyone@example.org")
    assert answer.status_code == 400
    assert "no spaces or line breaks" in answer.text
    assert smtp.messages == [] and _rows(site) == []


def test_the_links_name_the_configured_site_whatever_host_the_request_names(
    site: Server,
    smtp,
) -> None:
    client = requests.Session()
    page = client.get(site.url + "/updates", timeout=5).text
    session_cookie = client.cookies["advocacy_session"]
    answer = requests.post(
        site.url + "/updates",
        data={"csrf_token": _token(page), "email": "a@example.org"},
        # requests matches cookies by the Host header: hand it the session's cookie.
        headers={"Host": "evil.example", "Cookie": f"advocacy_session={session_cookie}"},
        timeout=10,
    )
    assert answer.ok, answer.text
    body = smtp.messages[0].message.get_content()
    assert "evil.example" not in body
    assert site.url + "/updates/confirm/" in body


def test_signing_up_again_says_the_same_and_mails_an_address_at_most_three_times_a_day(
    site: Server,
    smtp,
) -> None:
    from bot.web.signup import MAILS_PER_ADDRESS

    answers = [_sign_up(site, "again@example.org").text for _ in range(MAILS_PER_ADDRESS + 2)]
    assert all("Check your email" in a for a in answers)
    assert len(smtp.messages) == MAILS_PER_ADDRESS
    # Only the newest link works.
    first = _link(smtp.messages[0].message, site.url + "/updates/confirm/")
    last = _link(smtp.messages[-1].message, site.url + "/updates/confirm/")
    assert requests.get(first, timeout=5).status_code == 404
    assert requests.get(last, timeout=5).status_code == 200
    assert len(_rows(site)) == 1


def test_one_client_signing_up_many_addresses_is_slowed_down(site: Server, smtp) -> None:
    from bot.web.signup import SIGNUPS_PER_CLIENT

    statuses = [
        _sign_up(site, f"n{i}@example.org").status_code for i in range(SIGNUPS_PER_CLIENT + 2)
    ]
    assert statuses == [200] * SIGNUPS_PER_CLIENT + [429, 429]
    assert len(smtp.messages) == SIGNUPS_PER_CLIENT


def test_an_old_link_has_expired(site: Server, smtp) -> None:
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from bot.web.signup import SALT

    assert _sign_up(site, "late@example.org").ok
    (row,) = _rows(site)

    class ThreeDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 3 * 86400

    old = URLSafeTimedSerializer(SECRET, salt=SALT, signer=ThreeDaysAgo).dumps(row.token)
    answer = requests.get(site.url + f"/updates/confirm/{old}", timeout=5)
    assert answer.status_code == 410 and "expired" in answer.text
    forged = URLSafeTimedSerializer("another key", salt=SALT).dumps(row.token)
    assert requests.get(site.url + f"/updates/confirm/{forged}", timeout=5).status_code == 404
    assert _rows(site)[0].status == "pending"


def test_addresses_are_never_on_a_public_page_and_the_export_needs_a_login(
    site: Server,
    smtp,
) -> None:
    assert _sign_up(site, "private@example.org").ok
    link = _link(smtp.messages[-1].message, site.url + "/updates/confirm/")
    client = requests.Session()
    page = client.get(link, timeout=5).text
    done = client.post(link, data={"csrf_token": _token(page)}, timeout=5).text
    assert _sign_up(site, "unconfirmed@example.org").ok
    for path in ["/", f"/c/{S1693}", "/updates", f"/c/{S1693}/feed.atom"]:
        assert "private@example.org" not in requests.get(site.url + path, timeout=5).text
    assert "private@example.org" not in done

    export = requests.get(site.url + "/dashboard/updates/subscribers.csv", timeout=5)
    assert "private@example.org" not in export.text  # the login page
    organizer = _organizer(site)
    overview = organizer.get(site.url + "/dashboard/updates/", timeout=5).text
    assert "private@example.org" not in overview
    csv_text = organizer.get(site.url + "/dashboard/updates/subscribers.csv", timeout=5).text
    lines = csv_text.strip().splitlines()
    assert lines[0] == "email,list,confirmed_at"
    assert lines[1:] == [f"private@example.org,{S1693},{NOW.isoformat()}"]


def test_without_updates_configured_there_is_no_form(server: Server) -> None:
    page = requests.get(server.url + f"/c/{S1693}", timeout=5).text
    assert 'id="signup-form"' not in page
    assert requests.get(server.url + "/updates", timeout=5).status_code == 404


def test_the_sign_up_pages_have_no_axe_violations(browser, site: Server, smtp) -> None:
    from tests.web.conftest import login
    from tests.web.test_supporter_a11y import _axe, _violations

    script = _axe()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        problems = {}

        def audit(name: str) -> None:
            if found := _violations(phone, script):
                problems[name] = found

        phone.goto(site.url + f"/c/{S1693}")
        audit("campaign")
        phone.goto(site.url + "/updates")
        screenshot(phone, "supporter-updates-signup")
        phone.get_by_label("Your email address").fill("a@b")
        phone.get_by_role("button", name="Send me updates").click()
        audit("form with a problem")
        phone.get_by_label("Your email address").fill("a11y@example.org")
        phone.get_by_role("button", name="Send me updates").click()
        audit("sent")
        phone.goto(_link(smtp.messages[-1].message, site.url + "/updates/confirm/"))
        audit("confirm")
        phone.get_by_role("button", name="Confirm").click()
        audit("confirmed")
        phone.get_by_role("link", name="Changed your mind? Unsubscribe").click()
        audit("unsubscribe")
        login(phone, site, next_path="/dashboard/updates/")
        audit("dashboard")
        assert problems == {}
    finally:
        context.close()


def _confirmed(site: Server, smtp: SMTPServer, address: str, campaign: str) -> None:
    assert _sign_up(site, address, campaign).ok
    link = _link(smtp.messages[-1].message, site.url + "/updates/confirm/")
    client = requests.Session()
    page = client.get(link, timeout=5).text
    assert client.post(link, data={"csrf_token": _token(page)}, timeout=5).ok


def test_an_update_for_one_campaign_goes_to_its_list_and_the_organisations(
    site: Server, smtp: SMTPServer
) -> None:
    sb792 = "mo-sb792-expungement"
    _confirmed(site, smtp, "sb792@example.org", sb792)
    _confirmed(site, smtp, "s1693@example.org", S1693)
    client = requests.Session()
    page = client.get(site.url + "/updates", timeout=5).text
    client.post(
        site.url + "/updates", data={"csrf_token": _token(page), "email": "all@example.org"}
    )
    link = _link(smtp.messages[-1].message, site.url + "/updates/confirm/")
    page = client.get(link, timeout=5).text
    assert client.post(link, data={"csrf_token": _token(page)}, timeout=5).ok
    smtp.messages.clear()

    # Not logged in: refused.
    anonymous = requests.Session()
    page = anonymous.get(site.url + f"/c/{S1693}", timeout=5).text
    refused = anonymous.post(
        site.url + "/dashboard/updates/send",
        data={"csrf_token": _token(page), "list": "all", "subject": "x", "body": "y"},
        timeout=5,
    )
    assert refused.status_code == 403 and smtp.messages == []

    assert _send_update(site, "Hearing Tuesday", "Come to Jefferson City.", to=sb792).ok
    assert sorted(r.rcpt_tos[0] for r in smtp.messages) == ["all@example.org", "sb792@example.org"]
    organizer = _organizer(site)
    exported = organizer.get(
        site.url + f"/dashboard/updates/subscribers.csv?list={sb792}", timeout=5
    ).text
    assert sorted(line.split(",")[0] for line in exported.splitlines()[1:]) == [
        "all@example.org",
        "sb792@example.org",
    ]


def test_a_mail_server_that_refuses_the_confirmation_is_said_plainly(
    site: Server, smtp: SMTPServer
) -> None:
    smtp.refuse = True
    answer = _sign_up(site, "later@example.org")
    assert answer.status_code == 503
    assert "couldn't send the email" in answer.text
    assert SMTP_PASSWORD not in answer.text
