"""Loading campaign files: every mistake is one exact, located, plain-English line."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.campaigns.errors import CampaignLoadError
from bot.campaigns.loader import find_campaign, load_campaign, load_campaigns
from tests.campaigns.conftest import WriteCampaign


def problems(path: Path) -> list[str]:
    """Every error loading ``path`` raises, as printed."""
    with pytest.raises(CampaignLoadError) as caught:
        load_campaign(path)
    return [str(error) for error in caught.value.errors]


# --- a good file ---------------------------------------------------------------


def test_loads_the_base_campaign_with_its_people(write_campaign: WriteCampaign) -> None:
    loaded = load_campaign(write_campaign())
    assert loaded.campaign.id == "us-s1693"
    assert [p.id for p in loaded.people] == ["H001089", "S001227"]
    hawley = loaded.people[0]
    assert hawley.display_name == "Sen. Josh Hawley"
    assert hawley.handles == {"x": "SenHawleyPress", "facebook": "SenatorHawley"}
    assert hawley.handle_sources == {"x": "campaign", "facebook": "campaign"}
    assert loaded.people[1].handles == {"x": "SenEricSchmitt"}


def test_clock_times_are_times_not_base_60_numbers(write_campaign: WriteCampaign) -> None:
    # YAML 1.1 reads an unquoted 21:00 as the number 1260; the loader must not.
    quiet = load_campaign(write_campaign()).campaign.schedule.quiet_hours
    assert quiet is not None
    assert (quiet.start, quiet.end) == (time(21, 0), time(8, 0))


# --- fields --------------------------------------------------------------------


def test_unknown_field_suggests_the_close_match(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"schedule:\n": "schedual:\n"})
    # One mistake, one error, at the misspelt line (not "missing 'schedule'" on line 1).
    assert problems(path) == [
        f"{path}:26: unknown field 'schedual', and the required field 'schedule' is missing. "
        "Fix: did you mean 'schedule'?",
    ]


def test_a_misspelt_field_whose_real_one_is_also_given(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d": "cooldown: 7d\ncooldwn: 3d"})
    assert problems(path) == [
        f"{path}:33: unknown field 'cooldwn'. Fix: did you mean 'cooldown'?",
    ]


def test_unknown_nested_field_suggests_the_close_match(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"  timezone:": "  timezon:"})
    assert problems(path) == [
        f"{path}:28: schedule: unknown field 'timezon'. Fix: did you mean 'timezone'?"
    ]


def test_unknown_field_without_a_close_match_lists_the_fields(
    write_campaign: WriteCampaign,
) -> None:
    path = write_campaign({"      name: Josh Hawley\n": "      name: Josh Hawley\n      zzz: 1\n"})
    assert problems(path) == [
        f"{path}:13: targets.people[0]: unknown field 'zzz'. Fix: the fields here are "
        "id, name, title, state, chamber, district, party, handles"
    ]


def test_twitter_handle_is_called_x(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"{x: SenEricSchmitt}": "{twitter: SenEricSchmitt}"})
    assert problems(path) == [
        f"{path}:18: targets.people[1].handles: unknown field 'twitter'. Fix: X is called 'x'"
    ]


def test_missing_field(write_campaign: WriteCampaign) -> None:
    path = write_campaign({'title: "S 1693: hold trafficking websites to account"\n': ""})
    assert problems(path) == [f"{path}:1: missing required field 'title'"]


def test_missing_nested_field_points_at_its_parent(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"    title: Stop Enabling Sex Traffickers Act\n": ""})
    assert problems(path) == [f"{path}:4: bills[0]: missing required field 'title'"]


def test_field_given_twice(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d\n": "cooldown: 7d\ncooldown: 14d\n"})
    assert problems(path) == [
        f"{path}:33: field 'cooldown' is given twice (first on line 32). "
        "Fix: remove one of them: only the last would count"
    ]


# --- values --------------------------------------------------------------------


def test_bad_cron(write_campaign: WriteCampaign) -> None:
    path = write_campaign({'"0 12 * * 1-5"': '"0 25 * * *"'})
    assert problems(path) == [
        f"{path}:27: schedule.cron: '0 25 * * *' is not a valid cron expression "
        "(hour must be 0-23). Fix: write five fields: minute hour day month weekday, "
        "e.g. '0 9 * * 1-5' for 09:00 on weekdays"
    ]


def test_unknown_timezone(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"America/Chicago": "America/Chicgo"})
    assert problems(path) == [
        f"{path}:28: schedule.timezone: unknown timezone 'America/Chicgo'. "
        "Fix: did you mean 'America/Chicago'?"
    ]


def test_unknown_timezone_without_a_close_match(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"America/Chicago": "Missouri time"})
    assert problems(path) == [
        f"{path}:28: schedule.timezone: unknown timezone 'Missouri time'. "
        "Fix: use an IANA name such as 'America/Chicago'"
    ]


def test_end_before_start(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"end: 2099-06-30": "end: 2025-12-31"})
    assert problems(path) == [
        f"{path}:30: schedule.end: end (2025-12-31) is before start (2026-01-05). "
        "Fix: make the end date the same as or later than the start date"
    ]


def test_impossible_date(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"end: 2099-06-30": "end: 2026-02-30"})
    assert problems(path) == [
        f"{path}:30: schedule.end: '2026-02-30' is not a date (day is outside expected range). "
        "Fix: write YYYY-MM-DD, e.g. 2026-03-02"
    ]


def test_unknown_platform_lists_the_platforms(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"platforms: [x, facebook]": "platforms: [twiter, facebook]"})
    assert problems(path) == [
        f"{path}:19: platforms[0]: unknown platform 'twiter'. "
        "Fix: use one of x, facebook, bluesky, mastodon"
    ]


def test_twitter_is_called_x(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"platforms: [x, facebook]": "platforms: [facebook, twitter]"})
    assert problems(path) == [
        f"{path}:19: platforms[1]: unknown platform 'twitter'. Fix: X is called 'x'"
    ]


def test_platform_close_match_and_case(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"platforms: [x, facebook]": "platforms:\n  - X\n  - blueksy"})
    assert problems(path) == [
        f"{path}:20: platforms[0]: unknown platform 'X'. Fix: did you mean 'x'?",
        f"{path}:21: platforms[1]: unknown platform 'blueksy'. Fix: did you mean 'bluesky'?",
    ]


def test_unknown_platform_as_an_accounts_key(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d\n": "cooldown: 7d\naccounts:\n  twiter: main\n"})
    assert problems(path) == [
        f"{path}:34: accounts.twiter: unknown platform 'twiter'. "
        "Fix: use one of x, facebook, bluesky, mastodon"
    ]


def test_wrong_type(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"  timezone:": "  posts_per_run: two\n  timezone:"})
    assert problems(path) == [
        f"{path}:28: schedule.posts_per_run: 'two' is not a whole number. "
        "Fix: write a whole number in digits, e.g. 2"
    ]


def test_number_out_of_range(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d\n": "cooldown: 7d\nmentions_per_post: 11\n"})
    assert problems(path) == [
        f"{path}:33: mentions_per_post: must be at most 10, not 11. Fix: write 10 or less"
    ]


def test_bad_duration_suggests_the_short_form(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d": "cooldown: 7 days"})
    assert problems(path) == [f"{path}:32: cooldown: '7 days' is not a duration. Fix: write 7d"]


def test_unreadable_duration_explains_the_form(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d": "cooldown: a week"})
    assert problems(path) == [
        f"{path}:32: cooldown: 'a week' is not a duration. "
        "Fix: write a number and a unit, e.g. 90s, 30m, 12h, 7d or 2w"
    ]


def test_a_bare_number_is_told_to_take_a_unit(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d": "cooldown: 7"})
    assert problems(path) == [
        f"{path}:32: cooldown: 7 is not a duration. Fix: add a unit: 7s, 7m, 7h, 7d or 7w"
    ]


def test_a_duration_past_a_century_is_an_error_not_a_crash(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d": "cooldown: 99999999999999w"})
    assert problems(path) == [
        f"{path}:32: cooldown: '99999999999999w' is longer than a century (36525d). "
        "Fix: write a shorter duration"
    ]


def test_misspelt_enum_value(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"    url:": "    stance: suport\n    url:"})
    assert problems(path) == [
        f"{path}:8: bills[0].stance: 'suport' is not a valid stance. Fix: did you mean 'support'?"
    ]


def test_yes_read_as_true_where_text_was_meant(write_campaign: WriteCampaign) -> None:
    path = write_campaign(
        {
            "      title: Sen.\n      handles: {x: SenEricSchmitt}": (
                "      title: Yes\n      handles: {x: SenEricSchmitt}"
            )
        }
    )
    assert problems(path) == [
        f"{path}:17: targets.people[1].title: expected text, found true. "
        "Fix: YAML reads yes/no/on/off as true/false: put the text in quotes"
    ]


def test_bad_campaign_id_suggests_one(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"id: us-s1693": "id: US S1693"})
    assert problems(path) == [
        f"{path}:1: id: 'US S1693' is not a campaign id: an id is lowercase letters, digits "
        "and '-' (it names the campaign in commands, links and the post log). "
        "Fix: use lowercase letters, digits and '-', e.g. 'us-s1693'"
    ]


def test_schedule_needs_exactly_one_trigger(write_campaign: WriteCampaign) -> None:
    path = write_campaign({'  cron: "0 12 * * 1-5"\n': ""})
    assert problems(path) == [
        f"{path}:26: schedule: give exactly one of 'cron', 'interval' or 'at' (found none)"
    ]


# --- the file itself -----------------------------------------------------------


def test_yaml_syntax_error_has_line_and_column(write_campaign: WriteCampaign) -> None:
    path = write_campaign(
        {
            'title: "S 1693: hold trafficking websites to account"': (
                "title: S 1693: hold trafficking websites to account"
            )
        }
    )
    assert problems(path) == [
        f"{path}:2: YAML syntax error: mapping values are not allowed in this context "
        "(column 14). Fix: put quotes around text that contains ': '"
    ]


def test_unclosed_quote_names_where_it_opened(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"cooldown: 7d": 'cooldown: "7d'})
    assert problems(path) == [
        f'{path}:32: YAML syntax error: the double quote (") opened here (column 11) is not '
        "closed on this line, so YAML reads the rest of the file as one text. "
        'Fix: close the quote: add the missing " at the end of the text on line 32'
    ]


def test_tabs(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"  timezone:": "\ttimezone:"})
    assert problems(path) == [
        f"{path}:28: YAML syntax error: found character that cannot start any token "
        "(column 1). Fix: indent with spaces, not tabs"
    ]


def test_tab_after_a_value(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"  timezone: America/Chicago": "  timezone: America/Chicago\n\t"})
    assert problems(path) == [
        f"{path}:29: YAML syntax error: found a tab character that violates indentation while "
        "scanning a plain scalar that starts on line 28 (column 1). "
        "Fix: indent with spaces, not tabs"
    ]


def test_at_sign_starting_a_value(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"      name: Josh Hawley": "      name: @HawleyMO"})
    assert problems(path) == [
        f"{path}:12: YAML syntax error: found character that cannot start any token "
        "(column 13). Fix: put quotes around text that starts with @ or `"
    ]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    assert problems(path) == [
        f"{path}: the file is empty. "
        "Fix: a campaign needs id, title, bills, targets, platforms, messages and schedule"
    ]


def test_a_list_instead_of_a_campaign(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- id: a\n")
    assert problems(path) == [
        f"{path}:1: expected fields (name: value), found a list. "
        "Fix: write each field on its own line, indented under this one"
    ]


def test_missing_file(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file"]


# --- rosters -------------------------------------------------------------------

ROSTER = """\
# Missouri's U.S. Senators
people:
  - id: H001089
    name: Josh Hawley
    title: Sen.
    handles: {x: SenHawleyPress}
  - id: S001227
    name: Eric Schmitt
    title: Sen.
"""
WITH_ROSTER = {
    "  people:\n    - id: H001089": "  roster: rosters/mo.yaml\n  people:\n    - id: H001089"
}


def test_roster_people_follow_the_campaign_people(write_campaign: WriteCampaign) -> None:
    roster = write_campaign(name="rosters/mo.yaml", text=ROSTER)
    path = write_campaign({"targets:\n  people:": "targets:\n  roster: rosters/mo.yaml\n  people:"})
    people = load_campaign(path).people
    assert [p.id for p in people] == ["H001089", "S001227", "H001089", "S001227"]
    assert people[2].handle_sources == {"x": f"roster:{roster.name}"}
    assert people[3].handles == {}


def test_missing_roster_is_looked_for_beside_the_campaign(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"targets:\n  people:": "targets:\n  roster: rosters/mo.yaml\n  people:"})
    assert problems(path) == [
        f"{path}:10: targets.roster: roster file 'rosters/mo.yaml' not found "
        f"(looked for {path.parent / 'rosters' / 'mo.yaml'}). "
        "Fix: a roster's path is relative to the folder of the campaign file"
    ]


def test_roster_errors_point_into_the_roster(write_campaign: WriteCampaign) -> None:
    roster = write_campaign(
        {"    name: Eric Schmitt": "    nmae: Eric Schmitt"},
        name="rosters/mo.yaml",
        text=ROSTER,
    )
    path = write_campaign({"targets:\n  people:": "targets:\n  roster: rosters/mo.yaml\n  people:"})
    assert problems(path) == [
        f"{roster}:8: people[1]: unknown field 'nmae', and the required field 'name' is "
        "missing. Fix: did you mean 'name'?",
    ]


def test_roster_with_a_yaml_error(write_campaign: WriteCampaign) -> None:
    roster = write_campaign(
        {"    name: Eric Schmitt": "    name: Eric: Schmitt"}, name="rosters/mo.yaml", text=ROSTER
    )
    path = write_campaign({"targets:\n  people:": "targets:\n  roster: rosters/mo.yaml\n  people:"})
    assert problems(path) == [
        f"{roster}:8: YAML syntax error: mapping values are not allowed in this context "
        "(column 15). Fix: put quotes around text that contains ': '"
    ]


def test_roster_that_is_a_bare_list(write_campaign: WriteCampaign) -> None:
    roster = write_campaign(name="rosters/mo.yaml", text="- id: H001089\n  name: Josh Hawley\n")
    path = write_campaign({"targets:\n  people:": "targets:\n  roster: rosters/mo.yaml\n  people:"})
    assert problems(path) == [
        f"{roster}:1: the roster is a list; it should hold a 'people:' list. "
        "Fix: start the file with 'people:' and list one '- id: ...' entry per person under it"
    ]


def test_a_roster_given_as_a_campaign(tmp_path: Path) -> None:
    path = tmp_path / "mo.yaml"
    path.write_text(ROSTER)
    assert problems(path) == [
        f"{path}:1: this is a roster, not a campaign. Fix: keep rosters in a subfolder "
        "(e.g. campaigns/rosters/) and name them under a campaign's targets.roster"
    ]


# --- many files ----------------------------------------------------------------


def test_folder_loads_yaml_files_in_order_and_a_broken_one_does_not_stop_the_rest(
    write_campaign: WriteCampaign, tmp_path: Path
) -> None:
    write_campaign({"id: us-s1693": "id: b-campaign"}, name="b.yml")
    write_campaign({"id: us-s1693": "id: a-campaign"}, name="a.yaml")
    broken = write_campaign({"cooldown: 7d": "cooldown: 7 days"}, name="c.yaml")
    (tmp_path / "notes.txt").write_text("not a campaign")
    write_campaign(name="rosters/mo.yaml", text=ROSTER)  # subfolders are not campaigns
    campaigns, errors = load_campaigns([tmp_path])
    assert [c.campaign.id for c in campaigns] == ["a-campaign", "b-campaign"]
    assert [str(e) for e in errors] == [
        f"{broken}:32: cooldown: '7 days' is not a duration. Fix: write 7d"
    ]


def test_duplicate_ids_hold_back_both_files_and_name_the_copy(
    write_campaign: WriteCampaign, tmp_path: Path
) -> None:
    # Copying an example without changing its id: the copy used to post under the
    # original's id while the original was skipped. Now neither runs, and both are told.
    first = write_campaign(name="a.yaml")
    second = write_campaign(name="b.yaml")
    other = write_campaign({"id: us-s1693": "id: other"}, name="c.yaml")
    campaigns, errors = load_campaigns([tmp_path])
    assert [c.path for c in campaigns] == [other]
    assert [str(e) for e in errors] == [
        f"{first}:1: id: campaign id 'us-s1693' is also used by {second}, so neither runs. "
        "Fix: give every campaign its own id (change the id in the copy)",
        f"{second}:1: id: campaign id 'us-s1693' is already used by {first} (line 1): this "
        "file is a duplicate of it, and neither runs. Fix: give this campaign an id of its own",
    ]


def test_three_files_with_one_id_name_every_copy(
    write_campaign: WriteCampaign, tmp_path: Path
) -> None:
    paths = [write_campaign(name=f"{name}.yaml") for name in ("a", "b", "c")]
    campaigns, errors = load_campaigns([tmp_path])
    assert campaigns == []
    assert [e.path for e in errors] == paths
    assert f"is also used by {paths[1]}, {paths[2]}, so neither runs" in errors[0].message
    assert all(f"is already used by {paths[0]} (line 1)" in e.message for e in errors[1:])


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    campaigns, errors = load_campaigns([tmp_path / "nope", empty])
    assert campaigns == []
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'nope'}: no such file or folder",
        f"{empty}: no campaign files (*.yaml, *.yml) in this folder",
    ]


def test_find_campaign(write_campaign: WriteCampaign, tmp_path: Path) -> None:
    path = write_campaign()
    assert find_campaign(tmp_path, "us-s1693").path == path


def test_find_campaign_names_the_ids_it_knows(
    write_campaign: WriteCampaign, tmp_path: Path
) -> None:
    write_campaign()
    with pytest.raises(CampaignLoadError) as caught:
        find_campaign(tmp_path, "us-s1639")
    assert str(caught.value) == (
        f"{tmp_path}: no campaign 'us-s1639'; the campaigns there are us-s1693. "
        "Fix: did you mean 'us-s1693'?"
    )


def test_find_campaign_in_a_broken_file_gives_its_errors(
    write_campaign: WriteCampaign, tmp_path: Path
) -> None:
    path = write_campaign({"America/Chicago": "Missouri time"})
    with pytest.raises(CampaignLoadError) as caught:
        find_campaign(tmp_path, "us-s1693")
    assert str(caught.value) == (
        f"{path}:28: schedule.timezone: unknown timezone 'Missouri time'. "
        "Fix: use an IANA name such as 'America/Chicago'"
    )


def test_find_campaign_defined_twice(write_campaign: WriteCampaign, tmp_path: Path) -> None:
    first, second = write_campaign(name="a.yaml"), write_campaign(name="b.yaml")
    with pytest.raises(CampaignLoadError) as caught:
        find_campaign(tmp_path, "us-s1693")
    assert [(e.path, e.field) for e in caught.value.errors] == [(first, "id"), (second, "id")]
    assert "neither runs" in str(caught.value)


def test_find_campaign_of_a_duplicated_id_suggests_it(
    write_campaign: WriteCampaign, tmp_path: Path
) -> None:
    write_campaign(name="a.yaml"), write_campaign(name="b.yaml")
    with pytest.raises(CampaignLoadError) as caught:
        find_campaign(tmp_path, "us-s1639")
    assert "did you mean 'us-s1693'?" in str(caught.value)
