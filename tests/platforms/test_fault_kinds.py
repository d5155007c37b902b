"""The fakes' faults for answers that lie: the post exists, the answer says otherwise."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.fakes.mastodon import FakeMastodon


@pytest.fixture
def fake():
    with FakeMastodon() as server:
        yield server


def create(fake: FakeMastodon, text: str) -> tuple[int, bytes, str]:
    request = urllib.request.Request(
        fake.url + "/api/v1/statuses",
        data=urllib.parse.urlencode({"status": text}).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"Bearer {token(fake)}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers["Content-Type"]


def token(fake: FakeMastodon) -> str:
    return "fake-mastodon-token-default-0001"


def statuses(fake: FakeMastodon) -> int:
    return len(fake.snapshot()["statuses"])


def test_accepted_then_5xx_creates_the_post_and_answers_503(fake):
    fake.inject("create", "accepted_then", then={"kind": "server_error", "status": 503})
    status, _, _ = create(fake, "one")
    assert status == 503
    assert statuses(fake) == 1


@pytest.mark.parametrize("body", ["truncated", "html", "empty"])
def test_garbled_creates_the_post_and_answers_200_with_an_unreadable_body(fake, body):
    fake.inject("create", "garbled", body=body)
    status, payload, content_type = create(fake, "two")
    assert status == 200 and statuses(fake) == 1
    with pytest.raises(ValueError):
        json.loads(payload)
    assert ("text/html" in content_type) == (body == "html")


def test_late_takes_effect_only_after_release(fake):
    fake.inject("create", "late", delay=30)
    answer: list[int] = []
    thread = threading.Thread(target=lambda: answer.append(create(fake, "three")[0]))
    thread.start()
    for _ in range(200):  # until the fake holds the request (it waits for the release)
        if fake.in_flight["create"]:
            break
        time.sleep(0.05)
    assert fake.in_flight["create"] == 1
    assert statuses(fake) == 0 and not answer
    urllib.request.urlopen(
        urllib.request.Request(fake.url + "/_fake/release", data=b"{}", method="POST"), timeout=5
    )
    thread.join(10)
    assert answer == [200] and statuses(fake) == 1
