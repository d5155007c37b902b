"""Each fake runs as its own process (crash tests kill workers against them)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.platforms.base import Failure, PublishError
from tests.fakes._server import read_journal
from tests.platforms.conftest import FAST, ROOT, make_post


def start(module: str, state_file: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            f"tests.fakes.{module}",
            "--port",
            "0",
            "--state-file",
            str(state_file),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    ready, _, _ = select.select([process.stdout], [], [], 20)
    if not ready:
        process.kill()
        pytest.fail(f"the {module} fake did not start: {process.stderr.read()}")
    line = process.stdout.readline()
    return process, line.rsplit(" ", 1)[-1].strip()


def control(url: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + path,
        data=data,
        method="POST" if data else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def publisher_for(module: str, url: str, tmp_path: Path):
    if module == "x":
        from bot.platforms.x import XPublisher
        from tests.fakes.x import DEFAULT_CONFIG as C

        return XPublisher(
            "default",
            consumer_key=C["app"]["consumer_key"],
            consumer_secret=C["app"]["consumer_secret"],
            access_token=C["users"][0]["access_token"],
            access_token_secret=C["users"][0]["access_token_secret"],
            base_url=url,
            timeouts=FAST,
        )
    if module == "facebook":
        from bot.platforms.facebook import FacebookPublisher
        from tests.fakes.facebook import DEFAULT_CONFIG as C

        return FacebookPublisher(
            "default",
            page_id=C["pages"][0]["id"],
            page_token=C["pages"][0]["token"],
            base_url=url,
            timeouts=FAST,
        )
    if module == "bluesky":
        from bot.platforms.bluesky import BlueskyPublisher
        from tests.fakes.bluesky import DEFAULT_CONFIG as C

        return BlueskyPublisher(
            "default",
            handle=C["accounts"][0]["handle"],
            app_password=C["accounts"][0]["password"],
            service=url,
            state_dir=tmp_path,
            timeouts=FAST,
        )
    from bot.platforms.mastodon import MastodonPublisher
    from tests.fakes.mastodon import DEFAULT_CONFIG as C

    return MastodonPublisher(
        "default", api_base_url=url, access_token=C["accounts"][0]["token"], timeouts=FAST
    )


STATE_KEY = {"x": "tweets", "facebook": "posts", "bluesky": "records", "mastodon": "statuses"}


@pytest.mark.parametrize("module", ["x", "facebook", "bluesky", "mastodon"])
def test_a_fake_process_records_faults_and_survives_a_restart(module: str, tmp_path: Path) -> None:
    state_file = tmp_path / f"{module}.jsonl"
    process, url = start(module, state_file)
    try:
        publisher = publisher_for(module, url, tmp_path)
        post = make_post(module, f"SB 792 from a separate {module} process")
        publisher.publish(post)

        control(url, "/_fake/fault", {"route": "*", "fault": {"kind": "rate_limited"}})
        with pytest.raises(PublishError) as caught:
            publisher.publish(make_post(module, "rate limited"))
        assert caught.value.kind is Failure.RATE_LIMITED

        state = control(url, "/_fake/state")
        assert len(state[STATE_KEY[module]]) == 1
        assert sum(state["requests"].values()) >= 2
    finally:
        process.terminate()
        process.wait(timeout=10)

    journal = read_journal(state_file)
    assert len(journal) == 1
    assert post.text in json.dumps(journal, ensure_ascii=False)

    process, url = start(module, state_file)  # the journal is replayed
    try:
        assert len(control(url, "/_fake/state")[STATE_KEY[module]]) == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
