"""A legislator's offices on their card, in Chromium on a phone: each office with a phone is
a call button of its own (44 px), labelled, with its address; the organisation's own first."""

from __future__ import annotations

from pathlib import Path

from bot.directory.overrides import load_overrides
from tests.web.conftest import BOTH, NOW, Server
from tests.web.test_supporter import missouri_members

ACT = f"/c/{BOTH}/act?state=MO&us_house=3&senate=6&house=50"


def test_each_office_is_a_call_button_with_its_address(
    phone, app_server: Server, tmp_path: Path
) -> None:
    (senator,) = missouri_members("upper", "6")
    overrides = tmp_path / "offices.yaml"
    overrides.write_text(
        "offices:\n"
        f"  - {{person: {senator}, name: Jefferson City district office, phone: 573-555-0106,\n"
        "      address: '1 High St, Jefferson City, MO 65101'}\n"
    )
    with app_server.db.session() as session:
        assert load_overrides(session, overrides, NOW).offices == 1

    phone.goto(app_server.url + ACT)
    card = phone.locator(f"li.person[data-person-id='{senator}']")
    calls = card.locator("ul.offices li")
    assert calls.count() == 2
    first, second = calls.nth(0), calls.nth(1)
    assert first.locator("a.button.call").get_attribute("href") == "tel:+15735550106"
    assert "Jefferson City district office, 1 High St, Jefferson City" in first.inner_text()
    assert "Capitol office" in second.inner_text()
    assert second.locator("a.button.call").get_attribute("href").startswith("tel:+1573751")
    for button in (first.locator("a.button.call"), second.locator("a.button.call")):
        assert button.bounding_box()["height"] >= 44
    # one outcome form per legislator, whichever office they called
    assert card.locator("form.outcome").count() == 1
