"""The Facebook publisher: real facebook-sdk, real HTTP, against the fake Graph API."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.config import ConfigError, Settings
from bot.platforms.base import Failure, PublishError
from bot.platforms.facebook import DEFAULT_GRAPH_VERSION, FacebookPublisher, graph_version
from tests.fakes.facebook import DEFAULT_CONFIG, SERVED_VERSIONS, FakeFacebook
from tests.platforms.conftest import ACCENTED, FAST, SLOW_ANSWER, assert_no_secret, make_post

PAGE = DEFAULT_CONFIG["pages"][0]
USER = DEFAULT_CONFIG["users"][0]
APP_SECRET = DEFAULT_CONFIG["app_secret"]
NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # the publisher's clock in these tests


def publisher(fake: FakeFacebook, **kwargs) -> FacebookPublisher:
    return FacebookPublisher(
        "default",
        page_id=kwargs.pop("page_id", PAGE["id"]),
        page_token=kwargs.pop("page_token", PAGE["token"]),
        base_url=fake.url,
        timeouts=FAST,
        **kwargs,
    )


def failure(call) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    return caught.value


def test_post_goes_to_the_page_feed_on_the_pinned_version(fake_facebook: FakeFacebook) -> None:
    text = f"{ACCENTED}. Sen. Jane Smith, please vote yes."
    result = publisher(fake_facebook).publish(
        make_post("facebook", text, link="https://senate.mo.gov/sb792")
    )

    request = fake_facebook.received("feed")[0]
    assert request.path == f"/{DEFAULT_GRAPH_VERSION}/{PAGE['id']}/feed"
    assert request.form["message"] == text
    assert request.form["link"] == "https://senate.mo.gov/sb792"
    assert "access_token" not in request.query  # the token travels in the body of a POST
    post_id = fake_facebook.posts[0]["id"]
    assert result.remote_id == post_id
    assert result.url == f"https://www.facebook.com/{PAGE['id']}/posts/{post_id.split('_')[1]}"
    assert "x-app-usage" in result.limits


def test_the_graph_version_comes_from_configuration(fake_facebook: FakeFacebook) -> None:
    settings = Settings(
        env={
            "FACEBOOK_PAGE_ID": PAGE["id"],
            "FACEBOOK_PAGE_TOKEN": PAGE["token"],
            "FACEBOOK_GRAPH_URL": fake_facebook.url,
            "FACEBOOK_GRAPH_VERSION": "24.0",
        }
    )
    FacebookPublisher.from_settings("default", settings).publish(make_post("facebook", "SB 792"))
    assert fake_facebook.versions == ["v24.0"]

    assert graph_version("v25.0") == "v25.0"
    with pytest.raises(ConfigError, match="FACEBOOK_GRAPH_VERSION"):
        graph_version("latest")


def test_a_post_that_tags_people_is_refused_names_are_plain_text(
    fake_facebook: FakeFacebook,
) -> None:
    tagged = make_post("facebook", "Thank you @[104857600000002]!", mentions=("104857600000002",))
    error = failure(lambda: publisher(fake_facebook).publish(tagged))
    assert error.kind is Failure.PERMANENT
    assert "plain text" in error.message
    assert fake_facebook.posts == []


FACEBOOK_ENV = {"FACEBOOK_PAGE_ID": PAGE["id"], "FACEBOOK_PAGE_TOKEN": PAGE["token"]}


@pytest.mark.parametrize("variable", ["FACEBOOK_PAGE_MENTIONS", "FACEBOOK_COALITION_PAGE_MENTIONS"])
def test_page_mentions_switched_on_is_refused_at_start(variable) -> None:
    """The option wrote '@Display Name', which Facebook shows as plain text: an
    organisation that set it must hear that it does not tag, not find out later."""
    env = {
        "FACEBOOK_COALITION_PAGE_ID": PAGE["id"],
        "FACEBOOK_COALITION_PAGE_TOKEN": PAGE["token"],
        variable: "1",
    }
    with pytest.raises(ConfigError) as caught:
        FacebookPublisher.from_settings("coalition", Settings(env=env))
    message = str(caught.value)
    assert variable in message and "no longer supported" in message
    assert "plain text" in message


def test_page_mentions_switched_off_is_only_a_warning(caplog) -> None:
    settings = Settings(env={**FACEBOOK_ENV, "FACEBOOK_PAGE_MENTIONS": "0"})
    FacebookPublisher.from_settings("default", settings)
    assert "FACEBOOK_PAGE_MENTIONS is no longer used" in caplog.text


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (4, Failure.RATE_LIMITED),
        (17, Failure.RATE_LIMITED),
        (32, Failure.RATE_LIMITED),
        (613, Failure.RATE_LIMITED),
        (80001, Failure.RATE_LIMITED),
        (190, Failure.AUTH),
        (200, Failure.AUTH),
        (10, Failure.AUTH),
        (341, Failure.RATE_LIMITED),  # "Application limit reached": wait, not drop the post
        (3, Failure.AUTH),  # the app lacks the capability: pause the account
        (100, Failure.PERMANENT),
        (1, Failure.MAYBE_SENT),  # on a create, "transient" may follow a created post
    ],
)
def test_graph_error_codes_map_to_failures(fake_facebook: FakeFacebook, code, kind) -> None:
    fake_facebook.inject("feed", "graph_error", code=code)
    error = failure(lambda: publisher(fake_facebook).publish(make_post("facebook", "SB 792")))

    assert error.kind is kind
    assert error.details["code"] == str(code)
    assert fake_facebook.posts == []


def test_a_rate_limit_waits_as_long_as_meta_says(fake_facebook: FakeFacebook) -> None:
    fake_facebook.inject("feed", "rate_limited", code=32, regain_minutes=17)
    fb = publisher(fake_facebook, clock=FrozenClock(NOW))
    error = failure(lambda: fb.publish(make_post("facebook", "SB 792")))

    assert error.kind is Failure.RATE_LIMITED
    assert "Page request limit reached" in error.message  # Meta's own words
    assert error.retry_at == NOW + timedelta(minutes=17)


def test_a_rate_limit_without_an_estimate_uses_the_configured_backoff(
    fake_facebook: FakeFacebook,
) -> None:
    fake_facebook.inject("feed", "graph_error", code=4)
    fb = publisher(fake_facebook, rate_limit_backoff=timedelta(minutes=40), clock=FrozenClock(NOW))
    error = failure(lambda: fb.publish(make_post("facebook", "SB 792")))
    assert error.retry_at == NOW + timedelta(minutes=40)


def test_an_expired_token_pauses_the_account(fake_facebook: FakeFacebook) -> None:
    fake_facebook.inject("feed", "expired_token")
    error = failure(lambda: publisher(fake_facebook).publish(make_post("facebook", "SB 792")))
    assert error.kind is Failure.AUTH
    assert "Session has expired" in error.message
    assert "pages_manage_posts" in error.message


def test_a_policy_block_waits_a_day(fake_facebook: FakeFacebook) -> None:
    fake_facebook.inject("feed", "policy_block")
    fb = publisher(fake_facebook, clock=FrozenClock(NOW))
    error = failure(lambda: fb.publish(make_post("facebook", "SB 792")))
    assert error.kind is Failure.RATE_LIMITED
    assert error.retry_at >= NOW + timedelta(hours=23)


def test_meta_refuses_the_same_message_twice_in_a_row(fake_facebook: FakeFacebook) -> None:
    fb = publisher(fake_facebook)
    post = make_post("facebook", "Pass SB 792")
    fb.publish(post)
    error = failure(lambda: fb.publish(post))
    assert error.kind is Failure.DUPLICATE
    assert len(fake_facebook.posts) == 1


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("server_error", Failure.MAYBE_SENT),  # Meta may have created it: check first
        ("bad_gateway", Failure.MAYBE_SENT),
        ("drop", Failure.MAYBE_SENT),
    ],
)
def test_server_failures(fake_facebook: FakeFacebook, fault, kind) -> None:
    fake_facebook.inject("feed", fault)
    error = failure(lambda: publisher(fake_facebook).publish(make_post("facebook", "SB 792")))
    assert error.kind is kind


def test_a_timeout_is_maybe_sent_and_reconcile_finds_the_post(fake_facebook: FakeFacebook) -> None:
    fb = publisher(fake_facebook)
    post = make_post("facebook", f"{ACCENTED} (timeout)")
    fake_facebook.inject("feed", "timeout", delay=SLOW_ANSWER)
    assert failure(lambda: fb.publish(post)).kind is Failure.MAYBE_SENT

    found = fb.reconcile(post)
    assert found is not None and found.remote_id == fake_facebook.posts[0]["id"]
    assert fb.reconcile(make_post("facebook", "never sent")) is None


def test_reconcile_that_cannot_read_is_maybe_sent(fake_facebook: FakeFacebook) -> None:
    fake_facebook.inject("page_posts", "server_error")
    error = failure(lambda: publisher(fake_facebook).reconcile(make_post("facebook", "SB 792")))
    assert error.kind is Failure.MAYBE_SENT


def test_check_wants_the_page_token(fake_facebook: FakeFacebook) -> None:
    status = publisher(fake_facebook).check()
    assert status.ok and PAGE["name"] in (status.identity or "")
    assert DEFAULT_GRAPH_VERSION in status.detail

    wrong = publisher(fake_facebook, page_token=USER["token"]).check()
    assert not wrong.ok
    assert "not to Page" in wrong.detail

    bad = publisher(fake_facebook, page_token="EAAnot-a-token-at-all").check()
    assert not bad.ok and "auth" in bad.detail


def test_no_token_in_logs_or_errors(fake_facebook: FakeFacebook, debug_logs) -> None:
    fb = publisher(fake_facebook)
    texts = [repr(fb.check())]  # a GET: the SDK puts the token in the query string
    fb.publish(make_post("facebook", "SB 792 logged"))
    fb.reconcile(make_post("facebook", "SB 792 logged"))
    for fault in ("expired_token", "rate_limited", "server_error", "drop"):
        fake_facebook.inject("feed", fault)
        error = failure(lambda fault=fault: fb.publish(make_post("facebook", f"SB 792 {fault}")))
        texts += [str(error), repr(error)]

    assert "access_token=***" in debug_logs.text  # urllib3 logged the URL, masked
    assert_no_secret([PAGE["token"]], debug_logs.text, *texts)


def test_missing_page_token_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="FACEBOOK_PAGE_TOKEN"):
        FacebookPublisher.from_settings("default", Settings(env={"FACEBOOK_PAGE_ID": "1"}))


# -- permission, capability and application limits ------------------------------------------


def test_viewer_without_permission_pauses_the_account(fake_facebook: FakeFacebook) -> None:
    """Code 1 is "unknown error" (transient), but subcode 2853006 is a permission
    refusal: retrying it would fail every time."""
    fake_facebook.inject("feed", "viewer_permission")
    error = failure(lambda: publisher(fake_facebook).publish(make_post("facebook", "SB 792")))

    assert (error.kind, error.http_status) == (Failure.AUTH, 400)
    assert (error.details["code"], error.details["subcode"]) == ("1", "2853006")
    assert "Viewer doesn't have permission" in error.message  # Meta's own title
    assert "role" in error.message and "Page access token" in error.message
    assert fake_facebook.posts == []


def test_a_missing_capability_pauses_the_account(fake_facebook: FakeFacebook) -> None:
    fake_facebook.inject("feed", "capability")
    error = failure(lambda: publisher(fake_facebook).publish(make_post("facebook", "SB 792")))
    assert error.kind is Failure.AUTH
    assert "does not have the capability" in error.message  # Meta's words
    assert "App Dashboard" in error.message


def test_the_application_limit_waits_as_long_as_meta_says(fake_facebook: FakeFacebook) -> None:
    fake_facebook.inject("feed", "app_limit", regain_minutes=42)
    fb = publisher(fake_facebook, clock=FrozenClock(NOW))
    error = failure(lambda: fb.publish(make_post("facebook", "SB 792")))
    assert error.kind is Failure.RATE_LIMITED
    assert "Application limit reached" in error.message
    assert NOW + timedelta(minutes=42) <= error.retry_at
    assert fake_facebook.posts == []


# -- the Graph version -------------------------------------------------------------------------


def test_the_pinned_version_is_one_the_fake_serves_as_graph_does() -> None:
    """When the default moves on, the fake's list of served versions must follow."""
    assert DEFAULT_GRAPH_VERSION in SERVED_VERSIONS
    assert graph_version(DEFAULT_GRAPH_VERSION) == DEFAULT_GRAPH_VERSION
    assert graph_version("v24.00") == graph_version("24.0") == "v24.0"


@pytest.mark.parametrize("version", ["v26", "26.0", "v26.00", "v99.0"])
def test_graph_refuses_a_version_it_does_not_serve(fake_facebook: FakeFacebook, version) -> None:
    fb = publisher(fake_facebook)
    fb._graph.version = version  # what the SDK would send with a version set by hand
    error = failure(lambda: fb.publish(make_post("facebook", "SB 792")))

    assert error.kind is Failure.PERMANENT
    assert error.details["code"] == "2500"
    assert "Unknown path components" in error.message
    assert fake_facebook.posts == []


def test_a_retired_version_is_served_as_the_oldest(fake_facebook: FakeFacebook) -> None:
    fb = publisher(fake_facebook, version="v2.8")
    fb.publish(make_post("facebook", "SB 792"))
    assert fake_facebook.versions == ["v2.8"]
    assert fb._last_response.headers["facebook-api-version"] == SERVED_VERSIONS[0]


# -- appsecret_proof -------------------------------------------------------------------------


@pytest.fixture
def fake_requiring_proof() -> Iterator[FakeFacebook]:
    with FakeFacebook(config={**DEFAULT_CONFIG, "require_appsecret_proof": True}) as fake:
        yield fake


def test_without_the_app_secret_an_app_that_requires_it_pauses_the_account(
    fake_requiring_proof: FakeFacebook,
) -> None:
    error = failure(
        lambda: publisher(fake_requiring_proof).publish(make_post("facebook", "SB 792"))
    )
    assert error.kind is Failure.AUTH
    assert error.details["code"] == "100"
    assert "require an appsecret_proof" in error.message  # Meta's words
    assert "set FACEBOOK_APP_SECRET" in error.message


def test_the_app_secret_proves_every_call(fake_requiring_proof: FakeFacebook, debug_logs) -> None:
    settings = Settings(
        env={
            **FACEBOOK_ENV,
            "FACEBOOK_GRAPH_URL": fake_requiring_proof.url,
            "FACEBOOK_APP_SECRET": APP_SECRET,
        }
    )
    fb = FacebookPublisher.from_settings("default", settings)
    post = make_post("facebook", "SB 792 proven")
    result = fb.publish(post)
    assert fb.reconcile(post).remote_id == result.remote_id
    status = fb.check()
    assert status.ok and "appsecret_proof sent" in status.detail

    expected = hmac.new(APP_SECRET.encode(), PAGE["token"].encode(), hashlib.sha256).hexdigest()
    for route in ("feed", "page_posts", "node"):
        (request,) = fake_requiring_proof.received(route)
        assert request.params["appsecret_proof"] == expected
    assert_no_secret([APP_SECRET, expected, PAGE["token"]], debug_logs.text, repr(status))
    assert "appsecret_proof=***" in debug_logs.text  # urllib3 logged the GET URLs, masked


def test_a_wrong_app_secret_is_refused_like_graph_does(fake_facebook: FakeFacebook) -> None:
    fb = publisher(fake_facebook, app_secret="not-the-app-secret-at-all")
    error = failure(lambda: fb.publish(make_post("facebook", "SB 792")))
    assert error.kind is Failure.AUTH
    assert "Invalid appsecret_proof" in error.message
    assert "current secret" in error.message
    assert "not-the-app-secret-at-all" not in str(error)
    assert fake_facebook.posts == []
