"""The one place that appends movements and changes balances, in the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.errors import InsufficientStock
from inventory.stock.domain import lowest_balance_from
from inventory.stock.models import Balance, Movement

BALANCE = Balance.__table__
MOVEMENT = Movement.__table__


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


def _upsert(session: AsyncSession):
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(BALANCE)
    return stmt.on_conflict_do_update(
        index_elements=[BALANCE.c.location_id, BALANCE.c.lot_id],
        set_={"doses": BALANCE.c.doses + stmt.excluded.doses},
    )


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

    Back-dated lines are checked against every later day's closing balance.
    """
    if not lines:
        return []
    net: dict[tuple[int, int], int] = defaultdict(int)
    first_field: dict[tuple[int, int], str] = {}
    for line in lines:
        pair = (line.location_id, line.lot_id)
        net[pair] += line.doses
        first_field.setdefault(pair, line.field)
    pairs = sorted(net)  # one lock order for every transaction: no deadlocks between multi-line documents
    drawn = [p for p in pairs if net[p] < 0]
    if drawn and occurred_on == today:
        # same-day draws: one guarded UPDATE per pair takes the row lock and checks the balance together
        for pair in drawn:
            taken = await session.execute(
                update(BALANCE)
                .where(
                    BALANCE.c.location_id == pair[0],
                    BALANCE.c.lot_id == pair[1],
                    BALANCE.c.doses + net[pair] >= 0,
                )
                .values(doses=BALANCE.c.doses + net[pair])
                .returning(BALANCE.c.doses)
            )
            if taken.first() is None:
                await _check_draws(session, [pair], net, first_field, occurred_on=occurred_on, today=today)
                raise AssertionError("a refused draw must raise")  # pragma: no cover
    elif drawn:
        await _check_draws(session, drawn, net, first_field, occurred_on=occurred_on, today=today)
        # drawn-down rows exist (checked above); an upsert would test its negative insert row against the CHECK
        await session.execute(
            update(BALANCE)
            .where(BALANCE.c.location_id == bindparam("l"), BALANCE.c.lot_id == bindparam("t"))
            .values(doses=BALANCE.c.doses + bindparam("d")),
            [{"l": p[0], "t": p[1], "d": net[p]} for p in drawn],
        )
    added = [p for p in pairs if net[p] > 0]
    if added:
        await session.execute(
            _upsert(session), [{"location_id": p[0], "lot_id": p[1], "doses": net[p]} for p in added]
        )
    rows = [
        {
            "document_id": document_id,
            "kind": line.kind,
            "location_id": line.location_id,
            "lot_id": line.lot_id,
            "doses": line.doses,
            "occurred_on": occurred_on,
            "recorded_at": recorded_at,
            "recorded_by": recorded_by,
            "reason_code": line.reason_code,
            "reverses_movement_id": line.reverses_movement_id,
        }
        for line in lines
    ]
    result = await session.execute(
        MOVEMENT.insert().returning(MOVEMENT.c.id, sort_by_parameter_order=True), rows
    )
    ids = [r[0] for r in result]
    return [Posted(i, line) for i, line in zip(ids, lines, strict=True)]


async def _check_draws(
    session: AsyncSession,
    drawn: list[tuple[int, int]],
    net: dict[tuple[int, int], int],
    first_field: dict[tuple[int, int], str],
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
    later: dict[tuple[int, int], dict[date, int]] = defaultdict(dict)
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
