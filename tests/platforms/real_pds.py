"""The reference Bluesky server (``@atproto/pds``) under the tests, and its accounts.

``bash scripts/pds`` installs and starts it (``scripts/test`` does, and exports
``TEST_PDS_URL`` and ``TEST_PDS_ADMIN_PASSWORD``). Without it the tests that need it
are skipped, saying why, except in CI, where a missing PDS is a failure: the fake
PDS is only trusted because these tests hold it to the real one.

Accounts are made with ``com.atproto.server.createAccount`` (handles are one label
plus ``.test``); the admin password (Basic auth) takes accounts down and deletes
them, as Bluesky's moderation would.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support import unavailable


@dataclass(frozen=True)
class PdsAccount:
    """An account on the real PDS, with a full-access session of its own."""

    handle: str
    did: str
    password: str
    access_jwt: str


class RealPds:
    """A thin XRPC client for setting up what the tests need on the real PDS."""

    def __init__(self, url: str, admin_password: str | None) -> None:
        self.url = url.rstrip("/")
        self.admin_password = admin_password
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def xrpc(
        self,
        nsid: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        token: str | None = None,
        admin: bool = False,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One XRPC call: a POST when ``body`` is given, else a GET."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        auth = None
        if admin:
            if not self.admin_password:
                unavailable("the PDS admin password is unknown: set TEST_PDS_ADMIN_PASSWORD")
            auth = ("admin", self.admin_password)
        if body is not None:
            return self.http.post(f"/xrpc/{nsid}", json=body, headers=sent, auth=auth)
        return self.http.get(f"/xrpc/{nsid}", params=params, headers=sent, auth=auth)

    def ok(self, nsid: str, **kwargs: Any) -> dict[str, Any]:
        response = self.xrpc(nsid, **kwargs)
        assert response.status_code == 200, f"{nsid}: {response.status_code} {response.text}"
        return response.json() if response.content else {}

    def create_account(self, prefix: str = "bot") -> PdsAccount:
        """A new account with a random handle (``<prefix><hex>.test``)."""
        label = f"{prefix}{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(12)
        answer = self.ok(
            "com.atproto.server.createAccount",
            body={"handle": f"{label}.test", "email": f"{label}@example.org", "password": password},
        )
        return PdsAccount(answer["handle"], answer["did"], password, answer["accessJwt"])

    def app_password(self, account: PdsAccount, name: str) -> str:
        return self.ok(
            "com.atproto.server.createAppPassword", body={"name": name}, token=account.access_jwt
        )["password"]

    def revoke_app_password(self, account: PdsAccount, name: str) -> None:
        self.ok(
            "com.atproto.server.revokeAppPassword", body={"name": name}, token=account.access_jwt
        )

    def takedown(self, did: str, applied: bool = True) -> None:
        self.ok(
            "com.atproto.admin.updateSubjectStatus",
            admin=True,
            body={
                "subject": {"$type": "com.atproto.admin.defs#repoRef", "did": did},
                "takedown": {"applied": applied, "ref": "advocacy-bot-test"},
            },
        )

    def deactivate(self, account: PdsAccount) -> None:
        self.ok("com.atproto.server.deactivateAccount", body={}, token=account.access_jwt)

    def delete(self, did: str) -> None:
        self.ok("com.atproto.admin.deleteAccount", admin=True, body={"did": did})


def pds_url() -> str:
    """``TEST_PDS_URL`` if the server there answers; else skip (or fail in CI), saying why."""
    url = os.environ.get("TEST_PDS_URL")
    why = None
    if not url:
        why = "TEST_PDS_URL is not set"
    else:
        try:
            httpx.get(f"{url.rstrip('/')}/xrpc/_health", timeout=5).raise_for_status()
        except httpx.HTTPError as exc:
            why = f"the PDS at TEST_PDS_URL={url} does not answer ({type(exc).__name__})"
    if why:
        unavailable(f"no real Bluesky PDS ({why}): run `bash scripts/pds` and set TEST_PDS_URL")
    return url  # type: ignore[return-value]


@pytest.fixture(scope="session")
def real_pds() -> Iterator[RealPds]:
    """The reference PDS started by ``scripts/pds`` (skips, or fails in CI, without it)."""
    pds = RealPds(pds_url(), os.environ.get("TEST_PDS_ADMIN_PASSWORD"))
    try:
        yield pds
    finally:
        pds.close()


@pytest.fixture(scope="session")
def pds_account(real_pds: RealPds) -> PdsAccount:
    """The bot's account for the session (tests that close accounts make their own)."""
    return real_pds.create_account("bot")


@pytest.fixture(scope="session")
def pds_legislator(real_pds: RealPds) -> PdsAccount:
    """Another account, to be mentioned."""
    return real_pds.create_account("sen")
