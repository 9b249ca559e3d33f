"""The SQLite ledger writer: statement by statement in the caller's transaction (SQLite has one writer at a
time: BEGIN IMMEDIATE)."""

from __future__ import annotations

import msgspec
from sqlalchemy import bindparam, exists, not_, or_, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.models import AuditEvent, IdempotencyRecord
from inventory.stock.ledger.write import LedgerRecord, LedgerWrite, Written, usable_at_place
from inventory.stock.models import Balance, Lot, Movement, Shipment, ShipmentLine, StockDocument

BALANCE, LOT, MOVEMENT = Balance.__table__, Lot.__table__, Movement.__table__
DOCUMENT, SHIPMENT, SHIPMENT_LINE = StockDocument.__table__, Shipment.__table__, ShipmentLine.__table__
AUDIT, RECORD = AuditEvent.__table__, IdempotencyRecord.__table__

_ADD_DOCUMENT = DOCUMENT.insert().returning(DOCUMENT.c.id)
_USABLE_LOT = exists().where(
    LOT.c.id == bindparam("t"),
    LOT.c.expires_on >= bindparam("day"),
    usable_at_place(bindparam("l"), bindparam("t"), LOT.c.vvm_stage),
)
_DRAW = (
    update(BALANCE)
    .where(
        BALANCE.c.location_id == bindparam("l"),
        BALANCE.c.lot_id == bindparam("t"),
        BALANCE.c.doses + bindparam("d") >= 0,
        or_(not_(bindparam("u")), _USABLE_LOT),
    )
    .values(doses=BALANCE.c.doses + bindparam("d"))
    .returning(BALANCE.c.doses)
)


def _upsert_balance() -> sqlite.Insert:
    stmt = sqlite.insert(BALANCE)
    return stmt.on_conflict_do_update(
        index_elements=[BALANCE.c.location_id, BALANCE.c.lot_id],
        set_={"doses": BALANCE.c.doses + stmt.excluded.doses},
    )


_ADD = _upsert_balance()
_APPEND = MOVEMENT.insert().returning(MOVEMENT.c.id)
"""All the lines in one statement (or a few, as SQLite's limit on parameters allows). Not
`sort_by_parameter_order`: SQLite has no sentinel SQLAlchemy could use, so that would send one statement per
line. The ids come back in no promised order, but they are given in the order of the rows (one writer at a time,
and each new id is the highest plus one): sorted, they are the lines' ids in order."""
_ADD_SHIPMENT = SHIPMENT.insert().returning(SHIPMENT.c.id)


async def write_sqlite(session: AsyncSession, write: LedgerWrite) -> Written:
    """Statement by statement; SQLite has one writer at a time (BEGIN IMMEDIATE), so the order is the lock order.
    With a record, its key is claimed first (nothing is written if it was recorded already), and the answer,
    its audit event and the record are written last."""
    if write.record is not None and not await _claim(session, write.record):
        return Written(0, [], None, [], fresh=False)
    document_id = (await session.execute(_ADD_DOCUMENT, write.document)).scalar_one()
    for pair, doses in write.drawn:
        draw = {"l": pair[0], "t": pair[1], "d": doses, "u": pair in write.usable_only}
        if (await session.execute(_DRAW, draw | {"day": write.document["occurred_on"]})).first() is None:
            return Written(document_id, [], None, [pair])
    if write.added:
        await session.execute(
            _ADD, [{"location_id": p[0], "lot_id": p[1], "doses": d} for p, d in write.added]
        )
    movement_ids: list[int] = []
    if write.lines:
        rows = [
            {
                "document_id": document_id,
                "kind": line.kind,
                "location_id": line.location_id,
                "lot_id": line.lot_id,
                "doses": line.doses,
                "occurred_on": write.document["occurred_on"],
                "recorded_at": write.document["recorded_at"],
                "recorded_by": write.document["recorded_by"],
                "reason_code": line.reason_code,
                "reverses_movement_id": line.reverses_movement_id,
            }
            for line in write.lines
        ]
        movement_ids = sorted(r[0] for r in await session.execute(_APPEND, rows))
    shipment_id = None
    if write.dispatch is not None:
        shipment = {
            "issue_document_id": document_id,
            "from_facility_id": write.dispatch.from_facility_id,
            "to_facility_id": write.dispatch.to_facility_id,
            "status": "in_transit",
            "dispatched_on": write.document["occurred_on"],
        }
        shipment_id = (await session.execute(_ADD_SHIPMENT, shipment)).scalar_one()
        await session.execute(
            SHIPMENT_LINE.insert(),
            [
                {"shipment_id": shipment_id, "lot_id": lot, "doses_sent": doses}
                for lot, doses in write.dispatch.doses_by_lot.items()
            ],
        )
    written = Written(document_id, movement_ids, shipment_id, [])
    if write.record is not None:
        await _record(session, write.record, written)
    return written


_CLAIM = sqlite.insert(RECORD).on_conflict_do_nothing(index_elements=[RECORD.c.key]).returning(RECORD.c.key)
_STORE = update(RECORD).where(RECORD.c.key == bindparam("k")).values(response=bindparam("response"))


async def _claim(session: AsyncSession, record: LedgerRecord) -> bool:
    columns = record.columns
    claimed = await session.execute(
        _CLAIM,
        {
            "key": columns["record_key"],
            "scope": columns["record_scope"],
            "request_hash": columns["record_hash"],
            "status_code": 201,
            "created_at": columns["record_created_at"],
            "recorded_by": columns["record_by"],
        },
    )
    return claimed.first() is not None


async def _record(session: AsyncSession, record: LedgerRecord, written: Written) -> None:
    """The answer with its ids, its audit event and the stored response (the claimed record)."""
    answer = msgspec.json.decode(record.result)
    answer["id"] = written.document_id
    if answer.get("shipment_id") is not None:
        answer["shipment_id"] = written.shipment_id
    for line, movement_id in zip(answer["movements"], written.movement_ids, strict=True):
        line["id"] = movement_id
    body = msgspec.json.encode(answer)
    columns = record.columns
    await session.execute(
        AUDIT.insert(),
        {
            "at": columns["audit_at"],
            "username": columns["audit_username"],
            "address": columns["audit_address"],
            "action": columns["audit_action"],
            "facility_code": columns["audit_facility_code"],
            "entity": f"document {written.document_id}",
            "changes": f'{{"request":{columns["request"]},"result":{body.decode()}}}',
        },
    )
    await session.execute(_STORE, {"k": columns["record_key"], "response": body})
