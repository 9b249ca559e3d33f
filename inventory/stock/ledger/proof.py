"""The ledger's own proofs, read for `vaxstock verify`: the hash chains of movements and audit events
recomputed row by row (inventory/chain.py), and every day's closing balance per (location, lot).

A chain is checked in its order (chain_seq); its first bad row is named, and the rest of that chain is not
judged (every later hash depends on it). The chain's head (ledger_chain) must end where the rows end, so a
row deleted from the end is found too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.models import AuditEvent
from inventory.catalog.models import Facility, Location, Product
from inventory.chain import AUDIT_FIELDS, GENESIS, MOVEMENT_FIELDS, audit_chain, link, movement_chain
from inventory.stock.models import LedgerChain, Lot, Movement

BATCH = 5_000


@dataclass(frozen=True)
class ChainBreak:
    """The first row of a chain that does not prove itself.

    `reason`: 'hash' (its contents, or its place, are not what was chained), 'gap' (rows are missing
    before it), 'unchained' (no hash, or in the chain of another facility), 'head' (the chain's recorded
    head is not its last row: rows missing at its end, or the head was altered)."""

    table: str
    chain: str
    row_id: int | None
    seq: int | None
    reason: str


@dataclass(frozen=True)
class NegativeDay:
    """A (location, lot) whose balance was below zero at the end of a day; `movement_id`: the first draw of
    that day there."""

    facility: str
    location: str
    product: str
    lot_number: str
    day: date
    doses: int
    movement_id: int


@dataclass
class ChainTally:
    chains: int = 0
    rows: int = 0


async def _rows(session: AsyncSession, stmt: Select[Any]) -> AsyncIterator[Any]:
    result = await session.stream(stmt.execution_options(yield_per=BATCH))
    async for row in result:
        yield row


async def chain_breaks(session: AsyncSession, tally: ChainTally) -> list[ChainBreak]:
    """Recompute every movement and audit chain; the first bad row of each chain, and bad heads."""
    heads = {c.chain: (c.seq, c.hash) for c in (await session.scalars(select(LedgerChain))).all()}
    seen: set[str] = set()
    breaks: list[ChainBreak] = []
    movements = (
        select(
            Location.facility_id.label("place"),
            Movement.facility_id,
            Movement.chain_hash,
            *(Movement.__table__.c[f] for f in MOVEMENT_FIELDS),
        )
        .join(Location, Location.id == Movement.location_id)
        .order_by(Movement.facility_id, Movement.chain_seq, Movement.id)
    )
    await _check(
        _rows(session, movements),
        table="movement",
        fields=MOVEMENT_FIELDS,
        chain_of=lambda r: movement_chain(r.facility_id) if r.facility_id == r.place else None,
        heads=heads,
        seen=seen,
        breaks=breaks,
        tally=tally,
    )
    events = select(AuditEvent.chain_hash, *(AuditEvent.__table__.c[f] for f in AUDIT_FIELDS)).order_by(
        func.coalesce(AuditEvent.facility_code, ""), AuditEvent.chain_seq, AuditEvent.id
    )
    await _check(
        _rows(session, events),
        table="audit_event",
        fields=AUDIT_FIELDS,
        chain_of=lambda r: audit_chain(r.facility_code),
        heads=heads,
        seen=seen,
        breaks=breaks,
        tally=tally,
    )
    for chain, (seq, _) in sorted(heads.items()):
        if chain not in seen and seq > 0:  # every row of the chain is gone
            table = "movement" if chain.startswith("movement:") else "audit_event"
            breaks.append(ChainBreak(table, chain, None, seq, "head"))
    return breaks


async def _check(
    rows: AsyncIterator[Any],
    *,
    table: str,
    fields: tuple[str, ...],
    chain_of: Any,
    heads: dict[str, tuple[int, str]],
    seen: set[str],
    breaks: list[ChainBreak],
    tally: ChainTally,
) -> None:
    kind = "movement" if table == "movement" else "audit"
    current: str | None = None
    seq, previous, broken, last_id = 0, GENESIS, False, None

    def close() -> None:
        if current is None or broken:
            return
        if heads.get(current) != (seq, previous):
            breaks.append(ChainBreak(table, current, last_id, seq, "head"))

    async for row in rows:
        tally.rows += 1
        chain = chain_of(row) if row.chain_hash is not None else None
        if chain is None:
            breaks.append(ChainBreak(table, chain_of(row) or "", row.id, row.chain_seq, "unchained"))
            continue
        if chain != current:
            close()
            current, seq, previous, broken, last_id = chain, 0, GENESIS, False, None
            seen.add(chain)
            tally.chains += 1
        if broken:
            continue
        if row.chain_seq != seq + 1:
            breaks.append(ChainBreak(table, chain, row.id, row.chain_seq, "gap"))
            broken = True
            continue
        digest = link(previous, kind, [row._mapping[f] for f in fields])
        if digest != row.chain_hash:
            breaks.append(ChainBreak(table, chain, row.id, row.chain_seq, "hash"))
            broken = True
            continue
        seq, previous, last_id = row.chain_seq, digest, row.id
    close()


async def negative_days(session: AsyncSession, limit: int = 100) -> list[NegativeDay]:
    """Every (location, lot) whose balance was negative at the end of some day: its first such day."""
    daily = (
        select(
            Movement.location_id,
            Movement.lot_id,
            Movement.occurred_on,
            func.min(case((Movement.doses < 0, Movement.id))).label("first_draw"),
            func.min(Movement.id).label("first_movement"),
            func.sum(Movement.doses).label("doses"),
        )
        .group_by(Movement.location_id, Movement.lot_id, Movement.occurred_on)
        .subquery()
    )
    running = select(
        daily.c.location_id,
        daily.c.lot_id,
        daily.c.occurred_on,
        func.coalesce(daily.c.first_draw, daily.c.first_movement).label("movement_id"),
        func.sum(daily.c.doses)
        .over(partition_by=(daily.c.location_id, daily.c.lot_id), order_by=daily.c.occurred_on)
        .label("closing"),
    ).subquery()
    negative = (
        select(
            running,
            func.row_number()
            .over(partition_by=(running.c.location_id, running.c.lot_id), order_by=running.c.occurred_on)
            .label("n"),
        )
        .where(running.c.closing < literal(0))
        .subquery()
    )
    stmt = (
        select(
            Facility.code,
            Location.code,
            Product.code,
            Lot.lot_number,
            negative.c.occurred_on,
            negative.c.closing,
            negative.c.movement_id,
        )
        .join(Location, Location.id == negative.c.location_id)
        .join(Facility, Facility.id == Location.facility_id)
        .join(Lot, Lot.id == negative.c.lot_id)
        .join(Product, and_(Product.id == Lot.product_id))
        .where(negative.c.n == 1)
        .order_by(negative.c.occurred_on, negative.c.movement_id)
        .limit(limit)
    )
    return [
        NegativeDay(f, loc, p, lot, day, int(doses), int(movement_id))
        for f, loc, p, lot, day, doses, movement_id in (await session.execute(stmt)).all()
    ]
