"""The one place that writes stock documents, their movements and balances, in the caller's transaction.

An issue's shipment is written here too: the doses in transit to a facility are the lines of its shipments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn

import asyncpg
from sqlalchemy import bindparam, event, func, select, text, tuple_, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from inventory.db import DriverStatement, driver_connection, is_postgresql
from inventory.errors import Conflict, InsufficientStock, ValidationFailed
from inventory.stock.domain import lowest_balance_from
from inventory.stock.models import Balance, Movement, Shipment, ShipmentLine, StockDocument

BALANCE = Balance.__table__
MOVEMENT = Movement.__table__
DOCUMENT = StockDocument.__table__
SHIPMENT = Shipment.__table__
SHIPMENT_LINE = ShipmentLine.__table__
MAX_DOSES_PER_PAIR = 1_000_000_000
"""What one document may move of one lot at one place (balances are 32-bit integers on PostgreSQL)."""
Pair = tuple[int, int]
"""(location_id, lot_id): one balance row."""


@dataclass(frozen=True)
class Line:
    """One signed change of doses to post; `field` names the input line for error messages."""

    location_id: int
    lot_id: int
    doses: int
    kind: str
    field: str
    reason_code: str | None = None
    reverses_movement_id: int | None = None


@dataclass
class DocumentHeader:
    """A document to post: the columns of stock_document; `post_document` sets its id."""

    kind: str
    facility_id: int
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    counterparty_id: int | None = None
    reference: str | None = None
    note: str | None = None
    override_reason: str | None = None
    reverses_document_id: int | None = None
    id: int = 0


_HEADER_COLUMNS = [c.key for c in StockDocument.__table__.columns if c.key != "id"]


@dataclass(frozen=True)
class Dispatch:
    """The shipment an issue or a return opens: doses sent per lot, in transit until the destination confirms."""

    from_facility_id: int
    to_facility_id: int
    doses_by_lot: Mapping[int, int]


@dataclass(frozen=True)
class Posted:
    movement_id: int
    line: Line


@dataclass(frozen=True)
class Posting:
    """What was written: the movements in line order, and the shipment's id if the document opened one."""

    movements: list[Posted]
    shipment_id: int | None = None


@dataclass(frozen=True)
class LedgerWrite:
    document: dict[str, Any]
    drawn: list[tuple[Pair, int]]
    added: list[tuple[Pair, int]]
    lines: Sequence[Line]
    fields: Mapping[Pair, str]
    dispatch: Dispatch | None = None


@dataclass(frozen=True)
class _Written:
    document_id: int
    movement_ids: list[int]
    shipment_id: int | None
    refused: list[Pair]


SINGLE_STATEMENT = "vaxstock.single_statement"
"""`session.info` key: while set to a `Pending`, `post_document` hands its write over instead of executing it,
and the session refuses every other write (its connection is in autocommit: a write would stand alone)."""


@event.listens_for(Session, "before_flush")
def _no_flush_while_deferred(session: Session, _context: Any, _instances: Any) -> None:
    if SINGLE_STATEMENT in session.info:
        raise RuntimeError("a single-statement posting writes nothing but its ledger document (no ORM flush)")


@event.listens_for(Session, "do_orm_execute")
def _reads_only_while_deferred(state: ORMExecuteState) -> None:
    if SINGLE_STATEMENT in state.session.info and (state.is_insert or state.is_update or state.is_delete):
        raise RuntimeError("a single-statement posting writes nothing but its ledger document")


@dataclass
class Pending:
    """The one write of a posting sent later as a single statement, with its audit event and idempotency
    record (inventory.idempotency.run_in_one_statement). Until then its ids are 0."""

    write: LedgerWrite | None = None


async def post_document(
    session: AsyncSession,
    document: DocumentHeader,
    lines: Sequence[Line],
    *,
    today: date,
    dispatch: Dispatch | None = None,
) -> Posting:
    """Insert the document and post all its lines or none: refuse any negative balance on any day.

    Every draw is a guarded UPDATE (the balance must stay >= 0) that takes the row lock and checks together,
    in one lock order for every transaction (sorted pairs: no deadlocks between multi-line documents).
    Back-dated draws are first checked under the same locks against every later day's closing balance.
    Movements carry the document's day, time and author. Sets `document.id`.
    """
    net: dict[Pair, int] = defaultdict(int)
    first_field: dict[Pair, str] = {}
    for line in lines:
        pair = (line.location_id, line.lot_id)
        net[pair] += line.doses
        first_field.setdefault(pair, line.field)
    pairs = sorted(net)
    for pair in pairs:
        if abs(net[pair]) > MAX_DOSES_PER_PAIR:
            raise ValidationFailed(
                f"more than {MAX_DOSES_PER_PAIR:,} doses of one lot at one place in one document",
                field=first_field[pair],
            )
    drawn = [p for p in pairs if net[p] < 0]
    occurred_on = document.occurred_on
    write = LedgerWrite(
        {key: getattr(document, key) for key in _HEADER_COLUMNS},
        drawn=[(p, net[p]) for p in drawn],
        added=[(p, net[p]) for p in pairs if net[p] > 0],
        lines=lines,
        fields=first_field,
        dispatch=dispatch,
    )
    pending: Pending | None = session.info.get(SINGLE_STATEMENT)
    if pending is not None:
        if pending.write is not None or occurred_on != today:
            raise RuntimeError("a single-statement posting writes one document dated today")
        pending.write = write  # the document keeps id 0 until the statement is sent
        return Posting([Posted(0, line) for line in lines], 0 if dispatch else None)
    if drawn and occurred_on < today:
        await _check_draws(session, write, drawn, today=today)
    written = await (_write_postgresql if is_postgresql(session) else _write_sqlite)(session, write)
    if written.refused:
        # a refused draw wrote nothing for itself
        await refuse_draw(session, write, today=today, pairs=written.refused[:1])
    document.id = written.document_id
    return Posting(
        [Posted(i, line) for i, line in zip(written.movement_ids, lines, strict=True)], written.shipment_id
    )


_ADD_DOCUMENT = DOCUMENT.insert().returning(DOCUMENT.c.id)
_DRAW = (
    update(BALANCE)
    .where(
        BALANCE.c.location_id == bindparam("l"),
        BALANCE.c.lot_id == bindparam("t"),
        BALANCE.c.doses + bindparam("d") >= 0,
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
_APPEND = MOVEMENT.insert().returning(MOVEMENT.c.id, sort_by_parameter_order=True)
_ADD_SHIPMENT = SHIPMENT.insert().returning(SHIPMENT.c.id)


async def _write_sqlite(session: AsyncSession, write: LedgerWrite) -> _Written:
    """Statement by statement; SQLite has one writer at a time (BEGIN IMMEDIATE), so the order is the lock order."""
    document_id = (await session.execute(_ADD_DOCUMENT, write.document)).scalar_one()
    for pair, doses in write.drawn:
        if (await session.execute(_DRAW, {"l": pair[0], "t": pair[1], "d": doses})).first() is None:
            return _Written(document_id, [], None, [pair])
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
        movement_ids = [r[0] for r in await session.execute(_APPEND, rows)]
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
    return _Written(document_id, movement_ids, shipment_id, [])


_DOCUMENT_CTE = """
    document AS (
        INSERT INTO stock_document (kind, facility_id, counterparty_id, occurred_on, recorded_at, recorded_by,
                                    reference, note, override_reason, reverses_document_id)
        VALUES (:kind, :facility_id, :counterparty_id, :occurred_on, :recorded_at, :recorded_by,
                :reference, :note, :override_reason, :reverses_document_id)
        RETURNING id
    )"""
_APPEND_CTES = """
    moved AS (
        INSERT INTO movement (document_id, kind, location_id, lot_id, doses, occurred_on, recorded_at,
                              recorded_by, reason_code, reverses_movement_id)
        SELECT document.id, m.kind, m.location_id, m.lot_id, m.doses, :occurred_on, :recorded_at,
               :recorded_by, m.reason_code, m.reverses_movement_id
        FROM document,
             unnest(CAST(:kinds AS TEXT[]), CAST(:locations AS BIGINT[]), CAST(:lots AS BIGINT[]),
                    CAST(:doses AS INTEGER[]), CAST(:reasons AS TEXT[]), CAST(:reverses AS BIGINT[]))
             WITH ORDINALITY AS m(kind, location_id, lot_id, doses, reason_code, reverses_movement_id, n)
        WHERE TRUE {only_if}
        ORDER BY m.n
        RETURNING id
    ), shipment AS (
        INSERT INTO shipment (issue_document_id, from_facility_id, to_facility_id, status, dispatched_on)
        SELECT document.id, CAST(:from_facility_id AS BIGINT), CAST(:to_facility_id AS BIGINT), 'in_transit',
               :occurred_on
        FROM document
        WHERE CAST(:to_facility_id AS BIGINT) IS NOT NULL {only_if}
        RETURNING id
    ), shipped AS (
        INSERT INTO shipment_line (shipment_id, lot_id, doses_sent)
        SELECT shipment.id, s.lot_id, s.doses
        FROM shipment,
             unnest(CAST(:shipped_lots AS BIGINT[]), CAST(:shipped_doses AS INTEGER[]))
             WITH ORDINALITY AS s(lot_id, doses, n)
        ORDER BY s.n
    )"""
_DRAW_CTES = """
    draw AS (
        SELECT * FROM unnest(CAST(:draw_locations AS BIGINT[]), CAST(:draw_lots AS BIGINT[]),
                             CAST(:draw_doses AS INTEGER[])) AS d(location_id, lot_id, doses)
    ), touched AS (
        SELECT location_id, lot_id FROM draw
        UNION ALL
        SELECT * FROM unnest(CAST(:add_locations AS BIGINT[]), CAST(:add_lots AS BIGINT[]))
    ), locked AS (
        SELECT b.location_id, b.lot_id, b.doses
        FROM balance AS b JOIN touched AS t ON b.location_id = t.location_id AND b.lot_id = t.lot_id
        ORDER BY b.location_id, b.lot_id
        FOR NO KEY UPDATE OF b
    ), drawn AS (
        UPDATE balance AS b SET doses = locked.doses + draw.doses
        FROM locked JOIN draw ON draw.location_id = locked.location_id AND draw.lot_id = locked.lot_id
        WHERE b.location_id = locked.location_id AND b.lot_id = locked.lot_id {guard}
        RETURNING b.location_id, b.lot_id
    )"""
"""Every balance row the document changes, drawn or added, is locked first and in one order (sorted pairs),
whichever way it is posted: no two postings wait for each other in a cycle over balances. A guard reads the
doses the lock returned (the newest version, even if another posting changed the row while this one
waited), not the row as the statement's snapshot saw it, and so does the new value: PostgreSQL checks
`doses >= 0` on the value an UPDATE computes before it moves to the newest version of the row."""
_ADD_CTE = """
    added AS (
        INSERT INTO balance (location_id, lot_id, doses)
        SELECT a.location_id, a.lot_id, a.doses
        FROM unnest(CAST(:add_locations AS BIGINT[]), CAST(:add_lots AS BIGINT[]),
                    CAST(:add_doses AS INTEGER[])) AS a(location_id, lot_id, doses)
        {only_if}
        ON CONFLICT (location_id, lot_id) DO UPDATE SET doses = balance.doses + excluded.doses
    )"""
_DOCUMENT_PARAMS = [bindparam(c.key, type_=c.type) for c in DOCUMENT.columns if c.key != "id"]

_POSTGRESQL_WRITE = text(
    f"""
    WITH {_DOCUMENT_CTE}, {_DRAW_CTES.format(guard="AND locked.doses + draw.doses >= 0")}, all_drawn AS (
        SELECT count(*) = cardinality(CAST(:draw_lots AS BIGINT[])) AS ok FROM drawn
    ), {_ADD_CTE.format(only_if="WHERE (SELECT ok FROM all_drawn)")}, {_APPEND_CTES.format(only_if="AND (SELECT ok FROM all_drawn)")}
    SELECT (SELECT id FROM document) AS document_id,
           ARRAY(SELECT id FROM moved ORDER BY id) AS movement_ids,
           (SELECT id FROM shipment) AS shipment_id,
           ARRAY(SELECT location_id FROM drawn) AS drawn_locations,
           ARRAY(SELECT lot_id FROM drawn) AS drawn_lots
    """
).bindparams(*_DOCUMENT_PARAMS)
"""One round trip inside the caller's transaction: insert the document; lock the drawn rows in order and
draw them down guarded; add; append the movements; open the shipment if there is one.

Nothing is added, appended or shipped unless every draw was taken. Movement ids come from one sequence
in the order the rows are inserted (ORDER BY ordinality), so the sorted ids are the lines' ids in order.
"""

_ONE_STATEMENT = text(
    f"""
    WITH {_DOCUMENT_CTE}, {_DRAW_CTES.format(guard="")}, from_nothing AS (
        INSERT INTO balance (location_id, lot_id, doses)
        SELECT draw.location_id, draw.lot_id, draw.doses
        FROM draw
        WHERE NOT EXISTS (
            SELECT FROM locked WHERE locked.location_id = draw.location_id AND locked.lot_id = draw.lot_id
        )
    ), {_ADD_CTE.format(only_if="WHERE (SELECT count(*) FROM locked) >= 0")}, {_APPEND_CTES.format(only_if="")}, result AS (
        SELECT CAST(:result AS JSONB) || jsonb_build_object(
            'id', (SELECT id FROM document),
            'shipment_id', (SELECT id FROM shipment),
            'movements', COALESCE(
                (SELECT jsonb_agg(e.line || jsonb_build_object('id', m.id) ORDER BY e.n)
                 FROM jsonb_array_elements(CAST(:result AS JSONB) -> 'movements') WITH ORDINALITY AS e(line, n)
                 JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM moved) AS m ON m.n = e.n),
                '[]'::JSONB)
        ) AS body
    ), audit AS (
        INSERT INTO audit_event (at, username, address, action, facility_code, entity, changes)
        SELECT :audit_at, :audit_username, :audit_address, :audit_action, :audit_facility_code,
               CAST(:audit_entity AS TEXT) || ' ' || (SELECT id FROM document),
               '{{"request":' || CAST(:request AS TEXT) || ',"result":' || CAST(result.body AS TEXT) || '}}'
        FROM result
    ), claimed AS (
        INSERT INTO idempotency_record (key, scope, request_hash, status_code, response, created_at,
                                        recorded_by)
        SELECT :key, :scope, :request_hash, 201, convert_to(CAST(result.body AS TEXT), 'UTF8'), :created_at,
               :recorded_by_key
        FROM result
    )
    SELECT (SELECT id FROM document) AS document_id,
           ARRAY(SELECT id FROM moved ORDER BY id) AS movement_ids,
           (SELECT id FROM shipment) AS shipment_id
    """
).bindparams(*_DOCUMENT_PARAMS)
"""A whole posting as one statement, atomic without BEGIN or COMMIT: the document; the drawn balances
locked in order and drawn down (a draw below zero breaks the balance's CHECK and the statement writes
nothing; so does a draw where no balance row is, inserted as it is); the added balances; the movements; the shipment; then the document as the API returns it (the client's JSON with the
new ids), its audit event and its idempotency record. A key already taken breaks the record's primary key,
so a retry writes nothing either; a concurrent retry waits for the first to commit, then breaks it too.
"""


def _appended(write: LedgerWrite) -> dict[str, Any]:
    """The parameters of the document, its movements and its shipment."""
    lines, dispatch = write.lines, write.dispatch
    shipped = dispatch.doses_by_lot if dispatch else {}
    return write.document | {
        "kinds": [line.kind for line in lines],
        "locations": [line.location_id for line in lines],
        "lots": [line.lot_id for line in lines],
        "doses": [line.doses for line in lines],
        "reasons": [line.reason_code for line in lines],
        "reverses": [line.reverses_movement_id for line in lines],
        "from_facility_id": dispatch.from_facility_id if dispatch else None,
        "to_facility_id": dispatch.to_facility_id if dispatch else None,
        "shipped_lots": list(shipped),
        "shipped_doses": list(shipped.values()),
    }


def _balance_changes(write: LedgerWrite) -> dict[str, Any]:
    return {
        "draw_locations": [p[0] for p, _ in write.drawn],
        "draw_lots": [p[1] for p, _ in write.drawn],
        "draw_doses": [d for _, d in write.drawn],
        "add_locations": [p[0] for p, _ in write.added],
        "add_lots": [p[1] for p, _ in write.added],
        "add_doses": [d for _, d in write.added],
    }


async def _write_postgresql(session: AsyncSession, write: LedgerWrite) -> _Written:
    row = (
        await session.execute(
            _POSTGRESQL_WRITE,
            _appended(write) | _balance_changes(write),
        )
    ).one()
    taken = set(zip(row.drawn_locations, row.drawn_lots, strict=True))
    refused = [p for p, _ in write.drawn if p not in taken]
    return _Written(row.document_id, list(row.movement_ids), row.shipment_id, refused)


BALANCE_NEVER_NEGATIVE = "ck_balance_doses_never_negative"
KEY_RECORDED = "pk_idempotency_record"


class KeyTaken(Exception):
    """The posting's idempotency key is recorded already: the single statement wrote nothing."""


class DrawRefused(Exception):
    """A draw would have left a balance below zero: the single statement wrote nothing."""


BUSY = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
"""PostgreSQL gave up on a statement to break a lock cycle: it wrote nothing and may simply be sent again."""
BUSY_ATTEMPTS = 3

_SEND_ONE_STATEMENT = DriverStatement(_ONE_STATEMENT)


async def write_in_one_statement(
    session: AsyncSession, write: LedgerWrite, *, result: bytes, extra: Mapping[str, Any]
) -> _Written:
    """Send a deferred write (see `Pending`) with its result's JSON and the audit and idempotency columns in
    `extra`. A draw below zero raises DrawRefused, a key already recorded KeyTaken; a statement PostgreSQL
    cancelled to break a lock cycle is sent again (it wrote nothing), up to BUSY_ATTEMPTS times.

    The statement goes straight to the session's asyncpg connection: it is the hot path of every posting
    from the API, and its values need no conversion (asyncpg encodes lists, dates and aware datetimes).
    """
    sql, arguments = _SEND_ONE_STATEMENT.bind(
        session, _appended(write) | _balance_changes(write) | {"result": result.decode(), **extra}
    )
    async with driver_connection(session) as driver:
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                row = await driver.fetchrow(sql, *arguments)
            except BUSY:
                if attempt == BUSY_ATTEMPTS:
                    raise Conflict(
                        "other postings kept the same stock busy; send the same request again",
                        field=next(iter(write.fields.values()), None),
                    ) from None
                continue
            except asyncpg.IntegrityConstraintViolationError as exc:
                if exc.constraint_name == KEY_RECORDED:
                    raise KeyTaken from None
                if exc.constraint_name == BALANCE_NEVER_NEGATIVE:
                    raise DrawRefused from None
                raise
            return _Written(row["document_id"], list(row["movement_ids"]), row["shipment_id"], [])
    raise AssertionError("unreachable")  # pragma: no cover


async def refuse_draw(
    session: AsyncSession, write: LedgerWrite, *, today: date, pairs: list[Pair] | None = None
) -> NoReturn:
    """A draw the database refused (all of the write's draws, or `pairs`): say how much is available, naming
    the line (InsufficientStock); if the stock is there by now (another posting added it meanwhile), ask for
    the request again (Conflict)."""
    pairs = pairs or [p for p, _ in write.drawn]
    await _check_draws(session, write, pairs, today=today)
    raise Conflict("the stock changed while this was posted; send it again", field=write.fields[pairs[0]])


async def _check_draws(session: AsyncSession, write: LedgerWrite, drawn: list[Pair], *, today: date) -> None:
    """Refuse a draw among `drawn` that would take a balance below zero on the write's day or any later one."""
    occurred_on: date = write.document["occurred_on"]
    net, first_field = dict(write.drawn), write.fields
    locked = await session.execute(
        select(Balance.location_id, Balance.lot_id, Balance.doses)
        .where(tuple_(Balance.location_id, Balance.lot_id).in_(drawn))
        .order_by(Balance.location_id, Balance.lot_id)
        .with_for_update(key_share=True)
    )
    balances = {(location_id, lot_id): doses for location_id, lot_id, doses in locked}
    later: dict[Pair, dict[date, int]] = defaultdict(dict)
    if occurred_on < today:
        rows = await session.execute(
            select(Movement.location_id, Movement.lot_id, Movement.occurred_on, func.sum(Movement.doses))
            .where(
                tuple_(Movement.location_id, Movement.lot_id).in_(drawn), Movement.occurred_on > occurred_on
            )
            .group_by(Movement.location_id, Movement.lot_id, Movement.occurred_on)
        )
        for location_id, lot_id, day, doses in rows:
            later[(location_id, lot_id)][day] = int(doses)
    for pair in drawn:
        current = balances.get(pair, 0)
        available = lowest_balance_from(occurred_on, current, later.get(pair, {}))
        if available + net[pair] < 0:
            when = "" if not later.get(pair) else f" on {occurred_on:%d/%m/%Y} and every later day"
            raise InsufficientStock(
                f"only {max(available, 0)} doses are available{when}; {-net[pair]} were asked for",
                field=first_field[pair],
                available=max(available, 0),
            )
