"""One duration grammar for campaign files, settings and the CLI (bot.durations)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.durations import DurationError, parse_duration
from bot.errors import AdvocacyBotError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("30 min", timedelta(minutes=30)),
        (" 12h ", timedelta(hours=12)),
        ("1.5h", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("0m", timedelta(0)),
        ("45sec", timedelta(seconds=45)),
    ],
)
def test_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(text, bare_seconds=True) == expected


def test_a_bare_number_is_seconds_only_where_the_setting_says_so() -> None:
    assert parse_duration("90", bare_seconds=True) == timedelta(seconds=90)
    assert parse_duration("0", bare_seconds=True) == timedelta(0)
    with pytest.raises(DurationError) as refused:
        parse_duration("7")
    assert str(refused.value) == "'7' is not a duration; add a unit: 7s, 7m, 7h, 7d or 7w"
    with pytest.raises(DurationError, match=r"^7 is not a duration; add a unit: 7s, "):
        parse_duration(7)  # a YAML number


@pytest.mark.parametrize(
    ("value", "field", "bare", "message"),
    [
        (
            "soon",
            "X_MIN_SPACING",
            True,
            "X_MIN_SPACING: 'soon' is not a duration; write a number and a unit, "
            "e.g. 90s, 30m, 12h, 7d or 2w, or a number of seconds",
        ),
        ("7 days", None, False, "'7 days' is not a duration; write 7d"),
        ("2 Weeks", "--since", False, "--since: '2 Weeks' is not a duration; write 2w"),
        (
            "-5m",
            None,
            False,
            "'-5m' is not a duration; write a number and a unit, e.g. 90s, 30m, 12h, 7d or 2w",
        ),
        (
            True,
            None,
            False,
            "True is not a duration; write a number and a unit, e.g. 90s, 30m, 12h, 7d or 2w",
        ),
        (
            "5y",
            None,
            False,
            "'5y' is not a duration; write a number and a unit, e.g. 90s, 30m, 12h, 7d or 2w",
        ),
    ],
)
def test_errors_say_the_field_the_value_and_the_forms(
    value: object, field: str | None, bare: bool, message: str
) -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration(value, field=field, bare_seconds=bare)
    assert str(refused.value) == message
    assert isinstance(refused.value, ValueError | AdvocacyBotError)


@pytest.mark.parametrize("text", ["99999999w", "9" * 15 + "d", "40000d"])
def test_nothing_longer_than_a_century(text: str) -> None:
    """An untrusted campaign file's huge cooldown is an error, not an OverflowError."""
    with pytest.raises(DurationError, match="longer than a century"):
        parse_duration(text)


def test_a_timedelta_is_taken_as_it_is() -> None:
    assert parse_duration(timedelta(hours=3)) == timedelta(hours=3)
