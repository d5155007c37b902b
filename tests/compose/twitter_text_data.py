"""Write ``bot/compose/_twitter_text_data.py`` from the installed twitter-text-parser.

The bot counts X's length without importing twitter-text-parser (its import
costs half a second), using data copied from it: the top-level domains its URL
pattern accepts and the code points of its emoji. ``tests/compose/test_urls.py``
checks the copy against the library; when the library changes, run::

    .venv/bin/python -m tests.compose.twitter_text_data > bot/compose/_twitter_text_data.py
"""

from __future__ import annotations

import textwrap

from twitter_text.regexp.emoji import emoji_list
from twitter_text.regexp.valid_cctld import valid_cctld
from twitter_text.regexp.valid_gtld import valid_gtld

TLD_PREFIX = "(?:(?:"
TLD_SUFFIX = ")(?=[^0-9a-zA-Z@+-]|$))"


def tld_words(pattern: str) -> list[str]:
    """The alternatives of one of twitter-text's TLD patterns, in the library's order."""
    assert pattern.startswith(TLD_PREFIX) and pattern.endswith(TLD_SUFFIX), pattern[-40:]
    return pattern[len(TLD_PREFIX) : -len(TLD_SUFFIX)].split("|")


def emoji_code_points() -> list[int]:
    """Every non-ASCII code point of every emoji twitter-text knows, sorted."""
    return sorted(
        {
            int(point, 16)
            for emoji in emoji_list
            for point in emoji.codepoint.split()
            if int(point, 16) > 0x7F
        }
    )


def ranges(points: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for point in points:
        if out and out[-1][1] == point - 1:
            out[-1] = (out[-1][0], point)
        else:
            out.append((point, point))
    return out


def _wrapped(items: list[str]) -> str:
    body = " ".join(items)
    return "\n".join(textwrap.wrap(body, 88, break_long_words=False, break_on_hyphens=False))


def module_text() -> str:
    gtlds = tld_words(valid_gtld.pattern)
    cctlds = tld_words(valid_cctld.pattern)
    emoji = [f"{a:X}" if a == b else f"{a:X}-{b:X}" for a, b in ranges(emoji_code_points())]
    return (
        "# ruff: noqa: E501, SIM905\n"
        '"""Data copied from twitter-text-parser (generated: do not edit).\n\n'
        "Regenerate with ``python -m tests.compose.twitter_text_data``; the tests\n"
        "check it against the installed library. The lists come from Twitter's\n"
        "twitter-text (Apache License 2.0) through twitter-text-parser (MIT).\n"
        '"""\n\n'
        "#: Generic top-level domains, in the order of twitter-text's pattern.\n"
        f'GTLDS = """\n{_wrapped(gtlds)}\n""".split()\n\n'
        "#: Country-code top-level domains, in the order of twitter-text's pattern.\n"
        f'CCTLDS = """\n{_wrapped(cctlds)}\n""".split()\n\n'
        "#: Every non-ASCII code point used in an emoji, as hex ranges.\n"
        f'EMOJI_CODE_POINTS = """\n{_wrapped(emoji)}\n""".split()\n'
    )


if __name__ == "__main__":
    print(module_text(), end="")
