"""Call scripts, emails and tagging notes for one legislator (pure, no server)."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from bot.directory.people import Person
from bot.web.actions import call_script, email, mailto, without_handle
from tests.support import make_campaign

SENATOR = Person(
    id="S1", name="Ada Lovelace", title="Sen.", chamber="senate", jurisdiction="us",
    state="MO", email="ada@lovelace.senate.gov", handles={"x": "SenAda"},
)  # fmt: skip
REP = Person(
    id="R1", name="Bo Diddley", title="Rep.", chamber="house", jurisdiction="us",
    state="MO", district="3", email="not an address",
)  # fmt: skip


def test_the_call_script_is_a_template_with_per_chamber_wording() -> None:
    campaign = make_campaign(
        call_script="Please ask {{ names }} to support {{ bill.identifier }}.",
        call_scripts={"senate": "Hello, I'm calling {{ targets[0].display_name }}'s office."},
    )
    assert call_script(campaign, SENATOR) == "Hello, I'm calling Sen. Ada Lovelace's office."
    assert call_script(campaign, REP) == "Please ask Rep. Bo Diddley to support S 1693."


def test_a_script_the_sandbox_refuses_is_not_shown() -> None:
    campaign = make_campaign(call_script="{{ bill.__class__ }}")
    assert call_script(campaign, SENATOR) is None
    assert call_script(make_campaign(), SENATOR) is None  # no script at all


def test_mailto_percent_encodes_subject_and_body() -> None:
    link = mailto("ada@lovelace.senate.gov", "Yes & no? #1", "Line one\nA=B 100%\n")
    assert link is not None
    assert link.startswith("mailto:ada@lovelace.senate.gov?subject=")
    query = urlsplit(link).query
    assert "&" not in query.split("&body=")[1]  # the body's own & is encoded
    assert "%0D%0A" in link and " " not in link
    fields = parse_qs(query)
    assert fields["subject"] == ["Yes & no? #1"]
    assert unquote(query.split("&body=")[1]) == "Line one\r\nA=B 100%"
    assert mailto("a@b.gov, c@d.gov", "s", "b") is None  # exactly one addressee
    assert mailto("x@y.gov?cc=evil@z.gov", "s", "b") is None


def test_an_email_is_addressed_to_them_about_their_bill() -> None:
    campaign = make_campaign()
    message = email(campaign, SENATOR)
    assert message.subject == "Please vote yes on S 1693"
    assert message.body.startswith("Dear Sen. Ada Lovelace,")
    assert message.mailto and message.mailto.startswith("mailto:ada@lovelace.senate.gov?subject=")
    assert email(campaign, REP).mailto is None  # no valid address: no link


def test_who_cannot_be_tagged_is_said() -> None:
    assert without_handle([SENATOR, REP], "x") == [REP]
    assert without_handle([SENATOR, REP], "bluesky") == [SENATOR, REP]
