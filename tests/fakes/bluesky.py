"""A fake Bluesky PDS that answers as bsky.social does, for the atproto SDK.

XRPC routes (``/xrpc/<nsid>``): ``com.atproto.server.createSession``,
``refreshSession``, ``getSession``; ``com.atproto.identity.resolveHandle``;
``com.atproto.repo.createRecord`` and ``getRecord``; ``app.bsky.actor.getProfile``.

Like the reference PDS (``@atproto/pds``; ``tests/platforms/test_bluesky_fake_vs_real.py``
sends the same probes to both and compares status and error name): sessions are
JWTs (``exp`` honoured: an expired access token answers 400 ``ExpiredToken``; a
token that is not one of ours, or of the wrong kind, 400 ``InvalidToken``; none at
all, 401 ``AuthMissing``); ``createSession`` returns a DID document whose PDS
endpoint is this server; ``app.bsky.feed.post`` records are validated (300
graphemes, 3000 bytes, at most 3 ``langs``, a ``createdAt`` with a time zone,
link facets that are URIs, TID record keys; like the PDS, facet byte ranges are
not checked against the text);
``createRecord`` at a record key that already exists answers 500
``InternalServerError``, as today's PDS does (``existing_record: "explicit"`` in
the config answers 400 ``RecordAlreadyExists`` instead, as a future PDS may); in
another account's repo 401 ``AuthenticationRequired``, in a repo that does not
exist 403 ``AccountNotFound``; closed accounts answer as on the PDS
(``AccountTakedown``, ``AccountDeactivated``, ``AccountNotFound``); a missing
record is 400 ``RecordNotFound``, a repo this server does not host 400
``InvalidRequest``; an unknown handle is 400 ``HandleNotFound``. Answers carry
``ratelimit-limit/remaining/reset/policy``.

:meth:`FakeBluesky.expire_sessions` revokes every token issued so far (both
access and refresh), which forces a client to log in again. Accounts can be
closed as on Bluesky: :meth:`~FakeBluesky.takedown` (moderation),
:meth:`~FakeBluesky.deactivate` (by their owner), :meth:`~FakeBluesky.delete`;
:meth:`~FakeBluesky.revoke_app_password` refuses new logins and refreshes, but
access tokens already issued stay valid until they expire, as on the real PDS.

Fault kinds: ``rate_limited`` (``reset_in``), ``server_error`` (``status``,
default 502... any 5xx), ``expired_token``, ``unauthorized``, plus the common
``timeout``/``hang``/``drop``.

Standalone: ``python -m tests.fakes.bluesky --port 8403 --state-file bsky.jsonl``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from datetime import datetime
from typing import Any

import regex

from tests.fakes._server import FakeServer, Fault, Request, Response, main

DEFAULT_CONFIG: dict[str, Any] = {
    "accounts": [
        {
            "handle": "moadvocacy.bsky.social",
            "did": "did:plc:moadvocacy0000000000000a",
            "password": "fake-app-pass-word-0001",
        },
        {
            "handle": "mocoalition.bsky.social",
            "did": "did:plc:mocoalition000000000000b",
            "password": "fake-app-pass-word-0002",
        },
    ],
    # Other handles the fake resolves (legislators).
    "directory": {
        "senator.bsky.social": "did:plc:senator00000000000000000a",
        "rep-jones.bsky.social": "did:plc:repjones0000000000000000b",
        "josé.example.com": "did:plc:jose000000000000000000000c",
    },
    "access_ttl": 7200,
    "refresh_ttl": 90 * 86400,
    "existing_record": "internal_error",
}

TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
#: A language tag as the PDS accepts it: a 2- or 3-letter language, then subtags.
LANGUAGE = re.compile(
    r"^([a-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?"
    r"(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+)*"
    r"(-[xX](-[A-Za-z0-9]{1,8})+)?|[xX](-[A-Za-z0-9]{1,8})+|i-[a-z]+)$"
)
URI = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$", re.IGNORECASE)
#: An account the server closed: ``takendown`` (moderation), ``deactivated`` (its owner), or
#: ``deleted``; ``revoked`` marks an account whose app password was revoked.
CLOSED = ("takendown", "deactivated", "deleted")
S32 = "234567abcdefghijklmnopqrstuvwxyz"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def xrpc_error(
    status: int, error: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(status, {"error": error, "message": message}, headers or {})


def now_tid() -> str:
    value = (int(time.time() * 1_000_000) << 10) | 7
    return "".join(S32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


class FakeBluesky(FakeServer):
    name = "bluesky"
    routes = [
        ("POST", r"/xrpc/com\.atproto\.server\.createSession", "create_session"),
        ("POST", r"/xrpc/com\.atproto\.server\.refreshSession", "refresh_session"),
        ("GET", r"/xrpc/com\.atproto\.server\.getSession", "get_session"),
        ("GET", r"/xrpc/com\.atproto\.identity\.resolveHandle", "resolve_handle"),
        ("POST", r"/xrpc/com\.atproto\.repo\.createRecord", "create_record"),
        ("GET", r"/xrpc/com\.atproto\.repo\.getRecord", "get_record"),
        ("GET", r"/xrpc/app\.bsky\.actor\.getProfile", "get_profile"),
    ]

    def __init__(self, port: int = 0, **kwargs: Any) -> None:
        config = kwargs.pop("config", None) or DEFAULT_CONFIG
        super().__init__(port, config=config, **kwargs)

    def reset_state(self) -> None:
        self.records: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        #: did -> "takendown" | "deactivated" | "deleted" (open accounts are absent)
        self.states: dict[str, str] = {}
        #: dids whose app password was revoked: logins and refreshes refused
        self.revoked: set[str] = set()

    def apply(self, event: dict[str, Any]) -> None:
        if event["type"] == "record":
            self.records[(event["did"], event["collection"], event["rkey"])] = event

    def snapshot(self) -> dict[str, Any]:
        return {"records": list(self.records.values())}

    def posts(self, handle: str | None = None) -> list[dict[str, Any]]:
        """The post records created (for one account, or all), in creation order."""
        with self.lock:
            return [r for r in self.records.values() if handle is None or r["handle"] == handle]

    # -- sessions -------------------------------------------------------------------------

    def _issue(self, account: dict[str, str]) -> dict[str, str]:
        now = int(time.time())
        tokens = {}
        for kind, ttl, scope in (
            ("access", self.config["access_ttl"], "com.atproto.appPass"),
            ("refresh", self.config["refresh_ttl"], "com.atproto.refresh"),
        ):
            header = _b64(
                json.dumps(
                    {"typ": f"{'at' if kind == 'access' else 'refresh'}+jwt", "alg": "ES256K"}
                ).encode()
            )
            claims = {
                "scope": scope,
                "sub": account["did"],
                "iat": now,
                "exp": now + ttl,
                "aud": "did:web:fake.pds.test",
            }
            if kind == "refresh":
                claims["jti"] = secrets.token_urlsafe(16)
            payload = _b64(json.dumps(claims).encode())
            token = f"{header}.{payload}.{_b64(secrets.token_bytes(32))}"
            self.tokens[token] = {
                "kind": kind,
                "did": account["did"],
                "exp": now + ttl,
                "revoked": False,
            }
            tokens[kind] = token
        return tokens

    def expire_sessions(self) -> None:
        """Revoke every token issued so far: the next call must log in again."""
        with self.lock:
            for token in self.tokens.values():
                token["revoked"] = True

    def _did(self, handle: str) -> str:
        return next(a["did"] for a in self.config["accounts"] if a["handle"] == handle)

    def takedown(self, handle: str) -> None:
        """Bluesky moderation takes the account down."""
        with self.lock:
            self.states[self._did(handle)] = "takendown"

    def deactivate(self, handle: str) -> None:
        """The owner deactivates the account."""
        with self.lock:
            self.states[self._did(handle)] = "deactivated"

    def delete(self, handle: str) -> None:
        """The account is deleted (its repo is gone)."""
        with self.lock:
            did = self._did(handle)
            self.states[did] = "deleted"
            self.records = {k: v for k, v in self.records.items() if k[0] != did}

    def revoke_app_password(self, handle: str) -> None:
        """The app password is revoked: no new login or refresh, but access tokens
        already issued stay valid until they expire, as on the real PDS."""
        with self.lock:
            did = self._did(handle)
            self.revoked.add(did)
            for token in self.tokens.values():
                if token["did"] == did and token["kind"] == "refresh":
                    token["revoked"] = True

    def _did_doc(self, account: dict[str, str]) -> dict[str, Any]:
        return {
            "@context": [
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/multikey/v1",
                "https://w3id.org/security/suites/secp256k1-2019/v1",
            ],
            "id": account["did"],
            "alsoKnownAs": [f"at://{account['handle']}"],
            "verificationMethod": [
                {
                    "id": f"{account['did']}#atproto",
                    "type": "Multikey",
                    "controller": account["did"],
                    "publicKeyMultibase": "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF",
                }
            ],
            "service": [
                {
                    "id": "#atproto_pds",
                    "type": "AtprotoPersonalDataServer",
                    "serviceEndpoint": self.url,
                }
            ],
        }

    def _account(self, did: str) -> dict[str, str]:
        return next(a for a in self.config["accounts"] if a["did"] == did)

    def _bearer(
        self, request: Request, kind: str = "access", closed: dict[str, Response] | None = None
    ) -> dict[str, str] | Response:
        """The account the token belongs to, or the answer the real PDS gives.

        ``closed`` maps an account state to this route's answer for it (each route
        of the real PDS checks a different set); a state not listed passes.
        """
        header = request.header("Authorization") or ""
        if not header.startswith("Bearer "):
            return xrpc_error(401, "AuthMissing", "Authentication Required")
        info = self.tokens.get(header[len("Bearer ") :])
        if info is None:
            return xrpc_error(400, "InvalidToken", "Token could not be verified")
        if info["kind"] != kind:
            return xrpc_error(400, "InvalidToken", "Bad token scope")
        if info["revoked"]:
            return xrpc_error(400, "ExpiredToken", "Token has been revoked")
        if info["exp"] <= time.time():
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        state = self.states.get(info["did"])
        if state and closed and state in closed:
            return closed[state]
        return self._account(info["did"])

    def _session_headers(self) -> dict[str, str]:
        creates = self.count("create_session")
        return {
            "ratelimit-limit": "30",
            "ratelimit-remaining": str(max(0, 30 - creates)),
            "ratelimit-reset": str(int(time.time()) + 300),
            "ratelimit-policy": "30;w=300",
        }

    def create_session(self, request: Request) -> Response:
        body = request.json or {}
        identifier = str(body.get("identifier", "")).lower()
        account = next(
            (a for a in self.config["accounts"] if identifier in (a["handle"], a["did"])), None
        )
        state = self.states.get(account["did"]) if account else None
        if (
            account is None
            or body.get("password") != account["password"]
            or account["did"] in self.revoked
            or state == "deleted"
        ):
            return xrpc_error(
                401,
                "AuthenticationRequired",
                "Invalid identifier or password",
                self._session_headers(),
            )
        if state == "takendown":
            return xrpc_error(
                401, "AccountTakedown", "Account has been taken down", self._session_headers()
            )
        with self.lock:
            tokens = self._issue(account)
        return Response(
            200,
            {
                "did": account["did"],
                "didDoc": self._did_doc(account),
                "handle": account["handle"],
                "email": f"{account['handle'].split('.')[0]}@example.org",
                "emailConfirmed": True,
                "emailAuthFactor": False,
                "accessJwt": tokens["access"],
                "refreshJwt": tokens["refresh"],
                **self._activity(account),
            },
            self._session_headers(),
        )

    def _activity(self, account: dict[str, str]) -> dict[str, Any]:
        state = self.states.get(account["did"])
        return {"active": False, "status": state} if state else {"active": True}

    def refresh_session(self, request: Request) -> Response:
        account = self._bearer(
            request,
            "refresh",
            closed={
                "takendown": xrpc_error(401, "AccountTakedown", "Account has been taken down"),
                "deleted": xrpc_error(400, "InvalidRequest", "Account not found"),
            },
        )
        if isinstance(account, Response):
            return account
        with self.lock:
            old = (request.header("Authorization") or "")[len("Bearer ") :]
            self.tokens[old]["revoked"] = True
            tokens = self._issue(account)
        return Response(
            200,
            {
                "did": account["did"],
                "didDoc": self._did_doc(account),
                "handle": account["handle"],
                "accessJwt": tokens["access"],
                "refreshJwt": tokens["refresh"],
                **self._activity(account),
            },
        )

    def get_session(self, request: Request) -> Response:
        gone = xrpc_error(400, "InvalidRequest", "Could not find user info for account")
        account = self._bearer(request, closed={"takendown": gone, "deleted": gone})
        if isinstance(account, Response):
            return account
        return Response(
            200,
            {
                "handle": account["handle"],
                "did": account["did"],
                "didDoc": self._did_doc(account),
                "emailConfirmed": True,
                **self._activity(account),
            },
        )

    # -- identity -----------------------------------------------------------------------------

    def resolve_handle(self, request: Request) -> Response:
        handle = (request.query.get("handle") or "").lower()
        directory = {k.lower(): v for k, v in self.config["directory"].items()}
        directory |= {a["handle"]: a["did"] for a in self.config["accounts"]}
        if handle in directory:
            return Response(200, {"did": directory[handle]})
        return xrpc_error(400, "HandleNotFound", "Unable to resolve handle")

    def get_profile(self, request: Request) -> Response:
        account = self._bearer(request)
        if isinstance(account, Response):
            return account
        actor = request.query.get("actor", "")
        target = next(
            (a for a in self.config["accounts"] if actor in (a["handle"], a["did"])), None
        )
        if target is None:
            return xrpc_error(400, "InvalidRequest", "Profile not found")
        return Response(
            200,
            {
                "did": target["did"],
                "handle": target["handle"],
                "displayName": target["handle"].split(".")[0],
            },
        )

    # -- records -----------------------------------------------------------------------------

    def _write_headers(self, did: str) -> dict[str, str]:
        now = time.time()
        points = 3 * sum(
            1 for r in self.records.values() if r["did"] == did and r["time"] > now - 3600
        )
        return {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": str(max(0, 5000 - points)),
            "ratelimit-reset": str(int(now) + 3600),
            "ratelimit-policy": "5000;w=3600",
        }

    @staticmethod
    def _validate_post(record: dict[str, Any]) -> str | None:
        text = record.get("text")
        if not isinstance(text, str):
            return "Record/text must be a string"
        if len(regex.findall(r"\X", text)) > 300:  # current Unicode segmentation, as the PDS
            return "Record/text must not be longer than 300 graphemes"
        encoded = text.encode("utf-8")
        if len(encoded) > 3000:
            return "Record/text must not be longer than 3000 characters"
        created = record.get("createdAt")
        if not isinstance(created, str):
            return 'Record must have the property "createdAt"'
        if not _datetime_with_zone(created):
            return "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
        langs = record.get("langs")
        if langs is not None:
            if not isinstance(langs, list) or len(langs) > 3:
                return "Record/langs must not have more than 3 elements"
            for number, lang in enumerate(langs):
                if not (isinstance(lang, str) and LANGUAGE.match(lang)):
                    return f"Record/langs/{number} must be a well-formed BCP 47 language tag"
        # Like the real PDS, byte ranges are not checked against the text (a range past
        # its end is stored as sent): the tests read the stored bytes themselves.
        for number, facet in enumerate(record.get("facets") or []):
            index = facet.get("index") or {}
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not (isinstance(start, int) and isinstance(end, int) and start >= 0 and end >= 0):
                return f"Record/facets/{number}/index must be a valid byte slice"
            for feature in facet.get("features") or []:
                kind = feature.get("$type")
                if kind == "app.bsky.richtext.facet#mention" and not str(
                    feature.get("did", "")
                ).startswith("did:"):
                    return f"Record/facets/{number}/features/0/did must be a valid did"
                if kind == "app.bsky.richtext.facet#link" and not URI.match(
                    str(feature.get("uri", ""))
                ):
                    return f"Record/facets/{number}/features/0/uri must be a uri"
        return None

    def create_record(self, request: Request) -> Response:
        account = self._bearer(
            request,
            closed={
                "takendown": xrpc_error(401, "AccountTakedown", "Account has been taken down"),
                "deactivated": xrpc_error(401, "AccountDeactivated", "Account is deactivated"),
                "deleted": xrpc_error(403, "AccountNotFound", "Account not found"),
            },
        )
        if isinstance(account, Response):
            return account
        body = request.json or {}
        repo, collection = body.get("repo"), body.get("collection")
        rkey, record = body.get("rkey") or now_tid(), body.get("record") or {}
        if repo not in (account["did"], account["handle"]):
            if not any(repo in (a["did"], a["handle"]) for a in self.config["accounts"]):
                return xrpc_error(403, "AccountNotFound", "Account not found")
            return xrpc_error(401, "AuthenticationRequired", "Authentication Required")
        if collection == "app.bsky.feed.post":
            if not TID.match(rkey):
                return xrpc_error(400, "InvalidRequest", f"Invalid record key: {rkey}")
            if record.get("$type") != collection:
                return xrpc_error(
                    400, "InvalidRequest", "Invalid $type: expected app.bsky.feed.post"
                )
            problem = self._validate_post(record)
            if problem:
                return xrpc_error(
                    400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {problem}"
                )
        key = (account["did"], collection, rkey)
        with self.lock:
            if key in self.records:
                self.reject("existing_record", handle=account["handle"], rkey=rkey)
                if self.config.get("existing_record") == "explicit":
                    return xrpc_error(400, "RecordAlreadyExists", "Record already exists")
                return xrpc_error(500, "InternalServerError", "Internal Server Error")
            cid = (
                "bafyrei"
                + base64.b32encode(
                    hashlib.sha256(json.dumps(record, sort_keys=True).encode()).digest()
                )
                .decode()
                .lower()
                .rstrip("=")[:52]
            )
            uri = f"at://{account['did']}/{collection}/{rkey}"
            self.record(
                {
                    "type": "record",
                    "did": account["did"],
                    "handle": account["handle"],
                    "collection": collection,
                    "rkey": rkey,
                    "uri": uri,
                    "cid": cid,
                    "value": record,
                    "time": time.time(),
                }
            )
            headers = self._write_headers(account["did"])
        return Response(
            200,
            {
                "uri": uri,
                "cid": cid,
                "commit": {"cid": cid.replace("bafyrei", "bafyreic", 1), "rev": now_tid()},
                "validationStatus": "valid",
            },
            headers,
        )

    def get_record(self, request: Request) -> Response:
        repo = request.query.get("repo", "")
        collection, rkey = request.query.get("collection", ""), request.query.get("rkey", "")
        account = next(
            (a for a in self.config["accounts"] if repo in (a["did"], a["handle"])), None
        )
        did = account["did"] if account else repo
        if account is None or self.states.get(did) == "deleted":
            # A repo this server does not host (and no AppView to ask).
            return xrpc_error(400, "InvalidRequest", "Could not locate record")
        with self.lock:
            found = self.records.get((did, collection, rkey))
        if found is None:
            return xrpc_error(
                400, "RecordNotFound", f"Could not locate record: at://{did}/{collection}/{rkey}"
            )
        return Response(200, {"uri": found["uri"], "cid": found["cid"], "value": found["value"]})

    # -- faults ----------------------------------------------------------------------------------

    def make_fault(self, kind: str, **params: Any) -> Fault:
        if kind == "rate_limited":
            reset = int(self.clock() + float(params.get("reset_in", 3600)))
            return Fault.status(
                xrpc_error(
                    429,
                    "RateLimitExceeded",
                    "Rate Limit Exceeded",
                    {
                        "ratelimit-limit": "5000",
                        "ratelimit-remaining": "0",
                        "ratelimit-reset": str(reset),
                        "ratelimit-policy": "5000;w=3600",
                    },
                )
            )
        if kind == "server_error":
            status = int(params.get("status", 502))
            if status == 502:
                return Fault.status(
                    Response(
                        502, "<html><body>502 Bad Gateway</body></html>", content_type="text/html"
                    )
                )
            return Fault.status(xrpc_error(status, "InternalServerError", "Internal Server Error"))
        if kind == "expired_token":
            return Fault.status(xrpc_error(400, "ExpiredToken", "Token has expired"))
        if kind == "unauthorized":
            return Fault.status(
                xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
            )
        return super().make_fault(kind, **params)


def _datetime_with_zone(value: str) -> bool:
    """An RFC 3339 datetime with a time zone (``Z`` or an offset), as atproto requires."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


if __name__ == "__main__":
    main(FakeBluesky)
