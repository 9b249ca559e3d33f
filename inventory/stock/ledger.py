"""The one place that appends movements and changes balances, in the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, String, bindparam, func, select, text, tuple_, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.errors import InsufficientStock
from inventory.stock.domain import lowest_balance_from
from inventory.stock.models import Balance, Movement
from inventory.types import UTCDateTime

BALANCE = Balance.__table__
MOVEMENT = Movement.__table__
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


@dataclass(frozen=True)
class Posted:
    movement_id: int
    line: Line


@dataclass(frozen=True)
class _Write:
    """What one posting writes: net draws and additions per balance row, and the movement rows."""

    document_id: int
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    drawn: list[tuple[Pair, int]]
    added: list[tuple[Pair, int]]
    lines: Sequence[Line]


async def append_movements(
    session: AsyncSession,
    *,
    document_id: int,
    lines: Sequence[Line],
    occurred_on: date,
    today: date,
    recorded_at: datetime,
    recorded_by: str,
) -> list[Posted]:
    """Post all lines or none: lock the balances drawn down, refuse any negative balance on any day, append.

    Every draw is a guarded UPDATE (the balance must stay >= 0) that takes the row lock and checks together,
    in one lock order for every transaction (sorted pairs: no deadlocks between multi-line documents).
    Back-dated draws are first checked under the same locks against every later day's closing balance.
    """
    if not lines:
        return []
    net: dict[Pair, int] = defaultdict(int)
    first_field: dict[Pair, str] = {}
    for line in lines:
        pair = (line.location_id, line.lot_id)
        net[pair] += line.doses
        first_field.setdefault(pair, line.field)
    pairs = sorted(net)
    drawn = [p for p in pairs if net[p] < 0]
    if drawn and occurred_on < today:
        await _check_draws(session, drawn, net, first_field, occurred_on=occurred_on, today=today)
    write = _Write(
        document_id,
        occurred_on,
        recorded_at,
        recorded_by,
        drawn=[(p, net[p]) for p in drawn],
        added=[(p, net[p]) for p in pairs if net[p] > 0],
        lines=lines,
    )
    is_postgresql = session.bind is not None and session.bind.dialect.name == "postgresql"
    ids, refused = await (_write_postgresql if is_postgresql else _write_sqlite)(session, write)
    if refused:
        # a refused draw wrote nothing for itself; read its balance to say how much is available
        await _check_draws(session, refused[:1], net, first_field, occurred_on=occurred_on, today=today)
        raise AssertionError("a refused draw must raise")  # pragma: no cover
    return [Posted(i, line) for i, line in zip(ids, lines, strict=True)]


def _movement_rows(write: _Write) -> list[dict[str, object]]:
    return [
        {
            "document_id": write.document_id,
            "kind": line.kind,
            "location_id": line.location_id,
            "lot_id": line.lot_id,
            "doses": line.doses,
            "occurred_on": write.occurred_on,
            "recorded_at": write.recorded_at,
            "recorded_by": write.recorded_by,
            "reason_code": line.reason_code,
            "reverses_movement_id": line.reverses_movement_id,
        }
        for line in write.lines
    ]


async def _write_sqlite(session: AsyncSession, write: _Write) -> tuple[list[int], list[Pair]]:
    """Statement by statement; SQLite has one writer at a time (BEGIN IMMEDIATE), so the order is the lock order."""
    for pair, doses in write.drawn:
        taken = await session.execute(
            update(BALANCE)
            .where(
                BALANCE.c.location_id == pair[0], BALANCE.c.lot_id == pair[1], BALANCE.c.doses + doses >= 0
            )
            .values(doses=BALANCE.c.doses + doses)
            .returning(BALANCE.c.doses)
        )
        if taken.first() is None:
            return [], [pair]
    if write.added:
        stmt = sqlite.insert(BALANCE)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[BALANCE.c.location_id, BALANCE.c.lot_id],
                set_={"doses": BALANCE.c.doses + stmt.excluded.doses},
            ),
            [{"location_id": p[0], "lot_id": p[1], "doses": d} for p, d in write.added],
        )
    result = await session.execute(
        MOVEMENT.insert().returning(MOVEMENT.c.id, sort_by_parameter_order=True), _movement_rows(write)
    )
    return [r[0] for r in result], []


_POSTGRESQL_WRITE = text(
    """
    WITH draw AS (
        SELECT * FROM unnest(CAST(:draw_locations AS BIGINT[]), CAST(:draw_lots AS BIGINT[]),
                             CAST(:draw_doses AS INTEGER[])) AS d(location_id, lot_id, doses)
    ), locked AS (
        SELECT b.location_id, b.lot_id, draw.doses
        FROM balance AS b JOIN draw ON b.location_id = draw.location_id AND b.lot_id = draw.lot_id
        ORDER BY b.location_id, b.lot_id
        FOR UPDATE OF b
    ), drawn AS (
        UPDATE balance AS b SET doses = b.doses + locked.doses
        FROM locked
        WHERE b.location_id = locked.location_id AND b.lot_id = locked.lot_id AND b.doses + locked.doses >= 0
        RETURNING b.location_id, b.lot_id
    ), all_drawn AS (
        SELECT count(*) = cardinality(CAST(:draw_lots AS BIGINT[])) AS ok FROM drawn
    ), added AS (
        INSERT INTO balance (location_id, lot_id, doses)
        SELECT a.location_id, a.lot_id, a.doses
        FROM unnest(CAST(:add_locations AS BIGINT[]), CAST(:add_lots AS BIGINT[]),
                    CAST(:add_doses AS INTEGER[])) AS a(location_id, lot_id, doses)
        WHERE (SELECT ok FROM all_drawn)
        ON CONFLICT (location_id, lot_id) DO UPDATE SET doses = balance.doses + excluded.doses
    ), moved AS (
        INSERT INTO movement (document_id, kind, location_id, lot_id, doses, occurred_on, recorded_at,
                              recorded_by, reason_code, reverses_movement_id)
        SELECT :document_id, m.kind, m.location_id, m.lot_id, m.doses, :occurred_on, :recorded_at,
               :recorded_by, m.reason_code, m.reverses_movement_id
        FROM unnest(CAST(:kinds AS TEXT[]), CAST(:locations AS BIGINT[]), CAST(:lots AS BIGINT[]),
                    CAST(:doses AS INTEGER[]), CAST(:reasons AS TEXT[]), CAST(:reverses AS BIGINT[]))
             WITH ORDINALITY AS m(kind, location_id, lot_id, doses, reason_code, reverses_movement_id, n)
        WHERE (SELECT ok FROM all_drawn)
        ORDER BY m.n
        RETURNING id
    )
    SELECT ARRAY(SELECT id FROM moved ORDER BY id) AS ids,
           ARRAY(SELECT location_id FROM drawn) AS drawn_locations,
           ARRAY(SELECT lot_id FROM drawn) AS drawn_lots
    """
).bindparams(
    bindparam("document_id", type_=BigInteger),
    bindparam("occurred_on", type_=Date),
    bindparam("recorded_at", type_=UTCDateTime),
    bindparam("recorded_by", type_=String),
)
"""One round trip: lock the drawn rows in order, draw them down guarded, add, append the movements.

Nothing is added or appended unless every draw was taken. Movement ids come from one sequence in the
order the rows are inserted (ORDER BY ordinality), so the sorted ids are the lines' ids in order.
"""


async def _write_postgresql(session: AsyncSession, write: _Write) -> tuple[list[int], list[Pair]]:
    lines = write.lines
    row = (
        await session.execute(
            _POSTGRESQL_WRITE,
            {
                "draw_locations": [p[0] for p, _ in write.drawn],
                "draw_lots": [p[1] for p, _ in write.drawn],
                "draw_doses": [d for _, d in write.drawn],
                "add_locations": [p[0] for p, _ in write.added],
                "add_lots": [p[1] for p, _ in write.added],
                "add_doses": [d for _, d in write.added],
                "document_id": write.document_id,
                "occurred_on": write.occurred_on,
                "recorded_at": write.recorded_at,
                "recorded_by": write.recorded_by,
                "kinds": [line.kind for line in lines],
                "locations": [line.location_id for line in lines],
                "lots": [line.lot_id for line in lines],
                "doses": [line.doses for line in lines],
                "reasons": [line.reason_code for line in lines],
                "reverses": [line.reverses_movement_id for line in lines],
            },
        )
    ).one()
    taken = set(zip(row.drawn_locations, row.drawn_lots, strict=True))
    refused = [p for p, _ in write.drawn if p not in taken]
    return ([] if refused else list(row.ids)), refused


async def _check_draws(
    session: AsyncSession,
    drawn: list[Pair],
    net: dict[Pair, int],
    first_field: dict[Pair, str],
    *,
    occurred_on: date,
    today: date,
) -> None:
    locked = await session.execute(
        select(Balance.location_id, Balance.lot_id, Balance.doses)
        .where(tuple_(Balance.location_id, Balance.lot_id).in_(drawn))
        .order_by(Balance.location_id, Balance.lot_id)
        .with_for_update()
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
