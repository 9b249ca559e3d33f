"""Safe retries: a write with a key already seen returns the first result and posts nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

import msgspec
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.models import AuditEvent
from inventory.audit.service import event_values
from inventory.auth import Principal
from inventory.db import has_changes, is_postgresql
from inventory.errors import Conflict, IdempotencyKeyReused, InventoryError, ValidationFailed
from inventory.stock.ledger import (
    SINGLE_STATEMENT,
    DrawRefused,
    KeyTaken,
    LedgerWrite,
    Pending,
    refuse_draw,
    write_in_one_statement,
)
from inventory.stock.models import IdempotencyRecord
from inventory.stock.schemas import DocumentRead
from inventory.timeutil import utcnow

T = TypeVar("T")
MAX_KEY_LENGTH = 200
RECORD = IdempotencyRecord.__table__
AUDIT = AuditEvent.__table__

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
_AUDIT_VALUES = {c.key: bindparam(f"audit_{c.key}", type_=c.type) for c in AUDIT.columns if c.key != "id"}
_STORE_WITH_AUDIT = _STORE.add_cte(AUDIT.insert().values(_AUDIT_VALUES).cte("audit"))
"""PostgreSQL: the audit event and the stored response in one statement (a data-modifying CTE)."""


def _facility(payload: Any, result: Any) -> str | None:
    """The facility a write concerns, for the audit trail: named in the request, else in its result
    (a confirmation names the shipment, a reversal the document; their results name the facility)."""
    for source, name in ((payload, "facility"), (result, "facility"), (result, "to_facility")):
        code = getattr(source, name, None)
        if isinstance(code, str):
            return code
    return None


def request_hash(scope: str, payload: Any) -> tuple[str, bytes]:
    """A fingerprint of what was asked (the scope and the canonical JSON of the command), and that JSON."""
    body = msgspec.json.encode(payload, order="sorted")
    return hashlib.sha256(scope.encode() + b"\x00" + body).hexdigest(), body


async def run_once(
    session: AsyncSession,
    *,
    key: str | None,
    scope: str,
    payload: Any,
    principal: Principal,
    result_type: type[T],
    action: Callable[[], Awaitable[T]],
    now: Callable[[], datetime] = utcnow,
) -> T:
    """Run `action` once per key, in the caller's transaction; replay the stored result for the same request.
    The audit event is dated `now()` (the demo loader's clock; the key's record is always dated now).

    The key row is claimed first: a concurrent duplicate waits on it, then replays the first result.
    """
    key = _checked(key)
    fingerprint, _ = request_hash(scope, payload)
    on_postgresql = is_postgresql(session)
    claimed = await session.execute(
        _CLAIM["postgresql" if on_postgresql else "sqlite"],
        {
            "key": key,
            "scope": scope,
            "request_hash": fingerprint,
            "created_at": utcnow(),
            "recorded_by": principal.username,
        },
    )
    if claimed.first() is None:
        replayed = await _replay(session, key, scope, fingerprint, principal, result_type)
        assert replayed is not None
        return replayed
    result = await action()
    # the action's pending ORM rows are written now, so that their errors surface inside the use case
    await session.flush()
    audit = event_values(
        principal,
        scope,
        changes={"request": payload, "result": result},
        facility_code=_facility(payload, result),
        entity=_entity(result),
        at=now(),
    )
    response = {"claimed_key": key, "stored_response": msgspec.json.encode(result)}
    if on_postgresql:
        await session.execute(_STORE_WITH_AUDIT, response | {f"audit_{k}": v for k, v in audit.items()})
    else:
        await session.execute(AUDIT.insert(), audit)
        await session.execute(_STORE, response)
    return result


async def run_in_one_statement(
    session: AsyncSession,
    *,
    key: str | None,
    scope: str,
    payload: Any,
    principal: Principal,
    today: date,
    action: Callable[[], Awaitable[DocumentRead]],
    now: Callable[[], datetime] = utcnow,
) -> DocumentRead:
    """`run_once` for a posting that writes one ledger document dated today and nothing else, on PostgreSQL,
    as the only work of its session: no BEGIN, no COMMIT; two round trips in all for an issue.

    Its reads run in autocommit; the document, its audit event and the key's record go in one statement
    (inventory.stock.ledger.write_in_one_statement), which is atomic by itself. A key already used breaks
    the record's primary key there and the first result is replayed; a request the rules refuse is replayed
    too if its key was used (the first attempt may have taken the stock the retry would need). If another
    posting took the stock between the reads and the write, the use case runs once more (lots picked
    again) before the request is refused. While it runs, the session refuses any other write.
    """
    key = _checked(key)
    fingerprint, request = request_hash(scope, payload)
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    try:
        for attempt in (1, 2):
            result, write = await _deferred(session, scope, action)
            try:
                written = await write_in_one_statement(
                    session,
                    write,
                    result=msgspec.json.encode(result),
                    extra=_record_columns(
                        key, scope, fingerprint, request, principal, payload, result, now()
                    ),
                )
                break
            except DrawRefused:
                if attempt == 2:
                    await refuse_draw(session, write, today=today)
    except (InventoryError, KeyTaken) as exc:
        replayed = await _replay(session, key, scope, fingerprint, principal, DocumentRead)
        if replayed is not None:
            return replayed
        if isinstance(exc, KeyTaken):  # its record is gone again (purged): nothing was written
            raise Conflict("this Idempotency-Key was in use a moment ago; send the request again") from None
        raise
    except BaseException:
        await session.rollback()  # the connection may be gone (ConnectionLost): nothing to commit
        raise
    finally:
        # end the autocommit "transaction": the connection goes back to the pool (its isolation reset) and
        # anything else this session does runs in a transaction of its own; ORM changes the guard refused
        # (inventory.stock.ledger) are discarded, never flushed
        if session.in_transaction():
            if has_changes(session):
                await session.rollback()
            else:
                await session.commit()
    return msgspec.structs.replace(
        result,
        id=written.document_id,
        shipment_id=written.shipment_id,
        movements=[
            msgspec.structs.replace(m, id=i)
            for m, i in zip(result.movements, written.movement_ids, strict=True)
        ],
    )


async def _deferred(
    session: AsyncSession, scope: str, action: Callable[[], Awaitable[DocumentRead]]
) -> tuple[DocumentRead, LedgerWrite]:
    """Run the use case with its ledger write held back (`Pending`)."""
    pending = Pending()
    session.info[SINGLE_STATEMENT] = pending
    try:
        result = await action()
    finally:
        del session.info[SINGLE_STATEMENT]
    if pending.write is None or has_changes(session):
        # checked before anything is sent: an ORM change here would be lost or, flushed, stand alone
        raise RuntimeError(f"{scope}: a single-statement posting writes one ledger document and nothing else")
    return result, pending.write


def _record_columns(
    key: str,
    scope: str,
    fingerprint: str,
    request: bytes,
    principal: Principal,
    payload: Any,
    result: DocumentRead,
    at: datetime,
) -> dict[str, Any]:
    """The idempotency record's and the audit event's columns for the single statement."""
    audit = event_values(
        principal, scope, changes=None, facility_code=_facility(payload, result), entity="document", at=at
    )
    return {
        "key": key,
        "scope": scope,
        "request_hash": fingerprint,
        "created_at": utcnow(),
        "recorded_by_key": principal.username,
        "request": request.decode(),
        **{f"audit_{name}": value for name, value in audit.items() if name != "changes"},
    }


def _checked(key: str | None) -> str:
    if key is None:
        raise ValidationFailed(
            "the Idempotency-Key header is required for every posting", field="Idempotency-Key"
        )
    if not 8 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"the Idempotency-Key must be 8 to {MAX_KEY_LENGTH} characters", field="Idempotency-Key"
        )
    return key


async def _replay(
    session: AsyncSession, key: str, scope: str, fingerprint: str, principal: Principal, result_type: type[T]
) -> T | None:
    """The first result stored under a key (None if the key is unused); refused for another user or request."""
    stored = await session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
    if stored is None:
        return None
    if stored.recorded_by != principal.username:
        # keys are per user: another user's result is never replayed (nor its existence confirmed)
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used by another user; choose a new key",
            field="Idempotency-Key",
        )
    if stored.request_hash != fingerprint or stored.scope != scope:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request", field="Idempotency-Key"
        )
    assert stored.response is not None
    return msgspec.json.decode(stored.response, type=result_type)


def _entity(result: Any) -> str | None:
    kind = type(result).__name__.removesuffix("Read").lower()
    ident = getattr(result, "id", None)
    return f"{kind} {ident}" if ident is not None else kind
