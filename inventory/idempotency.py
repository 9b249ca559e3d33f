"""Safe retries: a write with a key already seen returns the first result and posts nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.service import record
from inventory.auth import Principal
from inventory.errors import IdempotencyKeyReused, ValidationFailed
from inventory.stock.models import IdempotencyRecord
from inventory.timeutil import utcnow

T = TypeVar("T")
MAX_KEY_LENGTH = 200


def request_hash(scope: str, payload: Any) -> str:
    """A fingerprint of what was asked: the scope and the canonical JSON of the command."""
    body = msgspec.json.encode(payload, order="sorted")
    return hashlib.sha256(scope.encode() + b"\x00" + body).hexdigest()


async def run_once(
    session: AsyncSession,
    *,
    key: str | None,
    scope: str,
    payload: Any,
    principal: Principal,
    result_type: type[T],
    action: Callable[[], Awaitable[T]],
) -> T:
    """Run `action` once per key, in the caller's transaction; replay the stored result for the same request.

    The key row is claimed first: a concurrent duplicate waits on it, then replays the first result.
    """
    if key is None:
        raise ValidationFailed(
            "the Idempotency-Key header is required for every posting", field="Idempotency-Key"
        )
    if not 8 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"the Idempotency-Key must be 8 to {MAX_KEY_LENGTH} characters", field="Idempotency-Key"
        )
    fingerprint = request_hash(scope, payload)
    dialect = postgresql if session.bind is not None and session.bind.dialect.name == "postgresql" else sqlite
    claimed = await session.execute(
        dialect.insert(IdempotencyRecord)
        .values(
            key=key,
            scope=scope,
            request_hash=fingerprint,
            created_at=utcnow(),
            recorded_by=principal.username,
        )
        .on_conflict_do_nothing(index_elements=[IdempotencyRecord.key])
        .returning(IdempotencyRecord.key)
    )
    if claimed.first() is None:
        stored = await session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
        assert stored is not None
        if stored.request_hash != fingerprint or stored.scope != scope:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different request", field="Idempotency-Key"
            )
        assert stored.response is not None
        return msgspec.json.decode(stored.response, type=result_type)
    result = await action()
    record(
        session,
        principal,
        scope,
        changes={"request": payload, "result": result},
        facility_code=getattr(payload, "facility", None),
        entity=_entity(result),
    )
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.key == key)
        .values(status_code=201, response=msgspec.json.encode(result))
    )
    return result


def _entity(result: Any) -> str | None:
    kind = type(result).__name__.removesuffix("Read").lower()
    ident = getattr(result, "id", None)
    return f"{kind} {ident}" if ident is not None else kind
