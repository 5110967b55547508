"""``Idempotency-Key`` for every POST: a replay returns the first response instead of acting twice.

An ASGI middleware, so it covers every POST endpoint without each one opting in. For a POST with
the header, it fingerprints method, path, query and body, then claims ``(caller, key)`` in the
database:

- first use: the request runs; a 2xx/3xx response is stored for 24 hours, any other outcome
  releases the key (errors roll the request's transaction back, so retrying is safe);
- replay with the same request: the stored status, headers and body, plus
  ``Idempotent-Replayed: true``;
- same key, different request: 422 problem; same key while the first is still running: 409.

The caller is identified by a hash of the ``Authorization`` header, or the web session's user;
requests with neither pass through untouched (they are answered 401 anyway). The response is
stored after the endpoint's own transaction commits, so a crash in between leaves an in-flight
claim that a retry may take over after ``STALE_AFTER``.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from datetime import timedelta
from typing import IO, Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maitre.api import idempotency_store as store
from maitre.api.errors import problem
from maitre.db.base import utcnow
from maitre.db.session import unit_of_work

log = logging.getLogger("maitre.api.idempotency")

HEADER = "idempotency-key"
REPLAYED_HEADER = "idempotent-replayed"
MAX_KEY_LENGTH = 255
MAX_STORED_BODY = 1024 * 1024
SPOOL_IN_MEMORY = 1024 * 1024
_NOT_STORED = frozenset(
    {"content-length", "date", "server", "set-cookie", "transfer-encoding", "connection"}
)


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) <= 126 for c in key)


def _principal(scope: Scope, headers: Headers) -> str | None:
    authorization = headers.get("authorization", "").strip()
    if authorization:
        return "auth:" + hashlib.sha256(authorization.encode()).hexdigest()
    web_session = scope.get("session")
    if isinstance(web_session, dict) and web_session.get("user_id"):
        return f"user:{web_session['user_id']}"
    return None


def _in_session(factory: sessionmaker[Session], fn: Callable[[Session], Any]) -> Any:
    with unit_of_work(factory) as session:
        return fn(session)


class IdempotencyMiddleware:
    """Make POST requests that carry an ``Idempotency-Key`` safe to retry."""

    def __init__(self, app: ASGIApp, ttl: timedelta = store.DEFAULT_TTL) -> None:
        self.app = app
        self.ttl = ttl

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        principal = _principal(scope, headers) if key is not None else None
        if key is None or principal is None:
            await self.app(scope, receive, send)
            return
        if not _valid_key(key):
            response = problem(
                422,
                "Validation failed",
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters.",
                "validation-failed",
                errors=[
                    {
                        "loc": ["header", "Idempotency-Key"],
                        "msg": "invalid key",
                        "type": "value_error",
                    }
                ],
            )
            await response(scope, receive, send)
            return
        factory: sessionmaker[Session] = scope["app"].state.sessionmaker
        body, size, fingerprint = await self._spool(scope, receive)
        try:
            outcome = await self._claim(scope, factory, principal, key, fingerprint)
            if isinstance(outcome, store.Claimed):
                replayed = _replaying_receive(body, size, receive)
                await self._run_and_store(scope, replayed, send, factory, outcome.record_id)
            else:
                await self._answer(scope, send, outcome)
        finally:
            body.close()

    async def _spool(self, scope: Scope, receive: Receive) -> tuple[IO[bytes], int, str]:
        """Read the request body into a spooled file, hashing it with the request line."""
        digest = hashlib.sha256(
            _request_line(scope["method"], scope["path"], scope.get("query_string", b""))
        )
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            digest.update(chunk)
            spool.write(chunk)
            if not message.get("more_body", False):
                break
        size = spool.tell()
        spool.seek(0)
        return spool, size, digest.hexdigest()

    async def _claim(
        self,
        scope: Scope,
        factory: sessionmaker[Session],
        principal: str,
        key: str,
        fingerprint: str,
    ) -> store.Claim:
        def claim(session: Session) -> store.Claim:
            return store.claim(
                session=session,
                principal=principal,
                key=key,
                fingerprint=fingerprint,
                method=scope["method"],
                path=scope["path"],
                now=utcnow(),
                ttl=self.ttl,
            )

        outcome: store.Claim = await run_in_threadpool(_in_session, factory, claim)
        return outcome

    async def _answer(self, scope: Scope, send: Send, outcome: store.Claim) -> None:
        if isinstance(outcome, store.Replay):
            await self._replay(send, outcome)
            return
        if isinstance(outcome, store.Mismatch):
            response = problem(
                422,
                "Idempotency key reused",
                "This Idempotency-Key was already used for a different request; "
                "send a new key for a new request.",
                "idempotency-key-reused",
            )
            await response(scope, _empty_receive, send)
            return
        if isinstance(outcome, store.InFlight):
            response = problem(
                409,
                "Request in progress",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                "idempotency-key-in-use",
            )
            response.headers["Retry-After"] = "1"
            await response(scope, _empty_receive, send)

    async def _replay(self, send: Send, stored: store.Replay) -> None:
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers]
        raw.append((b"content-length", str(len(stored.body)).encode()))
        raw.append((REPLAYED_HEADER.encode(), b"true"))
        await send({"type": "http.response.start", "status": stored.status_code, "headers": raw})
        await send({"type": "http.response.body", "body": stored.body})

    async def _run_and_store(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        factory: sessionmaker[Session],
        record_id: int,
    ) -> None:
        status = 0
        kept_headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    text = name.decode("latin-1").lower()
                    if text not in _NOT_STORED:
                        kept_headers.append((text, value.decode("latin-1")))
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= MAX_STORED_BODY:
                    chunks.append(chunk)
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await run_in_threadpool(
                _in_session, factory, lambda s: store.release(session=s, record_id=record_id)
            )
            raise
        if 200 <= status < 400 and size <= MAX_STORED_BODY:
            payload = b"".join(chunks)
            await run_in_threadpool(
                _in_session,
                factory,
                lambda s: store.complete(
                    session=s,
                    record_id=record_id,
                    status_code=status,
                    headers=kept_headers,
                    body=payload,
                ),
            )
        else:
            if size > MAX_STORED_BODY:
                log.warning("idempotency.response_too_large", extra={"path": scope["path"]})
            await run_in_threadpool(
                _in_session, factory, lambda s: store.release(session=s, record_id=record_id)
            )


def _request_line(method: str, path: str, query: bytes) -> bytes:
    return f"{method} {path}?".encode() + query + b"\n"


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """Return the fingerprint the middleware computes for a request (tests, debugging)."""
    return hashlib.sha256(_request_line(method, path, query) + body).hexdigest()


def _replaying_receive(body: IO[bytes], size: int, receive: Receive) -> Receive:
    """Hand the spooled body to the app, then pass through to the real ``receive``."""
    sent_all = False

    async def replayed() -> Message:
        nonlocal sent_all
        if sent_all:
            return await receive()  # waits for the client to disconnect, as usual
        chunk = body.read(64 * 1024)
        sent_all = body.tell() >= size
        return {"type": "http.request", "body": chunk, "more_body": not sent_all}

    return replayed


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}
