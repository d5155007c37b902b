"""The Atom feed stays a feed for feed readers, and opened in a browser it is a page.

Chromium is removing XSLT (and warns on every page that uses it), so a browser
asking for HTML gets an HTML page of the same posts (content negotiation on
``Accept``); a feed reader gets Atom at the same address.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from tests.web.conftest import XSS_TEXT, Server

S1693 = "us-s1693-online-trafficking"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_feed_opened_in_a_browser_is_a_readable_page_with_no_warning(
    page, server: Server
) -> None:
    said: list[str] = []
    page.on("console", lambda message: said.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: said.append(f"error: {error}"))
    response = page.goto(server.url + f"/c/{S1693}/feed.atom")
    assert response is not None
    assert response.headers["content-type"].startswith("text/html")
    assert "Accept" in response.headers["vary"]
    page.wait_for_load_state()
    # an HTML document: no XSLT, so no "XSLT is deprecated" banner or warning
    assert page.evaluate("document.contentType") == "text/html"
    assert said == []
    feed = ET.fromstring(requests.get(server.url + f"/c/{S1693}/feed.atom", timeout=5).content)
    assert page.get_by_role("heading", level=1).inner_text() == feed.findtext(f"{ATOM}title")
    assert "copy this page's address into a feed reader" in page.inner_text("main")
    assert (
        page.get_by_role("link", name="Back to the campaign page").get_attribute("href")
        == server.url + f"/c/{S1693}"
    )
    texts = page.locator(".post-text").all_inner_texts()
    assert texts == [e.findtext(f"{ATOM}content") for e in feed.findall(f"{ATOM}entry")]
    assert XSS_TEXT in texts  # shown as text: the markup in a post is never markup
    assert page.locator(".post-text b").count() == 0
    # the same-origin stylesheets applied (the CSP allows 'self' only), and it fits a phone
    assert page.evaluate("document.styleSheets.length") >= 2
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    hrefs = page.locator("a", has_text="View the post").evaluate_all("a => a.map(x => x.href)")
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    assert page.locator('link[rel="alternate"][type="application/atom+xml"]').count() == 1


def test_a_feed_reader_still_gets_atom(server: Server) -> None:
    for accept in (
        None,
        "*/*",
        "application/atom+xml",
        "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8",
    ):
        headers = {"Accept": accept} if accept else {}
        answer = requests.get(server.url + f"/c/{S1693}/feed.atom", headers=headers, timeout=5)
        assert answer.headers["content-type"].startswith("application/atom+xml"), accept
        assert "xml-stylesheet" not in answer.text
        feed = ET.fromstring(answer.content)
        assert feed.tag == f"{ATOM}feed"
    assert requests.get(server.url + "/static/feed.xsl", timeout=5).status_code == 404
