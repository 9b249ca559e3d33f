"""Adjustments: doses added or removed with a reason (expired, VVM discard, frozen, broken, lost, found...)."""

from __future__ import annotations

from inventory.errors import (
    ValidationFailed,
)
from inventory.idempotency import Record
from inventory.stock import schemas as s
from inventory.stock.context import Entry, StockContext
from inventory.stock.domain import (
    check_reason,
)
from inventory.stock.ledger import Line


async def adjust(stock: StockContext, cmd: s.AdjustmentCreate, *, key: str | None) -> s.DocumentRead:
    """Add or remove doses with a reason (expired, VVM discard, frozen, broken, lost, found...)."""
    return await stock.post_once("adjustment", cmd, key, lambda record: _adjust(stock, cmd, record))


async def _adjust(stock: StockContext, cmd: s.AdjustmentCreate, record: Record) -> s.DocumentRead:
    day = stock.day(cmd.occurred_on)
    facility = await stock.writable(cmd.facility, field="facility", on=day)
    entries: list[Entry] = []
    for i, line in enumerate(cmd.lines):
        if line.doses == 0:
            raise ValidationFailed(message="error.doses.zero", field=f"lines[{i}].doses")
        check_reason(line.reason, line.doses, field=f"lines[{i}].reason")
        product = await stock.catalog.product(line.product, field=f"lines[{i}].product")
        lot = await stock.lot(product, line.lot_number, field=f"lines[{i}].lot_number")
        location = await stock.catalog.location(facility, line.location, field=f"lines[{i}].location")
        entries.append(
            Entry(
                Line(
                    location.id,
                    lot.id,
                    line.doses,
                    "adjustment",
                    f"lines[{i}].doses",
                    reason_code=line.reason,
                ),
                location.code,
                product.code,
                lot.lot_number,
            )
        )
    document = stock.new_document("adjustment", facility, day, note=cmd.note)
    return await stock.post(document, entries, facility=facility.code, record=record)
