"""The fake PDS answers as the reference PDS does: the same probes, the same answers.

Every publisher test that injects a fault runs against ``tests.fakes.bluesky``; the
fake is only worth trusting while it answers like the real server. This test sends
the same requests (sessions, tokens, handles, records that break each rule, closed
accounts, a revoked app password) to both, and compares the HTTP status and the
XRPC error name of each answer. A difference names the probe and both answers.

Needs the real PDS (``bash scripts/pds``; ``scripts/test`` starts it): skipped
without it, failed without it in CI.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bot.platforms.bluesky import tid
from tests.fakes.bluesky import FakeBluesky
from tests.platforms.real_pds import PdsAccount, RealPds

#: How each side closes an account the way Bluesky or its owner would.
CLOSINGS = ("takedown", "deactivated", "deleted", "revoked")

Answer = tuple[int, str | None]


@dataclass
class Side:
    """One server under probe, with the accounts the probes use."""

    name: str
    url: str
    me: PdsAccount
    other: PdsAccount
    closing: dict[str, PdsAccount]
    close: Callable[[str, PdsAccount], None]
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def call(self, nsid: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if "json" in kwargs:
            return self.http.post(f"/xrpc/{nsid}", headers=headers, **kwargs)
        return self.http.get(f"/xrpc/{nsid}", headers=headers, **kwargs)

    def login(self, account: PdsAccount) -> dict[str, Any]:
        response = self.call(
            "com.atproto.server.createSession",
            json={"identifier": account.handle, "password": account.password},
        )
        assert response.status_code == 200, f"{self.name}: {response.text}"
        return response.json()


def answer(response: httpx.Response) -> Answer:
    if response.status_code == 200:
        return 200, None
    try:
        return response.status_code, response.json().get("error")
    except ValueError:
        return response.status_code, "(not JSON)"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def post(text: str = "probe", **fields: Any) -> dict[str, Any]:
    return {"$type": "app.bsky.feed.post", "text": text, "createdAt": now(), **fields}


def link(start: int, end: int, uri: str) -> dict[str, Any]:
    return {
        "index": {"byteStart": start, "byteEnd": end},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
    }


def new_rkey() -> str:
    return tid(int(time.time() * 1_000_000), secrets.randbelow(1024))


def probe(side: Side) -> dict[str, Answer]:
    """Send every probe to ``side``; each answer as (status, error name)."""
    out: dict[str, Answer] = {}
    me, other = side.me, side.other

    def write(name: str, record: dict[str, Any], *, repo: str | None = None, **kw: Any) -> None:
        body = {"repo": repo or me.did, "collection": "app.bsky.feed.post", "record": record}
        body |= kw
        out[name] = answer(side.call("com.atproto.repo.createRecord", token=access, json=body))

    # -- sessions and tokens
    out["createSession: wrong password"] = answer(
        side.call(
            "com.atproto.server.createSession",
            json={"identifier": me.handle, "password": "wrong-wrong-wrong-wrong"},
        )
    )
    out["createSession: unknown handle"] = answer(
        side.call(
            "com.atproto.server.createSession",
            json={"identifier": "nobody-here.test", "password": "wrong-wrong-wrong-wrong"},
        )
    )
    session = side.login(me)
    access, refresh = session["accessJwt"], session["refreshJwt"]
    out["createSession: did document"] = (200, "didDoc" if "didDoc" in session else "no didDoc")
    out["getSession: no token"] = answer(side.call("com.atproto.server.getSession"))
    out["getSession: garbage token"] = answer(
        side.call("com.atproto.server.getSession", token="not-a-jwt")
    )
    out["getSession: refresh token"] = answer(
        side.call("com.atproto.server.getSession", token=refresh)
    )
    out["getSession: ok"] = answer(side.call("com.atproto.server.getSession", token=access))
    out["refreshSession: access token"] = answer(
        side.call("com.atproto.server.refreshSession", token=access, json=None)
    )
    # -- handles
    out["resolveHandle: unknown"] = answer(
        side.call("com.atproto.identity.resolveHandle", params={"handle": "nobody-here.test"})
    )
    out["resolveHandle: known"] = answer(
        side.call("com.atproto.identity.resolveHandle", params={"handle": other.handle})
    )
    # -- records
    rkey = new_rkey()
    get = {"repo": me.did, "collection": "app.bsky.feed.post", "rkey": rkey}
    out["getRecord: absent"] = answer(side.call("com.atproto.repo.getRecord", params=get))
    out["getRecord: unknown repo"] = answer(
        side.call(
            "com.atproto.repo.getRecord",
            params={**get, "repo": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"},
        )
    )
    write("createRecord: ok", post("probe one"), rkey=rkey)
    out["getRecord: present"] = answer(side.call("com.atproto.repo.getRecord", params=get))
    write("createRecord: same record key", post("probe one"), rkey=rkey)
    write("createRecord: record key not a TID", post(), rkey="not-a-tid")
    write("createRecord: another account's repo", post(), repo=other.did)
    out["createRecord: no token"] = answer(
        side.call(
            "com.atproto.repo.createRecord",
            json={"repo": me.did, "collection": "app.bsky.feed.post", "record": post()},
        )
    )
    write("createRecord: 3 langs", post(langs=["en", "es", "fr"]))
    write("createRecord: 4 langs", post(langs=["en", "es", "fr", "de"]))
    write("createRecord: 301 graphemes", post("é" * 301))
    write("createRecord: 300 graphemes", post("🙏🏽" * 300))
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 25 bytes
    write("createRecord: 3,000 bytes", post(family * 120))
    write("createRecord: 3,025 bytes in 121 graphemes", post(family * 121))
    write("createRecord: lang 'english'", post(langs=["english"]))
    write("createRecord: lang 'en_US'", post(langs=["en_US"]))
    write(
        "createRecord: facet past the text",
        post("see x.org", facets=[link(4, 12, "https://x.org")]),
    )
    write(
        "createRecord: mention facet without a DID",
        post(
            "@x.test",
            facets=[
                {
                    "index": {"byteStart": 0, "byteEnd": 7},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "x.test"}],
                }
            ],
        ),
    )
    write("createRecord: repo that does not exist", post(), repo="did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
    write("createRecord: text not a string", post(text=7))
    write("createRecord: no createdAt", {"$type": "app.bsky.feed.post", "text": "x"})
    write("createRecord: createdAt without time zone", post(createdAt="2026-03-01T12:00:00"))
    write("createRecord: link facet ok", post("see x.org", facets=[link(4, 9, "https://x.org")]))
    write("createRecord: link facet not a URI", post("see x.org", facets=[link(4, 9, "x.org")]))
    # -- closed accounts: each logged in first, then closed, then asked again
    sessions = {kind: side.login(account) for kind, account in side.closing.items()}
    for kind, account in side.closing.items():
        side.close(kind, account)
        token = sessions[kind]["accessJwt"]
        out[f"{kind}: createSession"] = answer(
            side.call(
                "com.atproto.server.createSession",
                json={"identifier": account.handle, "password": account.password},
            )
        )
        out[f"{kind}: createRecord with its old token"] = answer(
            side.call(
                "com.atproto.repo.createRecord",
                token=token,
                json={"repo": account.did, "collection": "app.bsky.feed.post", "record": post()},
            )
        )
        out[f"{kind}: getSession with its old token"] = answer(
            side.call("com.atproto.server.getSession", token=token)
        )
        out[f"{kind}: refreshSession"] = answer(
            side.call(
                "com.atproto.server.refreshSession",
                token=sessions[kind]["refreshJwt"],
                json=None,
            )
        )
    return out


@pytest.fixture(scope="module")
def real_side(real_pds: RealPds) -> Iterator[Side]:
    if not real_pds.admin_password:
        pytest.skip("the PDS admin password is unknown: set TEST_PDS_ADMIN_PASSWORD")
    owners = {kind: real_pds.create_account("cl") for kind in CLOSINGS}
    closing = dict(owners)
    # The bot signs in with an app password: the "revoked" account uses one.
    app_password = real_pds.app_password(owners["revoked"], "advocacy-bot")
    closing["revoked"] = PdsAccount(
        owners["revoked"].handle, owners["revoked"].did, app_password, ""
    )

    def close(kind: str, account: PdsAccount) -> None:
        if kind == "takedown":
            real_pds.takedown(account.did)
        elif kind == "deactivated":
            real_pds.deactivate(owners[kind])
        elif kind == "deleted":
            real_pds.delete(account.did)
        else:
            real_pds.revoke_app_password(owners[kind], "advocacy-bot")

    side = Side(
        "real",
        real_pds.url,
        real_pds.create_account("me"),
        real_pds.create_account("ot"),
        closing,
        close,
    )
    yield side
    side.http.close()


@pytest.fixture(scope="module")
def fake_side(real_side: Side) -> Iterator[Side]:
    """The fake, given accounts with the same handles, DIDs and passwords."""
    accounts = [real_side.me, real_side.other, *real_side.closing.values()]
    config = {
        "accounts": [{"handle": a.handle, "did": a.did, "password": a.password} for a in accounts],
        "directory": {},
        "access_ttl": 7200,
        "refresh_ttl": 90 * 86400,
        "existing_record": "internal_error",
    }
    with FakeBluesky(config=config) as fake:
        actions = {
            "takedown": fake.takedown,
            "deactivated": fake.deactivate,
            "deleted": fake.delete,
            "revoked": fake.revoke_app_password,
        }
        side = Side(
            "fake",
            fake.url,
            real_side.me,
            real_side.other,
            real_side.closing,
            lambda kind, account: actions[kind](account.handle),
        )
        yield side
        side.http.close()


def test_the_fake_answers_every_probe_as_the_real_pds(real_side: Side, fake_side: Side) -> None:
    real, fake = probe(real_side), probe(fake_side)
    assert real.keys() == fake.keys()
    differences = [
        f"{name}: real {real[name]}, fake {fake[name]}" for name in real if real[name] != fake[name]
    ]
    assert not differences, f"{len(differences)} of {len(real)} probes differ:\n" + "\n".join(
        differences
    )
    assert len(real) >= 40
