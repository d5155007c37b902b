"""Each kind of contact value: what is accepted, what is cleaned up, what is refused."""

from __future__ import annotations

import pytest

from bot.directory import contact
from bot.directory.contact import ContactError, check, mailto_uri, tel_uri

# (kind, as a source wrote it, as stored, cleaned up?)
GOOD = [
    ("x", "SenHawley", "SenHawley", False),
    ("x", "@SenHawley", "SenHawley", False),
    ("x", "A_1", "A_1", False),
    # real, in New York's Open States data
    (
        "x",
        "judygriffinny?ref_src=twsrc%5Egoogle%7Ctwcamp%5Eserp%7Ctwgr%5Eauthor",
        "judygriffinny",
        True,
    ),
    ("x", "mikebenedetto82?lang=en", "mikebenedetto82", True),
    ("x", "https://twitter.com/SenHawley", "SenHawley", True),
    ("x", "https://x.com/SenHawley?s=20", "SenHawley", True),
    ("facebook", "SenatorHawley", "SenatorHawley", False),
    ("facebook", 100064334565423, "100064334565423", False),  # YAML reads bare ids as numbers
    ("facebook", "carter_for_colorado", "carter_for_colorado", False),
    ("facebook", "https://www.facebook.com/SenatorHawley/", "SenatorHawley", True),
    ("facebook", "facebook.com/profile.php?id=100064334565423", "100064334565423", True),
    ("facebook", "https://m.facebook.com/pages/Jane-Doe/123456789", "123456789", True),
    ("facebook", "SenatorHawley?fref=ts", "SenatorHawley", True),
    ("bluesky", "SenJane.bsky.social", "senjane.bsky.social", False),
    ("bluesky", "@jane.house.gov", "jane.house.gov", False),
    ("bluesky", "https://bsky.app/profile/jane.bsky.social", "jane.bsky.social", True),
    ("mastodon", "@RepDonBeyer@mas.to", "RepDonBeyer@mas.to", False),
    (
        "mastodon",
        "CongresswomanNorton@Mastodon.social",
        "CongresswomanNorton@mastodon.social",
        False,
    ),
    ("mastodon", "https://mastodon.social/@RepJayapal", "RepJayapal@mastodon.social", True),
    ("youtube", "@rep.teresalegerfernandez8059", "@rep.teresalegerfernandez8059", False),
    ("email", "Aaron.Crossley@house.mo.gov", "Aaron.Crossley@house.mo.gov", False),
    ("email", "mailto:jane.o'neil@senate.mo.gov", "jane.o'neil@senate.mo.gov", True),
    ("phone", "573-751-1234", "573-751-1234", False),
    ("phone", " (303)  866-2191 ext. 12", "(303) 866-2191 ext. 12", False),
    ("url", "https://house.mo.gov/MemberDetails.aspx?&district=012", None, False),
]


@pytest.mark.parametrize(("kind", "given", "stored", "cleaned"), GOOD)
def test_valid_values_are_stored_normalised(
    kind: str, given: object, stored: str | None, cleaned: bool
) -> None:
    result = check(kind, given)
    assert result.value == (stored if stored is not None else given)
    assert bool(result.cleaned) == cleaned


# (kind, value, what the message must say)
BAD = [
    ("x", "SenX DONATE https://scam.example/give @everyone", "is not an X handle"),
    ("x", "a" * 312_000, "far too long"),
    ("x", "sixteen_letters_", "1 to 15 letters, digits or underscores"),
    ("x", "Sen\u202eX", "is not an X handle"),
    ("x", "evil?x y", "is not an X handle"),
    ("x", ["SenX"], "must be text, not a list"),
    ("x", True, "must be text, not a bool"),
    ("facebook", "Jane Doe for Senate", "is not a Facebook page"),
    ("facebook", "https://facebook.com/sharer.php?u=https://scam.example", "names no page"),
    ("facebook", "https://evil.example/SenatorHawley", "is not a Facebook page"),
    ("bluesky", "jane", "is not a Bluesky handle"),
    ("bluesky", "jane.local", "is not a Bluesky handle"),
    ("bluesky", "jane .bsky.social", "is not a Bluesky handle"),
    ("mastodon", "RepJane", "is not a Mastodon address"),
    ("mastodon", "a@b@c.social", "is not a Mastodon address"),
    (
        "email",
        "office@senate.mo.gov?bcc=harvest@evil.example&body=hi",
        "which would add addressees or headers",
    ),
    ("email", "a@senate.mo.gov,b@evil.example", "holds ','"),
    ("email", "a@senate.mo.gov;b@evil.example", "holds ';'"),
    ("email", "a@senate.mo.gov\r\nBcc: b@evil.example", "invisible character U+000D"),
    ("email", "lori garciasander.house@coleg.gov", "it holds a space"),  # real, in Colorado's
    ("email", "a%0Abcc@senate.mo.gov", "holds '%'"),
    ("email", "nobody", "is not an email address"),
    ("phone", "573-CALL-NOW", "is not a phone number"),
    ("phone", "12", "is not a phone number"),
    ("phone", "573-751-1234\nBcc", "is not a phone number"),
    ("url", "javascript:alert(1)", "only http:// and https://"),
    ("url", "hhttps://fine.house.gov/contact", "only http:// and https://"),  # real, in Congress's
    ("url", "https://a.gov/x y", "holds spaces"),
    ("url", "https:///nohost", "names no host"),
]


@pytest.mark.parametrize(("kind", "value", "message"), BAD)
def test_invalid_values_are_refused_saying_why(kind: str, value: object, message: str) -> None:
    with pytest.raises(ContactError) as caught:
        check(kind, value)
    assert message in caught.value.message
    assert len(caught.value.message) < 400  # a huge value is shown cut short


def test_tel_links_are_normalised() -> None:
    assert tel_uri("573-751-1234") == "tel:+15737511234"
    assert tel_uri("1 (573) 751-1234") == "tel:+15737511234"
    assert tel_uri("(303) 866-2191 ext. 12") == "tel:+13038662191;ext=12"
    assert tel_uri("+44 20 7946 0958") == "tel:+442079460958"
    assert tel_uri("573-751-1234\nBcc: x") is None


def test_mailto_has_exactly_one_addressee() -> None:
    assert mailto_uri("Office@Senate.MO.gov") == "mailto:Office@senate.mo.gov"
    assert mailto_uri("office@senate.mo.gov?bcc=harvest@evil.example") is None
    assert mailto_uri("a@b.gov, c@d.gov") is None


def test_valid_handles_keeps_only_what_passes() -> None:
    given = {"x": "judygriffinny?lang=en", "bluesky": "not a handle", "mastodon": "a@b.social"}
    assert contact.valid_handles(given) == {"x": "judygriffinny", "mastodon": "a@b.social"}


def test_plain_text_refuses_hidden_characters() -> None:
    assert contact.plain_text("  Jane Doe ") == "Jane Doe"
    with pytest.raises(ValueError, match="RIGHT-TO-LEFT OVERRIDE"):
        contact.plain_text("Jane \u202eeoD")
    with pytest.raises(ValueError, match="not a list"):
        contact.plain_text(["Jane"])


def test_hidden_characters_and_spaces_are_found_wherever_they_are() -> None:
    """ASCII text takes a short cut (``isprintable``, one ``in``); it must find what the
    character-by-character scan finds, in ASCII and beyond."""
    import random
    import unicodedata

    from bot.directory import contact

    def reference(text: str) -> str | None:
        return next((c for c in text if unicodedata.category(c) in {"Cc", "Cf"}), None)

    rng = random.Random(17)
    alphabet = [chr(i) for i in range(128)] + ["\u200b", "\u202e", "\xa0", "\u2003", "é", "\x85"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        assert contact._first_hidden(text) == reference(text), repr(text)
        url = f"https://example.com/{text}"
        try:
            contact.web_url(url)
            accepted = True
        except contact.ContactError:
            accepted = False
        kept = url.strip()  # as every check takes a value
        expected = reference(kept) is None and not any(c.isspace() for c in kept)
        assert accepted == expected, repr(url)
