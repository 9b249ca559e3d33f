"""The one place that writes stock documents, their movements and balances, in the caller's transaction.

An issue's shipment is written here too: the doses in transit to a facility are the lines of its shipments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import NoReturn

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.db import is_postgresql
from inventory.errors import InsufficientStock, KeyTaken, StockChanged, ValidationFailed
from inventory.stock.domain import lowest_balance_from
from inventory.stock.ledger.postgresql import write_postgresql
from inventory.stock.ledger.sqlite import write_sqlite
from inventory.stock.ledger.write import (
    HEADER_COLUMNS,
    Dispatch,
    DocumentHeader,
    LedgerRecord,
    LedgerWrite,
    Line,
    Pair,
    Posted,
    Posting,
)
from inventory.stock.models import Balance, Movement

__all__ = ["Dispatch", "DocumentHeader", "LedgerRecord", "Line", "Posting", "post_document"]

MAX_DOSES_PER_PAIR = 1_000_000_000
"""What one document may move of one lot at one place (balances are 32-bit integers on PostgreSQL)."""


async def post_document(
    session: AsyncSession,
    document: DocumentHeader,
    lines: Sequence[Line],
    *,
    today: date,
    dispatch: Dispatch | None = None,
    record: LedgerRecord | None = None,
) -> Posting:
    """Insert the document and post all its lines or none: refuse any negative balance on any day.

    Every draw is a guarded UPDATE (the balance must stay >= 0) that takes the row lock and checks together,
    in one lock order for every transaction (sorted pairs: no deadlocks between multi-line documents).
    Back-dated draws are first checked under the same locks against every later day's closing balance.
    Movements carry the document's day, time and author. Sets `document.id`. With a `record` (the request
    this document answers), its idempotency record and audit event are written with it; if its key was
    recorded already nothing is written (KeyTaken).
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
                message="error.stock.too_many_doses",
                params={"limit": MAX_DOSES_PER_PAIR},
                field=first_field[pair],
            )
    drawn = [p for p in pairs if net[p] < 0]
    occurred_on = document.occurred_on
    write = LedgerWrite(
        {key: getattr(document, key) for key in HEADER_COLUMNS},
        drawn=[(p, net[p]) for p in drawn],
        added=[(p, net[p]) for p in pairs if net[p] > 0],
        lines=lines,
        fields=first_field,
        usable_only=frozenset(
            (line.location_id, line.lot_id) for line in lines if line.usable_only and line.doses < 0
        ),
        picked=frozenset((line.location_id, line.lot_id) for line in lines if line.picked),
        dispatch=dispatch,
        record=record,
    )
    if drawn and occurred_on < today:
        await _check_draws(session, write, drawn, today=today)
    written = await (write_postgresql if is_postgresql(session) else write_sqlite)(session, write)
    if not written.fresh:
        raise KeyTaken
    if written.refused:
        # a refused draw wrote nothing for itself
        await refuse_draw(session, write, today=today, pairs=written.refused[:1])
    document.id = written.document_id
    return Posting(
        [Posted(i, line) for i, line in zip(written.movement_ids, lines, strict=True)], written.shipment_id
    )


async def refuse_draw(
    session: AsyncSession, write: LedgerWrite, *, today: date, pairs: list[Pair]
) -> NoReturn:
    """A draw the database refused: if the use case picked the lot itself, or the doses are there (another
    posting changed the stock, or the lot, since the use case read it), the use case runs again
    (StockChanged: inventory.idempotency.run_once); otherwise say how much is available, naming the line
    (InsufficientStock)."""
    if not write.picked.intersection(pairs):
        await _check_draws(session, write, pairs, today=today)
    raise StockChanged(write.fields[pairs[0]])


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
            raise InsufficientStock(
                message="error.stock.short_from" if later.get(pair) else "error.stock.short",
                params={"available": max(available, 0), "doses": -net[pair], "day": occurred_on},
                field=first_field[pair],
                available=max(available, 0),
            )
