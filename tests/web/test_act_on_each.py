"""Act on each legislator in turn, in Chromium on a phone: call, say how it went, email, post."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select

from bot.web.outcomes import CallOutcome
from tests.web.conftest import BOTH, Server, login, screenshot
from tests.web.test_supporter import congress_members, missouri_members

ACT = f"/c/{BOTH}/act?state=MO&us_house=3&senate=6&house=50"


def test_each_legislator_in_turn_with_their_script_outcome_and_email(
    phone,
    app_server: Server,
) -> None:
    congress = congress_members("MO", 3)
    (state_senator,) = missouri_members("upper", "6").items()
    (state_rep,) = missouri_members("lower", "50").items()
    phone.goto(app_server.url + ACT)
    cards = phone.locator("li.person[data-person-id]")
    assert cards.count() == 5
    ids = cards.evaluate_all("i => i.map(x => x.dataset.personId)")
    assert set(ids[:3]) == set(congress) and ids[3:] == [state_senator[0], state_rep[0]]

    first = cards.nth(0)
    assert "1 of 5" in first.inner_text()
    name = first.locator("h3").inner_text().split(" (")[0]
    # the script names them and is about their own legislature's bill
    script = first.locator("blockquote.script").inner_text()
    assert script == f"Hello, I'm calling for {name}: please support S 1693."
    rep_script = cards.nth(4).locator("blockquote.script").inner_text()
    assert rep_script.endswith("of district 50 to support SB 792.")
    call = first.locator("a.button.call")
    assert call.get_attribute("href").startswith("tel:+1202")
    for button in (call, first.get_by_role("button", name="Busy or no answer")):
        assert button.bounding_box()["height"] >= 44  # a thumb's tap target

    first.get_by_role("button", name="Busy or no answer").click()
    phone.wait_for_load_state()
    assert urlsplit(phone.url).fragment == "leg-2"
    assert "Thanks for calling" in phone.locator("#leg-1").inner_text()
    assert phone.locator("#leg-1 form.outcome").count() == 0  # counted once per browser
    with app_server.db.session() as session:
        rows = session.scalars(select(CallOutcome)).all()
        assert [(r.campaign_id, r.person_id, r.outcome, r.count) for r in rows] == [
            (BOTH, ids[0], "busy", 1)
        ]
        columns = set(CallOutcome.__table__.columns.keys())
        assert columns == {"id", "campaign_id", "person_id", "outcome", "count", "updated_at"}

    # email: subject and body prefilled, percent-encoded, and the text to copy
    senator = phone.locator(f"li.person[data-person-id='{state_senator[0]}']")
    href = senator.locator("a.button.email").get_attribute("href")
    address, _, query = href.removeprefix("mailto:").partition("?")
    assert address.endswith("@senate.mo.gov")
    fields = parse_qs(query)
    assert fields["subject"] == ["Please vote yes on SB 792"]
    assert fields["body"][0].startswith("Dear Sen. ")
    assert " " not in href and "%0D%0A" in href
    assert (
        unquote(query.split("&body=")[1]).replace("\r\n", "\n")
        == senator.locator(".email-body").text_content()
    )

    # posts: Missouri publishes no handles, and the page says nobody there is notified
    note = phone.locator('p.untagged[data-platform="x"]').inner_text()
    assert "without notifying them" in note and state_rep[1] in note
    screenshot(phone, "act-on-each-legislator", max_height=2400)

    # organizers see the count
    login(phone, app_server, next_path="/dashboard/calls")
    row = phone.locator(f"tr[data-person-id='{ids[0]}']")
    assert row.locator("td").all_inner_texts() == ["0", "0", "1", "1"]


def test_outcomes_need_a_known_legislator_and_outcome(phone, app_server: Server) -> None:
    phone.goto(app_server.url + ACT)
    form = phone.locator("#leg-1 form.outcome")
    form.locator("input[name=person]").evaluate("i => i.value = 'ocd-person/not-a-member'")
    form.get_by_role("button", name="Left a voicemail").click()
    phone.wait_for_load_state()
    assert "not one of this campaign's" in phone.locator("main").inner_text()
    with app_server.db.session() as session:
        assert session.scalars(select(CallOutcome)).all() == []


def test_facebook_links_each_legislators_own_page(page, app_server: Server) -> None:
    from tests.web.test_supporter import S1693

    page.goto(app_server.url + f"/c/{S1693}/act?state=MO&us_house=3")
    link = page.locator("p.facebook-pages").get_by_role("link", name="Sen. Josh Hawley")
    assert link.get_attribute("href") == "https://www.facebook.com/SenatorHawley"


def test_a_script_with_fresh_cookies_cannot_inflate_the_counts(app_server: Server) -> None:
    import re

    import requests

    from bot.web.views_public import REPORTS_PER_HOUR

    statuses = []
    for _ in range(REPORTS_PER_HOUR + 2):
        client = requests.Session()  # a new session each time: the cookie remembers nothing
        page = client.get(app_server.url + ACT, timeout=5).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        person = re.search(r'name="person" value="([^"]+)"', page).group(1)
        answer = client.post(
            app_server.url + f"/c/{BOTH}/called",
            data={"csrf_token": token, "person": person, "outcome": "reached", "state": "MO"},
            allow_redirects=False,
            timeout=5,
        )
        statuses.append(answer.status_code)
    assert statuses == [303] * REPORTS_PER_HOUR + [429, 429]
    with app_server.db.session() as session:
        (row,) = session.scalars(select(CallOutcome)).all()
        assert row.count == REPORTS_PER_HOUR
