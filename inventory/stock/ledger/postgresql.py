"""The PostgreSQL ledger writer: a whole document as one statement (SQLAlchemy Core, data-modifying CTEs),
in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.models import AuditEvent, IdempotencyRecord
from inventory.stock.ledger.write import LedgerWrite, Written, usable_at_place
from inventory.stock.models import (
    MOVEMENT_CHAIN_COLUMNS,
    Balance,
    Lot,
    Movement,
    Shipment,
    ShipmentLine,
    StockDocument,
)

BALANCE, LOT, MOVEMENT = Balance.__table__, Lot.__table__, Movement.__table__
DOCUMENT, SHIPMENT, SHIPMENT_LINE = StockDocument.__table__, Shipment.__table__, ShipmentLine.__table__
AUDIT, RECORD = AuditEvent.__table__, IdempotencyRecord.__table__
LINE_FIELDS = ("kind", "location_id", "lot_id", "doses", "reason_code", "reverses_movement_id")
"""The movement columns that come from each line; the others come from the document."""


def _array(name: str, column: Any) -> Any:
    """A list parameter of a column's type (PostgreSQL receives it as an array)."""
    item = column.type
    return bindparam(name, type_=ARRAY(item if not isinstance(item, String) else String()))


def _build(*, recorded: bool) -> Any:
    """The statement; `recorded`: with the request's idempotency record, audit event and answer."""
    record_key = bindparam("record_key", type_=RECORD.c.key.type)
    fresh = ~exists().where(RECORD.c.key == record_key) if recorded else true()
    draw = (
        select(
            func.unnest(_array("draw_location_id", BALANCE.c.location_id)).label("location_id"),
            func.unnest(_array("draw_lot_id", BALANCE.c.lot_id)).label("lot_id"),
            func.unnest(_array("draw_doses", BALANCE.c.doses)).label("doses"),
            func.unnest(bindparam("draw_usable", type_=ARRAY(Boolean()))).label("usable_only"),
        )
    ).cte("draw")
    added_rows = select(
        func.unnest(_array("add_location_id", BALANCE.c.location_id)).label("location_id"),
        func.unnest(_array("add_lot_id", BALANCE.c.lot_id)).label("lot_id"),
        func.unnest(_array("add_doses", BALANCE.c.doses)).label("doses"),
    ).cte("additions")
    touched = union_all(
        select(draw.c.location_id, draw.c.lot_id), select(added_rows.c.location_id, added_rows.c.lot_id)
    ).cte("touched")
    locked = (
        select(BALANCE.c.location_id, BALANCE.c.lot_id, BALANCE.c.doses)
        .join(
            touched,
            and_(BALANCE.c.location_id == touched.c.location_id, BALANCE.c.lot_id == touched.c.lot_id),
        )
        .order_by(BALANCE.c.location_id, BALANCE.c.lot_id)
        .with_for_update(of=BALANCE, key_share=True)
        .cte("locked")
    )
    usable = and_(
        LOT.c.expires_on >= bindparam("occurred_on", type_=DOCUMENT.c.occurred_on.type),
        usable_at_place(draw.c.location_id, draw.c.lot_id, LOT.c.vvm_stage),
    )
    drawn = (
        update(BALANCE)
        .values(doses=locked.c.doses + draw.c.doses)
        .where(
            BALANCE.c.location_id == locked.c.location_id,
            BALANCE.c.lot_id == locked.c.lot_id,
            draw.c.location_id == locked.c.location_id,
            draw.c.lot_id == locked.c.lot_id,
            LOT.c.id == draw.c.lot_id,
            locked.c.doses + draw.c.doses >= 0,
            or_(not_(draw.c.usable_only), usable),
            fresh,
        )
        .returning(BALANCE.c.location_id, BALANCE.c.lot_id)
        .cte("drawn")
    )
    every_draw_taken = and_(
        fresh,
        select(func.count() == func.cardinality(_array("draw_lot_id", BALANCE.c.lot_id)))
        .select_from(drawn)
        .scalar_subquery(),
    )
    header = [c for c in DOCUMENT.columns if c.key != "id"]
    document = (
        insert(DOCUMENT)
        .from_select(
            [c.key for c in header],
            select(*[bindparam(c.key, type_=c.type) for c in header]).where(every_draw_taken),
        )
        .returning(DOCUMENT.c.id)
        .cte("document")
    )
    add = insert(BALANCE).from_select(
        ["location_id", "lot_id", "doses"],
        select(added_rows.c.location_id, added_rows.c.lot_id, added_rows.c.doses).where(every_draw_taken),
    )
    added = add.on_conflict_do_update(
        index_elements=[BALANCE.c.location_id, BALANCE.c.lot_id],
        set_={"doses": BALANCE.c.doses + add.excluded.doses},
    ).cte("added")
    lines = (
        func.unnest(*[_array(f"line_{name}", MOVEMENT.c[name]) for name in LINE_FIELDS])
        .table_valued(*LINE_FIELDS, with_ordinality="n")
        .render_derived(name="line")
    )
    movement_columns = [c for c in MOVEMENT.columns if c.key != "id" and c.key not in MOVEMENT_CHAIN_COLUMNS]
    moved = (
        insert(MOVEMENT)
        .from_select(
            [c.key for c in movement_columns],
            select(
                *[
                    document.c.id
                    if c.key == "document_id"
                    else lines.c[c.key]
                    if c.key in LINE_FIELDS
                    else bindparam(c.key, type_=c.type)
                    for c in movement_columns
                ]
            )
            .select_from(document.join(lines, true()))
            .order_by(lines.c.n),
        )
        .returning(MOVEMENT.c.id)
        .cte("moved")
    )
    to_facility = bindparam("to_facility_id", type_=BigInteger())
    shipment = (
        insert(SHIPMENT)
        .from_select(
            ["issue_document_id", "from_facility_id", "to_facility_id", "status", "dispatched_on"],
            select(
                document.c.id,
                bindparam("from_facility_id", type_=BigInteger()),
                to_facility,
                literal("in_transit"),
                bindparam("occurred_on", type_=DOCUMENT.c.occurred_on.type),
            ).where(to_facility.is_not(None)),
        )
        .returning(SHIPMENT.c.id)
        .cte("shipment")
    )
    sent = (
        func.unnest(
            _array("shipped_lot_id", SHIPMENT_LINE.c.lot_id),
            bindparam("shipped_doses", type_=ARRAY(Integer())),
        )
        .table_valued("lot_id", "doses", with_ordinality="n")
        .render_derived(name="sent")
    )
    shipped = (
        insert(SHIPMENT_LINE)
        .from_select(
            ["shipment_id", "lot_id", "doses_sent"],
            select(shipment.c.id, sent.c.lot_id, sent.c.doses)
            .select_from(shipment.join(sent, true()))
            .order_by(sent.c.n),
        )
        .cte("shipped")
    )
    ctes = [added, shipped]
    if recorded:
        ctes += _recorded(document, moved, shipment, record_key)
    return select(
        fresh.label("fresh"),
        select(document.c.id).scalar_subquery().label("document_id"),
        select(func.array_agg(aggregate_order_by(moved.c.id, moved.c.id)))
        .scalar_subquery()
        .label("movement_ids"),
        select(shipment.c.id).scalar_subquery().label("shipment_id"),
        select(func.array_agg(drawn.c.location_id)).scalar_subquery().label("drawn_location_ids"),
        select(func.array_agg(drawn.c.lot_id)).scalar_subquery().label("drawn_lot_ids"),
    ).add_cte(*ctes)


def _recorded(document: Any, moved: Any, shipment: Any, record_key: Any) -> list[Any]:
    """The answer (the template `result` with the ids the document was given), its audit event and the
    idempotency record: written only with the document. A concurrent first attempt with the same key that
    committed meanwhile breaks the record's primary key, and the statement writes nothing."""
    template = cast(bindparam("result", type_=Text()), JSONB)
    lines = (
        func.jsonb_array_elements(template.op("->", return_type=JSONB)("movements"))
        .table_valued("line", with_ordinality="n")
        .render_derived(name="given")
    )
    numbered = select(moved.c.id, func.row_number().over(order_by=moved.c.id).label("n")).subquery("numbered")
    with_ids = select(
        func.coalesce(
            func.jsonb_agg(
                aggregate_order_by(
                    lines.c.line.op("||", return_type=JSONB)(func.jsonb_build_object("id", numbered.c.id)),
                    lines.c.n,
                )
            ),
            cast("[]", JSONB),
        )
    ).select_from(lines.join(numbered, numbered.c.n == lines.c.n))
    body = template.op("||", return_type=JSONB)(
        func.jsonb_build_object(
            "id",
            document.c.id,
            "shipment_id",
            select(shipment.c.id).scalar_subquery(),
            "movements",
            with_ids.scalar_subquery(),
        )
    )
    answer = select(document.c.id, body.label("body")).select_from(document).cte("answer")
    text_of = cast(answer.c.body, Text)
    audit = insert(AUDIT).from_select(
        ["at", "username", "address", "action", "facility_code", "entity", "changes"],
        select(
            bindparam("audit_at", type_=AUDIT.c.at.type),
            bindparam("audit_username", type_=AUDIT.c.username.type),
            bindparam("audit_address", type_=AUDIT.c.address.type),
            bindparam("audit_action", type_=AUDIT.c.action.type),
            bindparam("audit_facility_code", type_=AUDIT.c.facility_code.type),
            func.concat("document ", answer.c.id),
            func.concat('{"request":', bindparam("request", type_=Text()), ',"result":', text_of, "}"),
        ).select_from(answer),
    )
    record = insert(RECORD).from_select(
        ["key", "scope", "request_hash", "status_code", "response", "created_at", "recorded_by"],
        select(
            record_key,
            bindparam("record_scope", type_=RECORD.c.scope.type),
            bindparam("record_hash", type_=RECORD.c.request_hash.type),
            literal(201),
            func.convert_to(text_of, "UTF8"),
            bindparam("record_created_at", type_=RECORD.c.created_at.type),
            bindparam("record_by", type_=RECORD.c.recorded_by.type),
        ).select_from(answer),
    )
    return [audit.cte("audited"), record.cte("recorded")]


WRITE = _build(recorded=False)
WRITE_RECORDED = _build(recorded=True)
"""A whole document in one round trip inside the caller's transaction.

Every balance row it changes, drawn or added, is locked first and in one order (sorted pairs), whichever
document it is: no two postings wait for each other in a cycle over balances. Each draw is guarded: the
doses the lock returned (the newest version, even if another posting changed the row while this one
waited) must stay >= 0, and a draw that needs usable stock (an issue, a vaccination session) is refused if
the lot is on hold, expired or at the VVM discard point as the statement sees it: a hold committed before it
is never bypassed. Nothing is inserted, added, appended or shipped unless every draw was taken. Movement ids
come from one sequence in the order the rows are inserted (ORDER BY ordinality), so the sorted ids are the
lines' ids in order."""


def parameters(write: LedgerWrite) -> dict[str, Any]:
    """The statement's parameters: the document, its draws and additions, lines and shipment."""
    lines, dispatch = write.lines, write.dispatch
    shipped = dispatch.doses_by_lot if dispatch else {}
    return write.document | {
        **{f"line_{name}": [getattr(line, name) for line in lines] for name in LINE_FIELDS},
        "draw_location_id": [p[0] for p, _ in write.drawn],
        "draw_lot_id": [p[1] for p, _ in write.drawn],
        "draw_doses": [d for _, d in write.drawn],
        "draw_usable": [p in write.usable_only for p, _ in write.drawn],
        "add_location_id": [p[0] for p, _ in write.added],
        "add_lot_id": [p[1] for p, _ in write.added],
        "add_doses": [d for _, d in write.added],
        "from_facility_id": dispatch.from_facility_id if dispatch else None,
        "to_facility_id": dispatch.to_facility_id if dispatch else None,
        "shipped_lot_id": list(shipped),
        "shipped_doses": list(shipped.values()),
    }


async def write_postgresql(session: AsyncSession, write: LedgerWrite) -> Written:
    params = parameters(write)
    if write.record is not None:
        params |= {**write.record.columns, "result": write.record.result.decode()}
    statement = WRITE if write.record is None else WRITE_RECORDED
    row = (await session.execute(statement, params)).one()
    taken = set(zip(row.drawn_location_ids or [], row.drawn_lot_ids or [], strict=True))
    refused = [p for p, _ in write.drawn if p not in taken]
    return Written(row.document_id, list(row.movement_ids or []), row.shipment_id, refused, row.fresh)
