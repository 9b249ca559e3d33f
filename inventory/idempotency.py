"""Safe retries around every write use case: a key already seen replays the first result and posts nothing;
the use case's audit event and its stored result are written in the same transaction as the use case itself.

One policy for every caller (API, pages, CLI, demo): a use case whose stock changed under it (a draw the
ledger refused though the stock is there now, another transaction's lock cycle) is rolled back and run
again, up to ATTEMPTS times; after that it is a `SendAgain`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.models import AUDIT_CHAIN_COLUMNS, AuditEvent, IdempotencyRecord
from inventory.audit.service import event_values
from inventory.auth import Principal
from inventory.db import roll_back_and_reload
from inventory.errors import (
    IdempotencyKeyReused,
    InventoryError,
    KeyTaken,
    SendAgain,
    StockChanged,
    ValidationFailed,
)
from inventory.timeutil import utcnow

T = TypeVar("T")
MAX_KEY_LENGTH = 200
ATTEMPTS = 3
RECORD = IdempotencyRecord.__table__
AUDIT = AuditEvent.__table__
BUSY_SQLSTATES = {"40P01": "deadlock detected", "40001": "serialization failure"}
"""PostgreSQL cancelled the statement to break a lock cycle: the transaction wrote nothing."""


@dataclass(frozen=True)
class Request:
    """A write as asked: its key, what it is (`scope`), its command, who asks, and the audit clock."""

    key: str | None
    scope: str
    payload: Any
    principal: Principal
    at: Callable[[], datetime] = utcnow


_CLAIM = {
    name: module.insert(RECORD).on_conflict_do_nothing(index_elements=[RECORD.c.key]).returning(RECORD.c.key)
    for name, module in (("postgresql", postgresql), ("sqlite", sqlite))
}
"""Claim a key: a row back means this request runs; none means the key was seen (its holder has committed)."""

_STORE = (
    update(RECORD)
    .where(RECORD.c.key == bindparam("claimed_key"))
    .values(status_code=201, response=bindparam("stored_response"))
)
_AUDIT_VALUES = {
    c.key: bindparam(f"audit_{c.key}", type_=c.type)
    for c in AUDIT.columns
    if c.key != "id" and c.key not in AUDIT_CHAIN_COLUMNS
}
_STORE_WITH_AUDIT = _STORE.add_cte(AUDIT.insert().values(_AUDIT_VALUES).cte("audit"))
"""PostgreSQL: the audit event and the stored response in one statement (a data-modifying CTE)."""


def request_hash(scope: str, payload: Any) -> str:
    """A fingerprint of what was asked: the scope and the canonical JSON of the command."""
    body = msgspec.json.encode(payload, order="sorted")
    return hashlib.sha256(scope.encode() + b"\x00" + body).hexdigest()


async def run_once(
    session: AsyncSession,
    request: Request,
    action: Callable[[], Awaitable[T]],
    result_type: type[T],
) -> T:
    """Run `action` once per key in the caller's transaction; replay the stored result for the same request.

    The key row is claimed first: a concurrent duplicate waits on it, then replays the first result.
    """
    key = _checked(request.key)
    fingerprint = request_hash(request.scope, request.payload)
    dialect = session.get_bind().dialect.name

    async def attempt() -> T:
        claimed = await session.execute(
            _CLAIM[dialect],
            {
                "key": key,
                "scope": request.scope,
                "request_hash": fingerprint,
                "created_at": utcnow(),
                "recorded_by": request.principal.username,
            },
        )
        if claimed.first() is None:
            return await _replay(session, key, request, fingerprint, result_type)
        result = await action()
        # the action's pending ORM rows are written now, so that their errors surface inside the use case
        await session.flush()
        audit = event_values(
            request.principal,
            request.scope,
            changes={"request": request.payload, "result": result},
            facility_code=_facility(request.payload, result),
            entity=_entity(result),
            at=request.at(),
        )
        response = {"claimed_key": key, "stored_response": msgspec.json.encode(result)}
        if dialect == "postgresql":
            await session.execute(_STORE_WITH_AUDIT, response | {f"audit_{k}": v for k, v in audit.items()})
        else:
            await session.execute(AUDIT.insert(), audit)
            await session.execute(_STORE, response)
        return result

    return await _attempts(session, attempt)


@dataclass(frozen=True)
class Record:
    """A request whose answer is the one ledger document it posts: the ledger writes the idempotency record
    and the audit event with the document (`columns`), in the same statement on PostgreSQL."""

    key: str
    request: Request
    fingerprint: str

    def columns(self, facility_code: str | None) -> dict[str, Any]:
        principal = self.request.principal
        return {
            "record_key": self.key,
            "record_scope": self.request.scope,
            "record_hash": self.fingerprint,
            "record_created_at": utcnow(),
            "record_by": principal.username,
            "request": msgspec.json.encode(self.request.payload).decode(),
            "audit_at": self.request.at(),
            "audit_username": principal.username,
            "audit_address": principal.address,
            "audit_action": self.request.scope,
            "audit_facility_code": facility_code,
        }


async def post_once(
    session: AsyncSession,
    request: Request,
    action: Callable[[Record], Awaitable[T]],
    result_type: type[T],
) -> T:
    """`run_once` for a use case whose answer is the ledger document it posts: the ledger writes the key's
    record and the audit event with the document (`Record`), so the posting spends no statement of its own
    on them. A key recorded already makes the writer write nothing (`KeyTaken`) and the first result is
    replayed; so is a request the rules refuse if its key was recorded (its first attempt may have taken
    the stock the retry would need)."""
    key = _checked(request.key)
    fingerprint = request_hash(request.scope, request.payload)
    record = Record(key, request, fingerprint)

    async def attempt() -> T:
        try:
            result = await action(record)
            await session.flush()
            return result
        except KeyTaken:
            pass  # the ledger wrote nothing; what the use case did before it repeats its first attempt
        except IntegrityError as exc:
            if _constraint(exc) != KEY_RECORDED:
                raise
            # a concurrent first attempt recorded the key: this one wrote nothing
            await roll_back_and_reload(session)
        except InventoryError:
            if (await session.execute(_STORED, {"k": key})).first() is None:
                raise
        return await _replay(session, key, request, fingerprint, result_type)

    return await _attempts(session, attempt)


KEY_RECORDED = "pk_idempotency_record"
_STORED = select(RECORD.c.key).where(RECORD.c.key == bindparam("k"), RECORD.c.response.is_not(None))


async def _attempts(session: AsyncSession, attempt: Callable[[], Awaitable[T]]) -> T:
    """The one retry policy: an attempt whose stock changed under it, or that PostgreSQL cancelled to break a
    lock cycle, is rolled back and made again, ATTEMPTS times at most."""
    for n in range(1, ATTEMPTS + 1):
        try:
            return await attempt()
        except (StockChanged, DBAPIError) as exc:
            if isinstance(exc, DBAPIError) and _sqlstate(exc) not in BUSY_SQLSTATES:
                raise
            # nothing of this attempt may stay: the claim, the use case's reads and writes go together
            await roll_back_and_reload(session)
            if n == ATTEMPTS:
                raise SendAgain(
                    message="error.send_again.stock_changed",
                    field=exc.field if isinstance(exc, StockChanged) else None,
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _constraint(exc: DBAPIError) -> str | None:
    """The constraint a statement broke, as the driver names it (asyncpg's error is the adapter's cause)."""
    return getattr(exc.orig, "constraint_name", None) or getattr(exc.orig.__cause__, "constraint_name", None)


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def _checked(key: str | None) -> str:
    if key is None:
        raise ValidationFailed(message="error.idempotency.required", field="Idempotency-Key")
    if not 8 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(
            message="error.idempotency.length", params={"limit": MAX_KEY_LENGTH}, field="Idempotency-Key"
        )
    return key


async def _replay(
    session: AsyncSession, key: str, request: Request, fingerprint: str, result_type: type[T]
) -> T:
    """The first result stored under a key; refused for another user or another request."""
    stored = await session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
    assert stored is not None  # the claim found it: its holder committed it
    if stored.recorded_by != request.principal.username:
        # keys are per user: another user's result is never replayed (nor its existence confirmed)
        raise IdempotencyKeyReused(message="error.idempotency.other_user", field="Idempotency-Key")
    if stored.request_hash != fingerprint or stored.scope != request.scope:
        raise IdempotencyKeyReused(message="error.idempotency.other_request", field="Idempotency-Key")

    assert stored.response is not None
    return msgspec.json.decode(stored.response, type=result_type)


def _facility(payload: Any, result: Any) -> str | None:
    """The facility a write concerns, for the audit trail: named in the request, else in its result
    (a confirmation names the shipment, a reversal the document; their results name the facility)."""
    for source, name in ((payload, "facility"), (result, "facility"), (result, "to_facility")):
        code = getattr(source, name, None)
        if isinstance(code, str):
            return code
    return None


def _entity(result: Any) -> str | None:
    kind = type(result).__name__.removesuffix("Read").lower()
    ident = getattr(result, "id", None)
    return f"{kind} {ident}" if ident is not None else kind
