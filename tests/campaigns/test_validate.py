"""Template checks: unknown variables, typos that only rendering finds, and length."""

from __future__ import annotations

from pathlib import Path

from bot.campaigns.validate import validate_paths
from tests.campaigns.conftest import BASE, WriteCampaign

SHORT = '"{{ mentions }}, please support {{ bill.identifier }}. {{ bill.url }}"'


def problems(path: Path) -> list[str]:
    campaigns, errors = validate_paths([path])
    assert campaigns == [] or not errors
    return [str(error) for error in errors]


def test_the_base_campaign_is_valid(write_campaign: WriteCampaign) -> None:
    path = write_campaign()
    campaigns, errors = validate_paths([path])
    assert errors == []
    assert [c.path for c in campaigns] == [path]


def test_undefined_variable_is_named_with_the_ones_available(
    write_campaign: WriteCampaign,
) -> None:
    path = write_campaign({SHORT: '"{{ mentions }}, please support {{ bil.identifier }}."'})
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short' uses undefined variable 'bil' "
        "(available: bill, campaign, mentions, names, platform, targets). "
        "Fix: did you mean 'bill'?"
    ]


def test_undefined_variable_without_a_close_match(write_campaign: WriteCampaign) -> None:
    path = write_campaign({SHORT: '"{{ senator }}, please support {{ bill.identifier }}."'})
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short' uses undefined variable 'senator' "
        "(available: bill, campaign, mentions, names, platform, targets)"
    ]


def test_attribute_typo_is_found_by_rendering(write_campaign: WriteCampaign) -> None:
    path = write_campaign({SHORT: '"{{ mentions }}, please support {{ bill.titel }}."'})
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short': bill has no attribute 'titel'. "
        "Fix: did you mean 'title'?"
    ]


def test_attribute_typo_on_a_target(write_campaign: WriteCampaign) -> None:
    text = '"{% for t in targets %}{{ t.handel }} {% endfor %}support {{ bill.identifier }}"'
    path = write_campaign({SHORT: text})
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short': a target has no attribute 'handel'. "
        "Fix: did you mean 'handle'?"
    ]


def test_syntax_error_points_at_its_line_in_a_block(write_campaign: WriteCampaign) -> None:
    path = write_campaign({"      {{ names }}: please": "      {{ names }: please"})
    assert problems(path) == [
        f"{path}:25: messages[1].text: message 'names' has a template syntax error: "
        "unexpected '}'. Fix: variables are written {{ name }} and tags "
        "{% if ... %}...{% endif %}"
    ]


def test_too_long_even_with_one_mention(write_campaign: WriteCampaign) -> None:
    # "@SenHawleyPress" and "@SenEricSchmitt" are 15 characters: 15 + 1 + 280.
    path = write_campaign({SHORT: "\"{{ mentions }} {{ 'a' * 280 }}\""})
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short' is 296 characters on x even with one "
        "mention (limit 280). Fix: shorten it by 16 characters"
    ]


def test_length_is_the_worst_case_over_targets(write_campaign: WriteCampaign) -> None:
    # Without an X handle Schmitt is named, "Sen. Eric Schmitt" (17), longer than
    # "@SenHawleyPress" (15): 17 + 1 + 263 = 281.
    path = write_campaign(
        {
            SHORT: "\"{{ mentions }} {{ 'a' * 263 }}\"",
            "{x: SenEricSchmitt}": "{}",
        }
    )
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short' is 281 characters on x even with one "
        "mention (limit 280). Fix: shorten it by 1 character"
    ]


def test_length_is_the_worst_case_over_bills(write_campaign: WriteCampaign) -> None:
    second_bill = (
        "    url: https://www.congress.gov/bill/115th-congress/senate-bill/1693\n"
        "  - jurisdiction: mo\n"
        '    session: "2026"\n'
        "    identifier: SB 792\n"
        "    title: Expungement of criminal records for victims of human trafficking\n"
    )
    path = write_campaign(
        {
            SHORT: "\"{{ mentions }} {{ bill.title }} {{ 'a' * 202 }}\"",
            "    url: https://www.congress.gov/bill/115th-congress/senate-bill/1693\n": second_bill,
        }
    )
    # 15 + 1 + 64 (the longer title) + 1 + 202
    assert problems(path) == [
        f"{path}:26: messages[0].text: message 'short' is 283 characters on x even with one "
        "mention (limit 280). Fix: shorten it by 3 characters"
    ]


def test_mastodon_counts_each_url_as_23(write_campaign: WriteCampaign) -> None:
    # "Sen. Eric Schmitt" (17) + 1 + 458 + 1 + the bill's URL (23): 500 fits. With
    # one "a" more the message is over, though its URL is 62 characters: validate
    # counts exactly wherever the generous bound (every character, 25 a URL) is over.
    fits = "\"{{ mentions }} {{ 'a' * 458 }} {{ bill.url }}\""
    platforms = {"platforms: [x, facebook]": "platforms: [mastodon]"}
    assert problems(write_campaign({SHORT: fits, **platforms})) == []
    path = write_campaign({SHORT: fits.replace("458", "459"), **platforms})
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short' is 501 characters on mastodon even "
        "with one mention (limit 500). Fix: shorten it by 1 character"
    ]


def test_facebook_names_people_instead_of_tagging(write_campaign: WriteCampaign) -> None:
    # 63206 is Facebook's limit; "Sen. Eric Schmitt" (17) is the longest name.
    path = write_campaign(
        {
            SHORT: "\"{{ mentions }} {{ 'a' * 63189 }}\"",
            "platforms: [x, facebook]": "platforms: [facebook]",
        }
    )
    assert problems(path) == [
        f"{path}:22: messages[0].text: message 'short' is 63207 characters on facebook even "
        "with one mention (limit 63206). Fix: shorten it by 1 character"
    ]


def test_a_message_is_measured_only_where_it_is_used(write_campaign: WriteCampaign) -> None:
    path = write_campaign({SHORT: "\"{{ mentions }} {{ 'a' * 300 }}\"\n    platforms: [facebook]"})
    assert problems(path) == []


def test_good_campaigns_are_returned_next_to_the_errors_of_others(
    write_campaign: WriteCampaign, tmp_path: Path
) -> None:
    good = write_campaign(name="a.yaml")
    bad = write_campaign({"id: us-s1693": "id: other", SHORT: '"{{ bill.titel }}"'}, name="b.yaml")
    campaigns, errors = validate_paths([tmp_path])
    assert [c.path for c in campaigns] == [good]
    assert [e.path for e in errors] == [bad]


def test_a_roster_without_people_is_checked_with_a_sample_target(
    write_campaign: WriteCampaign,
) -> None:
    write_campaign(name="rosters/empty.yaml", text="people: []\n")
    targets = BASE[BASE.index("targets:") : BASE.index("platforms:")]
    path = write_campaign(
        {
            targets: "targets:\n  roster: rosters/empty.yaml\n",
            SHORT: '"{{ mentions }} {{ bill.titel }}"',
        }
    )
    assert problems(path) == [
        f"{path}:14: messages[0].text: message 'short': bill has no attribute 'titel'. "
        "Fix: did you mean 'title'?"
    ]


def test_call_scripts_are_checked_like_messages(write_campaign: WriteCampaign) -> None:
    """The supporter page renders them; a broken one was only logged there, never shown."""
    path = write_campaign(
        {
            "cooldown: 7d\n": "cooldown: 7d\n"
            'call_script: "Hello, I am calling {{ names }} about {{ bil.identifier }}."\n'
            "call_scripts:\n"
            '  senate: "Senator {{ names }}: please support {{ bill.titel }}."\n'
            '  house: "Representative {{ names }}: {% if %}"\n'
        }
    )
    assert problems(path) == [
        f"{path}:33: call_script: the call script in call_script uses undefined variable "
        "'bil' (available: bill, campaign, mentions, names, platform, targets). "
        "Fix: did you mean 'bill'?",
        f"{path}:35: call_scripts.senate: the call script in call_scripts.senate: bill has no "
        "attribute 'titel'. Fix: did you mean 'title'?",
        f"{path}:36: call_scripts.house: the call script in call_scripts.house has a template "
        "syntax error: Expected an expression, got 'end of statement block'. Fix: variables "
        "are written {{ name }} and tags {% if ... %}",
    ]


def test_good_call_scripts_pass(write_campaign: WriteCampaign) -> None:
    path = write_campaign(
        {
            "cooldown: 7d\n": "cooldown: 7d\n"
            'call_script: "Please support {{ bill.identifier }}, {{ names }}."\n'
        }
    )
    assert problems(path) == []
