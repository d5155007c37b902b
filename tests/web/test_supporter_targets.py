"""What a thumb and a keyboard need on the supporter pages, in Chromium on a phone.

Every call and email link is at least 44 px square (WCAG 2.5.5, Apple's and
Google's guidance), and the keyboard's focus ring stands out at least 3:1
against what surrounds it (WCAG 1.4.11), on every focusable element.
"""

from __future__ import annotations

import re

from tests.web.conftest import BOTH, Server

ACT = f"/c/{BOTH}/act?state=MO&us_house=3&senate=6&house=50"
PAGES = [f"/c/{BOTH}", ACT]

#: The ring's colour, and the first opaque background behind the focused element.
RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let node = el.parentElement, background = 'rgb(255, 255, 255)';
  while (node) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg && bg !== 'transparent' && !bg.startsWith('rgba(0, 0, 0, 0)')) {
      background = bg; break;
    }
    node = node.parentElement;
  }
  return {tag: el.tagName + '.' + el.className, style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), ring: style.outlineColor, background};
}"""


def luminance(color: str) -> float:
    """Relative luminance of a CSS ``rgb(...)`` colour (WCAG 2)."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", color)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_follows_wcag() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(245, 166, 35)", "rgb(255, 255, 255)"), 2) == 2.03


def test_every_call_and_email_link_is_a_thumb_sized_target(phone, app_server: Server) -> None:
    phone.goto(app_server.url + ACT)
    links = phone.locator("a[href^='tel:'], a[href^='mailto:']")
    assert links.count() >= 5
    small, measured = [], 0
    for index in range(links.count()):
        link = links.nth(index)
        if not link.is_visible():  # inside a closed <details>
            continue
        box = link.bounding_box()
        measured += 1
        if box and (box["height"] < 44 or box["width"] < 44):
            small.append((link.get_attribute("href"), box["width"], box["height"]))
    assert measured >= 5 and small == []


def test_the_focus_ring_stands_out_three_to_one_everywhere(phone, app_server: Server) -> None:
    weak = []
    for page in PAGES:
        phone.goto(app_server.url + page)
        for _ in range(40):  # the first 40 stops of the keyboard's tour
            phone.keyboard.press("Tab")
            seen = phone.evaluate(RING)
            if seen["tag"].startswith("BODY"):
                break
            assert seen["style"] != "none" and seen["width"] >= 2, (page, seen)
            ratio = contrast(seen["ring"], seen["background"])
            if ratio < 3:
                weak.append((page, seen["tag"], seen["ring"], seen["background"], round(ratio, 2)))
    assert weak == []
