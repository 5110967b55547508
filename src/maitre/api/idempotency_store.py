"""Claim, complete and release idempotency keys; the only code that queries their table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from maitre.api.idempotency_models import IdempotencyRecord, IdempotencyState

DEFAULT_TTL = timedelta(hours=24)
# An in-flight claim older than this belongs to a request that died; let a retry take it over.
STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Claimed:
    """This request owns the key and must complete or release it."""

    record_id: int


@dataclass(frozen=True)
class Replay:
    """The key finished before: answer with the stored response."""

    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class InFlight:
    """Another request with this key is still running."""


@dataclass(frozen=True)
class Mismatch:
    """The key was used for a different request."""


Claim = Claimed | Replay | InFlight | Mismatch


def _find(session: Session, principal: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
        )
    )


def _decide(record: IdempotencyRecord, fingerprint: str) -> Claim:
    if record.fingerprint != fingerprint:
        return Mismatch()
    if record.state == IdempotencyState.COMPLETED and record.status_code is not None:
        headers = [(str(k), str(v)) for k, v in record.response_headers]
        return Replay(record.status_code, headers, record.response_body or b"")
    return InFlight()


def claim(
    *,
    session: Session,
    principal: str,
    key: str,
    fingerprint: str,
    method: str,
    path: str,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
    stale_after: timedelta = STALE_AFTER,
) -> Claim:
    """Take ``key`` for this request, or say how to answer because it was taken before."""
    existing = _find(session, principal, key)
    if existing is not None:
        expired = existing.expires_at <= now
        abandoned = (
            existing.state == IdempotencyState.IN_FLIGHT
            and existing.created_at <= now - stale_after
        )
        if not (expired or abandoned):
            return _decide(existing, fingerprint)
        session.delete(existing)
        session.flush()
    record = IdempotencyRecord(
        principal=principal,
        key=key,
        fingerprint=fingerprint,
        method=method,
        path=path[:2000],
        state=IdempotencyState.IN_FLIGHT,
        created_at=now,
        expires_at=now + ttl,
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        winner = _find(session, principal, key)  # a concurrent request claimed it first
        return InFlight() if winner is None else _decide(winner, fingerprint)
    return Claimed(record.id)


def complete(
    *,
    session: Session,
    record_id: int,
    status_code: int,
    headers: list[tuple[str, str]],
    body: bytes,
) -> None:
    """Store the response of the request that owns the key."""
    record = session.get(IdempotencyRecord, record_id)
    if record is None:
        return
    record.state = IdempotencyState.COMPLETED
    record.status_code = status_code
    record.response_headers = [[k, v] for k, v in headers]
    record.response_body = body
    session.flush()


def release(*, session: Session, record_id: int) -> None:
    """Forget a claim so the key can be used again (the request failed and changed nothing)."""
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    session.flush()


def purge_expired(*, session: Session, now: datetime) -> int:
    """Delete expired records and return how many went."""
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
