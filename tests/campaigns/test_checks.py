"""What a campaign file used to get away with: each is now an error at its field and line.

Every case here was accepted silently (or explained wrongly) before: a post
would have gone out tagging nobody, reading backwards, linking to
``javascript:``, or an hour late all summer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.campaigns.checks import cron_never_fires, text_problem, timezone_problem
from bot.campaigns.errors import CampaignLoadError
from bot.campaigns.loader import load_campaign
from bot.campaigns.schema import Platform
from tests.campaigns.conftest import WriteCampaign


def problems(path: Path) -> list[str]:
    with pytest.raises(CampaignLoadError) as caught:
        load_campaign(path)
    return [str(error) for error in caught.value.errors]


def test_an_unknown_jurisdiction_is_refused(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"jurisdiction: us": "jurisdiction: zz"})
    assert problems(path) == [
        f"{path}:4: bills[0].jurisdiction: 'zz' is not a jurisdiction. Fix: use 'us' for "
        "Congress, or the two-letter postal code of a state, DC or a territory, such as "
        "'mo' for Missouri"
    ]


@pytest.mark.parametrize("code", ["mo", "DC", "pr", "gu", "vi", "as", "mp", "us", "WY"])
def test_states_dc_territories_and_congress_are_jurisdictions(
    write_campaign: WriteCampaign, code: str
) -> None:
    replacements = {"jurisdiction: us": f"jurisdiction: {code}"}
    if code.lower() != "us":
        replacements["identifier: S 1693"] = "identifier: SB 1"
    loaded = load_campaign(write_campaign(replacements))
    assert loaded.campaign.bills[0].jurisdiction == code.lower()


def test_a_state_written_out_gets_its_code(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"jurisdiction: us": "jurisdiction: Missouri"})
    assert problems(path) == [
        f"{path}:4: bills[0].jurisdiction: 'missouri' is not a jurisdiction code. "
        "Fix: write 'mo' for Missouri"
    ]


def test_posts_per_run_above_posts_per_day(write_campaign: WriteCampaign) -> None:
    path = write_campaign(
        {"  quiet_hours:": "  posts_per_run: 5\n  posts_per_day: 2\n  quiet_hours:"}
    )
    assert problems(path) == [
        f"{path}:31: schedule.posts_per_run: posts_per_run (5) is more than posts_per_day (2), "
        "so a run could never make that many posts. Fix: make posts_per_run at most 2, "
        "or raise posts_per_day"
    ]


def test_an_interval_of_zero_is_too_short_not_missing(write_campaign: WriteCampaign) -> None:
    path = write_campaign({'cron: "0 12 * * 1-5"': "interval: 0m"})
    assert problems(path) == [
        f"{path}:27: schedule.interval: interval must be at least 5m, not 0m. "
        "Fix: write 5m or more, e.g. 30m, 6h or 1d"
    ]


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("CST", "America/Chicago"),
        ("CDT", "America/Chicago"),
        ("EST", "America/New_York"),
        ("EDT", "America/New_York"),
        ("MST", "America/Denver"),
        ("MDT", "America/Denver"),
        ("PST", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("AKST", "America/Anchorage"),
        ("HST", "Pacific/Honolulu"),
    ],
)
def test_timezone_abbreviations_name_the_zone_meant(
    write_campaign: WriteCampaign, written: str, zone: str
) -> None:
    path = write_campaign({"America/Chicago": written})
    [error] = problems(path)
    assert error.startswith(
        f"{path}:28: schedule.timezone: {written!r} is an abbreviation, not a timezone: "
        "abbreviations are ambiguous"
    )
    assert "daylight saving time" in error
    assert f"Fix: use {zone!r}" in error
    assert "UCT" not in error


@pytest.mark.parametrize("written", ["UTC", "utc", "GMT", "Etc/UTC", "Zulu"])
def test_utc_in_any_spelling_is_utc(write_campaign: WriteCampaign, written: str) -> None:
    loaded = load_campaign(write_campaign({"America/Chicago": written}))
    assert loaded.campaign.schedule.timezone == "UTC"


def test_a_misspelt_zone_still_gets_its_close_match(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"America/Chicago": "America/Chikago"})
    assert problems(path) == [
        f"{path}:28: schedule.timezone: unknown timezone 'America/Chikago'. "
        "Fix: did you mean 'America/Chicago'?"
    ]


def test_a_cron_that_never_fires(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"0 12 * * 1-5": "0 0 31 2 *"})
    assert problems(path) == [
        f"{path}:27: schedule.cron: '0 0 31 2 *' never runs: no month Feb has day 31. "
        "Fix: check the day (third field) and the month (fourth field)"
    ]


@pytest.mark.parametrize("expr", ["0 0 29 2 *", "0 9 31 1-12 *", "0 9 30 */2 *", "0 9 * 2 *"])
def test_crons_that_fire_somewhere_are_fine(expr: str) -> None:
    assert cron_never_fires(expr) is None


def test_crons_on_impossible_days() -> None:
    assert cron_never_fires("0 9 31 apr,jun,sep,nov *") is not None
    assert cron_never_fires("0 9 30,31 feb *") is not None


@pytest.mark.parametrize(
    "character",
    ["\u202e", "\u202a", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
     "\u061c"],
)  # fmt: skip
def test_bidirectional_controls_in_a_message_are_refused(
    write_campaign: WriteCampaign, character: str
) -> None:
    path = write_campaign({"please move": f"please {character}move"})
    [error] = problems(path)
    assert error.startswith(
        f"{path}:24: messages[1].text: holds the bidirectional control character "
        f"U+{ord(character):04X} ("
    )
    assert "it reorders what readers see" in error
    assert "Fix: delete it" in error


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("Josh Hawley\n", "Josh\u200b Hawley\n", "12: targets.people[0].name"),
        ('"S 1693: hold', '"S 1693:\u2060 hold', "2: title"),
        ("Stop Enabling", "Stop\\u0007 Enabling", "7: bills[0].title"),
        ("id: short", 'id: "sh\\x1bort"', "21: messages[0].id"),
    ],
)
def test_invisible_and_control_characters_are_refused(
    write_campaign: WriteCampaign, old: str, new: str, where: str
) -> None:
    if "\\u0007" in new:  # YAML escapes need double quotes
        new = '"Stop\\u0007 Enabling Sex Traffickers Act"'
        old = "Stop Enabling Sex Traffickers Act"
    path = write_campaign({old: new})
    [error] = problems(path)
    assert error.startswith(f"{path}:{where}: holds ")
    assert "Fix: delete it" in error


def test_emoji_joiners_and_line_breaks_in_messages_are_fine() -> None:
    assert (
        text_problem("Families \U0001f468\u200d\U0001f469\u200d\U0001f467\nsay yes", multiline=True)
        is None
    )
    assert text_problem("two\nlines", multiline=False) is not None


def test_a_megabyte_title_is_refused(write_campaign: WriteCampaign) -> None:
    path = write_campaign({'"S 1693: hold trafficking websites to account"': "x" * 1_000_000})
    assert problems(path) == [
        f"{path}:2: title: is 1,000,000 characters long, more than the 300 allowed here. "
        "Fix: shorten it"
    ]


def test_a_huge_message_is_refused_before_rendering(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"please move": "please " + "move " * 200_000})
    [error] = problems(path)
    assert error == (
        f"{path}:24: messages[1].text: is 1,000,051 characters long, more than the 5,000 "
        "allowed here. Fix: shorten it"
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ('"javascript:alert(1)"', "is a javascript: link"),
        ("file:///etc/passwd", "is a file: link"),
        ("www.congress.gov/bill", "is not a web address"),
        ('"https://www.congress.gov@evil.example/x"', "hides its real web site"),
        ("https://localhost/x", "has no web site in it"),
    ],
)
def test_bill_links_are_http_or_https_to_a_site(
    write_campaign: WriteCampaign, url: str, says: str
) -> None:
    path = write_campaign(
        {"url: https://www.congress.gov/bill/115th-congress/senate-bill/1693": f"url: {url}"}
    )
    [error] = problems(path)
    assert error.startswith(f"{path}:8: bills[0].url: ")
    assert says in error


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "cooldown: 7d",
            "cooldown: 7d\nmentions_per_post: 1000",
            "must be at most 10, not 1000. Fix: write 10 or less",
        ),
        ("cooldown: 7d", "cooldown: 7d\nmentions_per_post: -1", "must be at least 0, not -1"),
        ("  quiet_hours:", "  posts_per_day: 1000000000\n  quiet_hours:", "at most 500"),
        ("  quiet_hours:", "  posts_per_day: -3\n  quiet_hours:", "must be at least 1, not -3"),
        ("id: us-s1693", "id: " + "a" * 65, "is 65 characters long; the most allowed here is 64"),
        ("id: us-s1693", "id: ../../etc", "is not a campaign id"),
    ],
)
def test_absurd_numbers_and_unsafe_ids(
    write_campaign: WriteCampaign, old: str, new: str, says: str
) -> None:
    [error] = problems(write_campaign({old: new}))
    assert says in error


def test_timezone_problem_leaves_real_zones_alone() -> None:
    assert timezone_problem("America/Chicago") is None
    assert timezone_problem("EST5EDT") is None


# --- roster and overrides paths ---------------------------------------------------


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("/etc/hostname", "'/etc/hostname' is an absolute path (outside the campaign's folder)"),
        ("/proc/self/environ", "'/proc/self/environ' is an absolute path"),
        ("../.env", "'../.env' leads outside the campaign's folder"),
        ("rosters/../../secret.yaml", "'rosters/../../secret.yaml' leads outside"),
    ],
)
@pytest.mark.parametrize("field", ["roster", "overrides"])
def test_paths_outside_the_campaigns_folder_are_refused_unread(
    write_campaign: WriteCampaign, tmp_path: Path, written: str, says: str, field: str
) -> None:
    secret = tmp_path / ".env"
    secret.write_text("X_API_KEY=hunter2\n")
    folder = tmp_path / "campaigns"
    path = write_campaign(
        {"targets:\n": f"targets:\n  {field}: {written!r}\n"}, name="campaigns/c.yaml"
    )
    [error] = problems(path)
    assert error.startswith(f"{path}:10: targets.{field}: {field} file {says}")
    assert ", so it is not read. Fix: keep the" in error
    assert "hunter2" not in error and folder.is_dir()


def test_a_symbolic_link_out_of_the_folder_is_refused(
    write_campaign: WriteCampaign, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("people: []\n")
    (tmp_path / "campaigns" / "rosters").mkdir(parents=True)
    (tmp_path / "campaigns" / "rosters" / "mo.yaml").symlink_to(outside)
    path = write_campaign(
        {"targets:\n": "targets:\n  roster: rosters/mo.yaml\n"}, name="campaigns/c.yaml"
    )
    [error] = problems(path)
    assert "roster file 'rosters/mo.yaml' leads outside the campaign's folder" in error


def test_a_roster_in_a_subfolder_is_read(write_campaign: WriteCampaign, tmp_path: Path) -> None:
    write_campaign(
        name="campaigns/rosters/mo.yaml",
        text="people:\n  - id: S001227\n    name: Eric Schmitt\n",
    )
    path = write_campaign(
        {"targets:\n": "targets:\n  roster: rosters/../rosters/mo.yaml\n"}, name="campaigns/c.yaml"
    )
    assert "S001227" in [person.id for person in load_campaign(path).people]


# --- messages that never name their targets -----------------------------------------


def test_a_message_without_mentions_is_refused(write_campaign: WriteCampaign) -> None:
    path = write_campaign({'"{{ mentions }}, please support': '"Please support'})
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short' never names the legislators it is "
        "posted to (it has no {{ mentions }}, {{ names }} or {{ targets }}), yet each post "
        "picks targets, logs them and starts their cooldown. Fix: add {{ mentions }} where "
        "they should be tagged (or set mentions_per_post: 0 for posts that address nobody)"
    ]


@pytest.mark.parametrize(
    "text",
    [
        '"{{ names }}, please support {{ bill.identifier }}"',
        '"{% for t in targets %}{{ t.mention }} {% endfor %}support {{ bill.identifier }}"',
        '"{{ mentions | upper }}: support {{ bill.identifier }}"',
    ],
)
def test_any_way_of_naming_targets_will_do(write_campaign: WriteCampaign, text: str) -> None:
    short = '"{{ mentions }}, please support {{ bill.identifier }}. {{ bill.url }}"'
    load_campaign(write_campaign({short: text}))


def test_mentions_with_mentions_per_post_zero_are_always_empty(
    write_campaign: WriteCampaign,
) -> None:
    path = write_campaign({"cooldown: 7d": "cooldown: 7d\nmentions_per_post: 0"})
    errors = problems(path)
    assert errors[0] == (
        f"{path}:22: messages[0].text: message 'short' uses {{{{ mentions }}}}, which is always "
        "empty because mentions_per_post is 0. Fix: remove it, or set mentions_per_post to "
        "how many legislators each post should address"
    )
    assert "message 'names' uses {{ names }}" in errors[1]


def test_mentions_per_post_zero_with_messages_naming_nobody_loads(
    write_campaign: WriteCampaign,
) -> None:
    path = write_campaign(
        {
            '"{{ mentions }}, please support': '"Please support',
            "{{ names }}: please": "Please",
            "cooldown: 7d": "cooldown: 7d\nmentions_per_post: 0",
        }
    )
    assert load_campaign(path).campaign.mentions_per_post == 0


# --- YAML that cannot be a campaign -----------------------------------------------------


def test_an_alias_inside_itself_is_refused_at_its_line(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"bills:\n": "bills: &b\n  - *b\n"})
    assert problems(path)[0] == (
        f"{path}:3: bills[0]: an *alias inside the list or fields anchored here repeats them, "
        "which would make them endless. Fix: remove the alias, or point it at an &anchor "
        "outside the part it is in"
    )


def test_a_file_that_is_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes("id: x\ntitle: café\n".encode("latin-1"))
    assert problems(path) == [
        f"{path}:2: is not UTF-8 text: byte 0xe9 (column 11) cannot be read (invalid "
        "continuation byte). Fix: save the file as UTF-8 (most editors offer it under "
        "'Save as' or 'Encoding'), or check that it is the YAML file you meant"
    ]


@pytest.mark.parametrize(("byte", "code"), [(b"\x00", "U+0000"), (b"\x1b", "U+001B")])
def test_binary_data_names_the_control_character(tmp_path: Path, byte: bytes, code: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"id: x\ntitle: ab" + byte + b"cd\n")
    [error] = problems(path)
    assert error.startswith(f"{path}:2: holds the control character {code} (column 10)")


def test_a_second_document(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d\n": "cooldown: 7d\n---\nid: other\n"})
    assert problems(path) == [
        f"{path}:33: YAML syntax error: a second YAML document starts here ('---') (column 1). "
        "Fix: a campaign file holds one campaign: put each in its own file, or remove the "
        "'---' line"
    ]


def test_a_list_nested_thousands_deep_is_a_syntax_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("id: x\ntitle: " + "[" * 5000 + "]" * 5000 + "\n")
    [error] = problems(path)
    assert error.startswith(f"{path}:2: YAML syntax error: exceeded maximum nesting depth")
    assert "Fix: a campaign nests a few levels deep" in error


def test_record_lines_walks_a_deep_document_without_recursion() -> None:
    import yaml

    from bot import safeyaml
    from bot.campaigns.loader import LineMap, record_lines

    depth = 900  # under libyaml's nesting limit, over what a recursive walk may use
    text = "a: &top " + "[" * depth + "*top" + "]" * depth
    node = yaml.compose(text, Loader=safeyaml.SafeLoader)
    lines = LineMap()
    record_lines(node, lines)
    assert max(len(loc) for loc in lines.lines) == 24  # paths stop growing: memory stays small
    assert lines.loops  # the alias back to the top, 900 levels down, is still found


# --- schedules and messages that could never post ----------------------------------------


def test_a_cron_always_in_quiet_hours(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"0 12 * * 1-5": "30 22 * * 1-5"})
    assert problems(path) == [
        f"{path}:31: schedule.quiet_hours: every time the cron '30 22 * * 1-5' fires (e.g. "
        "22:30) is inside quiet_hours, so the campaign would never post. Fix: move the cron's "
        "hour out of the quiet hours, or change quiet_hours"
    ]


def test_a_cron_partly_in_quiet_hours_is_fine(write_campaign: WriteCampaign) -> None:
    load_campaign(write_campaign({"0 12 * * 1-5": "0 7,9 * * 1-5"}))


def test_a_platform_no_message_is_for(write_campaign: WriteCampaign) -> None:
    path = write_campaign(
        {
            '    text: "{{ mentions }}': '    platforms: [x]\n    text: "{{ mentions }}',
            "    text: >-": "    platforms: [x]\n    text: >-",
        }
    )
    assert problems(path) == [
        f"{path}:19: platforms: no message is for facebook, so nothing would ever be posted "
        "there. Fix: add facebook to a message's platforms, or remove it from the campaign's "
        "platforms"
    ]


def test_a_message_for_a_platform_the_campaign_does_not_post_on(
    write_campaign: WriteCampaign,
) -> None:
    path = write_campaign({"    text: >-": "    platforms: [mastodon, x]\n    text: >-"})
    assert problems(path) == [
        f"{path}:24: messages[1].platforms: message 'names' is for mastodon, which the "
        "campaign does not post on (its platforms: x, facebook). Fix: list only platforms "
        "from the campaign's platforms, or add mastodon to them"
    ]


@pytest.mark.parametrize(
    ("handles", "says"),
    [
        (
            "{bluesky: 'SenX DONATE https://scam.example/give @everyone'}",
            "is not a Bluesky handle (a domain name such as name.bsky.social). "
            "Fix: write the handle shown after @ on the profile",
        ),
        ("{bluesky: hawley}", "is not a Bluesky handle"),
        (
            "{facebook: 'https://www.facebook.com/SenatorHawley?fref=ts'}",
            "is not a Facebook page as written. Fix: write 'SenatorHawley'",
        ),
        ("{facebook: 'Senator Hawley DONATE'}", "is not a Facebook page (a page's user name"),
    ],
)
def test_bluesky_and_facebook_handles_are_checked(
    write_campaign: WriteCampaign, handles: str, says: str
) -> None:
    path = write_campaign({"{x: SenEricSchmitt}": handles})
    [error] = problems(path)
    assert error.startswith(f"{path}:18: targets.people[1].handles.")
    assert says in error


def test_good_bluesky_and_facebook_handles_load(write_campaign: WriteCampaign) -> None:
    path = write_campaign(
        {"{x: SenEricSchmitt}": "{bluesky: '@schmitt.bsky.social', facebook: '100064372373431'}"}
    )
    schmitt = load_campaign(path).people[1]
    assert schmitt.handles == {"bluesky": "schmitt.bsky.social", "facebook": "100064372373431"}


def test_a_roster_of_thousands_of_bad_entries_reports_the_first_fifty(
    write_campaign: WriteCampaign,
) -> None:
    roster = write_campaign(
        name="rosters/big.yaml",
        text="people:\n" + "".join(f"  - id: p{i}\n    nmae: P\n" for i in range(5000)),
    )
    path = write_campaign(
        {"targets:\n  people:": "targets:\n  roster: rosters/big.yaml\n  people:"}
    )
    errors = problems(path)
    assert len(errors) == 51
    assert errors[0] == (
        f"{roster}:3: people[0]: unknown field 'nmae', and the required field 'name' is "
        "missing. Fix: did you mean 'name'?"
    )
    assert errors[-1] == (
        f"{roster}: and 4,950 more problems after line 101 (only the first 50 are shown). "
        "Fix: fix these, then run 'advocacy-bot validate' again"
    )


def test_an_open_quote_after_thousands_of_lines_is_found(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    fields = "".join(f'k{i}: "value {i}"\n' for i in range(5000))
    path.write_text(fields + 'title: "abc\nbills:\n  - a: b\nmore: "x"\n')
    [error] = problems(path)
    assert error.startswith(
        f'{path}:5001: YAML syntax error: the double quote (") opened here (column 8) is not '
        "closed on this line"
    )


def test_an_empty_title_is_refused(write_campaign: WriteCampaign) -> None:
    path = write_campaign({'"S 1693: hold trafficking websites to account"': '""'})
    assert problems(path) == [
        f"{path}:2: title: is empty. Fix: write it, or leave the field out where it is optional"
    ]


def test_an_account_name_must_be_a_settings_name(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d\n": "cooldown: 7d\naccounts: {x: '../../main key'}\n"})
    [error] = problems(path)
    assert error.startswith(
        f"{path}:33: accounts: '../../main key' (for x) is not an account name. Fix: use "
        "lowercase letters, digits, '-' or '_'"
    )
    assert (
        load_campaign(
            write_campaign({"cooldown: 7d\n": "cooldown: 7d\naccounts: {x: mo-coalition_2}\n"})
        ).campaign.account_for(Platform.X)
        == "mo-coalition_2"
    )


def test_a_control_character_after_accented_letters_is_at_its_column(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("id: x\ntitle: café é\x00x\n", encoding="utf-8")
    [error] = problems(path)
    assert error.startswith(f"{path}:2: holds the control character U+0000 (column 14)")


def test_x_mentions_is_tag_or_name(write_campaign: WriteCampaign) -> None:
    from bot.campaigns.checks import x_mentions_problem
    from bot.campaigns.schema import XMentions

    assert x_mentions_problem("tag") is None and x_mentions_problem("name") is None
    assert load_campaign(write_campaign()).campaign.x_mentions is XMentions.TAG  # the default
    named = write_campaign({"cooldown: 7d\n": "cooldown: 7d\nx_mentions: name\n"})
    assert load_campaign(named).campaign.x_mentions is XMentions.NAME

    close = write_campaign({"cooldown: 7d\n": "cooldown: 7d\nx_mentions: plain text\n"})
    assert problems(close) == [
        f"{close}:33: x_mentions: 'plain text' is neither 'tag' nor 'name'. Fix: write 'name'"
    ]
    wrong = write_campaign({"cooldown: 7d\n": "cooldown: 7d\nx_mentions: yes\n"})
    assert problems(wrong) == [
        f"{wrong}:33: x_mentions: true is neither 'tag' nor 'name'. Fix: write 'tag' (tag each "
        "legislator's @handle on X: every such post waits for an organizer's approval, and X "
        "limits automated mentions) or 'name' (name them in plain text: nobody is notified)"
    ]
