"""The organisation's page: name, logo, colour, links, link previews, the first screen."""

from __future__ import annotations

import re

import pytest
import requests

from bot.config import ConfigError, Settings, contrast
from tests.web.conftest import Server, screenshot
from tests.web.test_supporter import S1693

ORG = {
    "ORG_NAME": "Missouri Kids First",
    "ORG_LOGO_URL": "/static/example-logo.svg",
    "ORG_COLOR": "#7a1f5c",
    "ORG_DONATE_URL": "https://kidsfirst.example.org/donate",
    "ORG_CONTACT_URL": "https://kidsfirst.example.org/contact",
    "ORG_PRIVACY_URL": "https://kidsfirst.example.org/privacy",
}


@pytest.fixture
def extra_env() -> dict[str, str]:
    return ORG


def _settings(**env: str) -> Settings:
    return Settings.load(environ=env, dotenv=False)


def test_org_settings_are_checked_with_a_fix_in_the_message() -> None:
    org = _settings(**ORG).organisation
    assert org.name == "Missouri Kids First" and org.colour == "#7a1f5c"
    assert [label for label, _ in org.links] == ["Donate", "Contact us", "Privacy"]
    assert _settings().organisation.name == "advocacy-bot"
    for name, value, says in [
        ("ORG_LOGO_URL", "https://cdn.example.com/logo.png", "a path on this site"),
        ("ORG_LOGO_URL", "//cdn.example.com/logo.png", "a path on this site"),
        ("ORG_COLOR", "red", "#rrggbb"),
        ("ORG_COLOR", "#ffcc00", "darker shade"),
        ("ORG_DONATE_URL", "javascript:alert(1)", "https://"),
        ("ORG_PRIVACY_URL", 'https://x.org/"><script>', "https://"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(says)):
            _ = _settings(**{name: value}).organisation
    assert round(contrast("#ffffff", "#000000")) == 21


def test_the_page_is_the_organisations_with_previews_and_a_first_screen_call_to_action(
    phone,
    app_server: Server,
) -> None:
    outside: list[str] = []
    phone.on(
        "request", lambda r: None if r.url.startswith(app_server.url) else outside.append(r.url)
    )
    phone.goto(app_server.url + f"/c/{S1693}")
    header = phone.locator("header.top")
    assert "Missouri Kids First" in header.inner_text()
    assert header.locator("img.org-logo").get_attribute("src") == ORG["ORG_LOGO_URL"]
    assert phone.title().endswith("· Missouri Kids First")
    footer = phone.locator("footer")
    for label, key in [
        ("Donate", "ORG_DONATE_URL"),
        ("Contact us", "ORG_CONTACT_URL"),
        ("Privacy", "ORG_PRIVACY_URL"),
    ]:
        assert footer.get_by_role("link", name=label).get_attribute("href") == ORG[key]
    # the colour, from a stylesheet (no inline styles under the CSP)
    accent = phone.evaluate(
        "getComputedStyle(document.querySelector('a.button.cta')).backgroundColor"
    )
    assert accent == "rgb(122, 31, 92)"
    # the call to action is on the first phone screen and leads to the address form
    cta = phone.get_by_role("link", name="Call, email or post to your legislators")
    box = cta.bounding_box()
    assert box["y"] + box["height"] <= 844 and box["height"] >= 44
    cta.click()
    assert phone.evaluate("location.hash") == "#address-form"
    # link previews: Open Graph and Twitter cards with the campaign's title and text
    meta = dict(
        phone.locator("meta[property^='og:'], meta[name^='twitter:']").evaluate_all(
            "ms => ms.map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content])"
        )
    )
    assert meta["og:title"] == meta["twitter:title"] == phone.locator("h1").inner_text()
    assert meta["og:description"].startswith("Allows websites that knowingly help")
    assert meta["og:url"] == f"{app_server.url}/c/{S1693}"
    assert meta["og:image"] == app_server.url + ORG["ORG_LOGO_URL"]
    assert meta["twitter:card"] == "summary"
    # times in the campaign's time zone (America/New_York), not UTC
    times = phone.locator("main time").all_inner_texts()
    assert times and all(t.endswith(("EDT", "EST")) for t in times)
    assert outside == []
    screenshot(phone, "supporter-organisation", max_height=844)


def test_no_developer_labels_on_the_supporter_pages(page, app_server: Server) -> None:
    page.goto(app_server.url + f"/c/{S1693}/act?state=MO&us_house=3")
    text = page.locator("main").inner_text()
    assert not re.search(r"\b\d+/\d{3,}\b", text), re.findall(r"\b\d+/\d{3,}\b", text)
    assert "of 280 characters" in text
    css = requests.get(app_server.url + "/org.css", timeout=5)
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.text == ":root { --accent: #7a1f5c; }\n"
