"""axe-core on the supporter pages, in Chromium on a phone: no WCAG 2 A/AA violations.

axe-core is an npm package; the test looks for ``axe.min.js`` at ``$AXE_CORE_JS``
or ``node_modules/axe-core/axe.min.js`` (``npm install axe-core``) and skips
without it (scripts/test does not install it yet).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import ROOT, unavailable
from tests.web.conftest import BOTH, Server, login
from tests.web.test_organisation import ORG
from tests.web.test_supporter import SB792


def _axe() -> Path:
    for candidate in (os.environ.get("AXE_CORE_JS"), ROOT / "node_modules/axe-core/axe.min.js"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    unavailable("axe-core is not installed: npm install axe-core (or set AXE_CORE_JS)")


@pytest.fixture
def extra_env() -> dict[str, str]:
    return ORG


def _violations(page, script: Path) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(script))
    result = page.evaluate(
        """async (tags) => {
          const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
          const where = v => v.nodes.map(n => n.target.join(' ')).join(', ');
          const violations = r.violations.map(v => v.id + ': ' + where(v));
          return {passes: r.passes.length, violations};
        }""",
        ["wcag2a", "wcag2aa", "wcag21aa"],
    )
    assert result["passes"] > 10  # the engine really ran
    found = result["violations"]
    return list(found)


def test_supporter_pages_have_no_axe_violations(browser, app_server: Server) -> None:
    script = _axe()
    # the CSP (script-src 'self') would refuse the injected engine: bypassed for the audit only
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        pages = [
            f"/c/{BOTH}",
            f"/c/{SB792}?lookup=no_match",
            f"/c/{BOTH}/act?state=MO&us_house=3&senate=6&house=50&found=address",
            f"/c/{SB792}/act?state=MO&senate=5&house=95",
            f"/c/{BOTH}/leadership",
            "/c/us-s1693-online-trafficking/feed.atom",  # the feed, as a browser gets it
        ]
        problems = {}
        for path in pages:
            phone.goto(app_server.url + path)
            if found := _violations(phone, script):
                problems[path] = found
        login(phone, app_server, next_path="/dashboard/calls")
        if found := _violations(phone, script):
            problems["/dashboard/calls"] = found
        assert problems == {}
    finally:
        context.close()
