"""The Atom feed stays a feed, and reads as a page when opened in a browser (feed.xsl)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.web.conftest import XSS_TEXT, Server

S1693 = "us-s1693-online-trafficking"


def test_the_feed_opened_in_a_browser_is_a_readable_page(page, server: Server) -> None:
    response = page.goto(server.url + f"/c/{S1693}/feed.atom")
    assert response is not None
    # a browser's navigation gets it as XML (the type feed.xsl applies to), the same document
    assert response.headers["content-type"].startswith("application/xml")
    assert "Sec-Fetch-Dest" in response.headers["vary"]
    raw = page.request.get(server.url + f"/c/{S1693}/feed.atom").body()  # as readers get it
    feed = ET.fromstring(raw)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    title = feed.findtext("{http://www.w3.org/2005/Atom}title")
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert "copy this page's address into a feed reader" in page.inner_text("main")
    assert (
        page.get_by_role("link", name="Back to the campaign page").get_attribute("href")
        == server.url + f"/c/{S1693}"
    )
    texts = page.locator(".post-text").all_inner_texts()
    assert XSS_TEXT in texts  # shown as text: the markup in a post is never markup
    assert page.locator(".post-text b").count() == 0
    # the same-origin stylesheets applied (the CSP allows 'self' only)
    assert page.evaluate("document.styleSheets.length") >= 2
    hrefs = page.locator("a", has_text="View the post").evaluate_all("a => a.map(x => x.href)")
    assert hrefs and all(h.startswith("https://") for h in hrefs)


def test_a_feed_reader_still_gets_atom(server: Server) -> None:
    import requests

    answer = requests.get(server.url + f"/c/{S1693}/feed.atom", timeout=5)
    assert answer.headers["content-type"].startswith("application/atom+xml")
    assert '<?xml-stylesheet type="text/xsl" href="/static/feed.xsl"?>' in answer.text
    sheet = requests.get(server.url + "/static/feed.xsl", timeout=5)
    assert sheet.ok and "xsl:stylesheet" in sheet.text
