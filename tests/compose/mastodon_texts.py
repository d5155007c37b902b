"""Texts that probe Mastodon's length rule where it is easy to get wrong.

Each text is a run of pieces: words in several scripts, emoji sequences, URLs
(many protocols, hosts, paths, queries and the punctuation that follows a URL
in prose), mentions (local, remote, in odd case, with long domains, followed by
what cancels them) and the characters that decide whether a URL or a mention
starts. Used by ``test_mastodon_length.py`` (and to measure agreement by hand:
``python -m tests.compose.mastodon_texts``).
"""

from __future__ import annotations

import random

WORDS = [
    "Call", "SB", "792", "today", "señora", "Привет", "क्ष", "ক্ষ", "ക്ഷ", "日本語", "🙏🏽", "🏳️‍⚧️",
    "👨‍👩‍👧", "é", "e\u0301", "✨", "a.b", "#SB792", "$5", "x", "Ω", "ﬁ", "中文", "—",
]  # fmt: skip
PROTOCOLS = ["https://", "http://", "HTTPS://", "gemini://", "ftp://", "", "dat://", "ssb://"]
HOSTS = [
    "example.com", "senate.mo.gov", "xn--bcher-kva.example", "xn--bcher.com", "bücher.de",
    "t.co", "a_b.example.org", "例え.jp", "localhost", "example.zz", "😀.com", "ex-ample.co.uk",
    "EXAMPLE.COM", "a.b.c.d.io", "x.xn--p1ai", "1.2.3.4", "site.org", "b" * 70 + ".com",
    "host.social", "mo.gov", "пример.рф", "a\\b.com", 'a"b.com', "a`b.com", "x.xn--bcher-kva",
    "a.xn--p1ai-x", "xn--80ak6aa92e.com",
]  # fmt: skip
PORTS = ["", "", ":8080", ":"]
PATHS = [
    "", "", "/", "/bill", "/a.b", "/wiki/Bill_(law)", "/a(b(c))", "/@user@host.social",
    "/x-y_z", "/ü", "/путь", "/a!b", "/a:b", "/.", "/%20", "/a=", "/~u", "/[x]", "/a|b",
    "/「x」", "/a*", "/" + "p" * 30, "/abc123", "/a/", "/a(b", "/x_(日本)", "/w/(a b)", "/(ü)",
]  # fmt: skip
QUERIES = ["", "", "?a=1&b=2", "?q=x.", "?é=1", "?", "?x=(1)", "?a=1#frag", "?x=@y"]
TRAILERS = ["", "", "", ".", ",", ")", "!", ";", "'", '"', ":", "...", "?", "]", "-", "/", "é"]
USERS = ["john", "john.doe", "a_b", "dave", "SenatorSmith", "x-y", "a..b", "j", "Ünï", "a__", "1"]
DOMAINS = [
    "", "", "host.social", "example.com", "EXAMPLE.COM", "senate.social", "ñu.es",
    "b" * 260 + ".com", "b" * 240 + ".com", "x", "a-.b", "a.b-c.d",
]  # fmt: skip
MENTION_AFTER = ["", "", "", "@x", "é", "://", ".", "!", ",", "ü", "＠y"]
BEFORE = ["", "", "", "(", "a", "=", "/", "#", "@", "\u200e", "$", "-", "_", "é", "＠", "\ufeff"]
SEPARATORS = [" ", " ", " ", "\n", "", "  ", "\t", "\u3000", "\r\n", "\n\n", "\u00a0"]


def url(rng: random.Random) -> str:
    return "".join(rng.choice(part) for part in (PROTOCOLS, HOSTS, PORTS, PATHS, QUERIES, TRAILERS))


def mention(rng: random.Random) -> str:
    domain = rng.choice(DOMAINS)
    return f"@{rng.choice(USERS)}{'@' + domain if domain else ''}{rng.choice(MENTION_AFTER)}"


def piece(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return rng.choice(BEFORE) + url(rng)
    if kind < 0.6:
        return rng.choice(BEFORE) + mention(rng)
    if kind < 0.65:
        return "a" * rng.randrange(1, 400)
    return rng.choice(WORDS)


def text(rng: random.Random) -> str:
    """One generated text: up to a dozen pieces with separators between them."""
    pieces = [piece(rng) for _ in range(rng.randrange(1, 13))]
    return "".join(p + rng.choice(SEPARATORS) for p in pieces).rstrip(" ") or " "


def texts(count: int, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    return [text(rng) for _ in range(count)]


if __name__ == "__main__":  # agreement of the project's counter with the fake's port
    from bot.compose.mastodon_length import status_length
    from tests.fakes.mastodon_validator import countable_length

    sample = texts(2000)
    same = sum(status_length(t) == countable_length(t) for t in sample)
    print(f"{same} of {len(sample)} texts counted the same")
