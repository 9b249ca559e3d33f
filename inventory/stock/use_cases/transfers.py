"""Transfers: stock moved between two storage locations of one facility."""

from __future__ import annotations

from inventory.coldchain.capacity import check_fit
from inventory.errors import (
    RuleViolation,
)
from inventory.idempotency import Record
from inventory.stock import schemas as s
from inventory.stock.context import Entry, StockContext
from inventory.stock.ledger import Line


async def transfer(stock: StockContext, cmd: s.TransferCreate, *, key: str | None) -> s.DocumentRead:
    """Move stock between two locations of one facility."""
    return await stock.post_once("transfer", cmd, key, lambda record: _transfer(stock, cmd, record))


async def _transfer(stock: StockContext, cmd: s.TransferCreate, record: Record) -> s.DocumentRead:
    day = stock.day(cmd.occurred_on)
    facility = await stock.writable(cmd.facility, field="facility", on=day)
    origin = await stock.catalog.location(facility, cmd.from_location, field="from_location")
    target = await stock.catalog.location(facility, cmd.to_location, field="to_location")
    if origin.id == target.id:
        raise RuleViolation(message="error.transfer.same_location", field="to_location")

    entries: list[Entry] = []
    arriving = []
    for i, line in enumerate(cmd.lines):
        product = await stock.catalog.product(line.product, field=f"lines[{i}].product")
        arriving.append((target.id, target.code, product.packed_volume_cm3, line.doses))
        lot = await stock.lot(product, line.lot_number, field=f"lines[{i}].lot_number")
        field = f"lines[{i}].doses"
        entries += [
            Entry(
                Line(origin.id, lot.id, -line.doses, "transfer", field),
                origin.code,
                product.code,
                lot.lot_number,
            ),
            Entry(
                Line(target.id, lot.id, line.doses, "transfer", field),
                target.code,
                product.code,
                lot.lot_number,
            ),
        ]
    await check_fit(stock.session, arriving, confirmed=cmd.confirm_over_capacity)
    document = stock.new_document("transfer", facility, day, note=cmd.note)
    return await stock.post(document, entries, facility=facility.code, record=record)
