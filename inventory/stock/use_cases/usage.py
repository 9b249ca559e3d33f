"""Usage: a vaccination session's doses given and vials opened; opened vials leave the stock."""

from __future__ import annotations

from sqlalchemy import insert

from inventory.errors import (
    RuleViolation,
    ValidationFailed,
)
from inventory.idempotency import Record
from inventory.stock import schemas as s
from inventory.stock.context import Entry, StockContext
from inventory.stock.domain import (
    why_not_issuable,
)
from inventory.stock.ledger import Line
from inventory.stock.models import UsageRecord
from inventory.stock.repository import lot_state


async def record_usage(stock: StockContext, cmd: s.UsageCreate, *, key: str | None) -> s.DocumentRead:
    """A vaccination day: doses given and vials opened; opened vials leave the stock."""
    return await stock.post_once("usage", cmd, key, lambda record: _usage(stock, cmd, record))


async def _usage(stock: StockContext, cmd: s.UsageCreate, record: Record) -> s.DocumentRead:
    day = stock.day(cmd.session_on, field="session_on")
    facility = await stock.writable(cmd.facility, field="facility", on=day)
    prepared = []
    for i, line in enumerate(cmd.lines):
        product = await stock.catalog.product(line.product, field=f"lines[{i}].product")
        lot = await stock.lot(product, line.lot_number, field=f"lines[{i}].lot_number")
        location = await stock.catalog.location(facility, line.location, field=f"lines[{i}].location")
        if line.vials_opened == 0 and line.doses_administered == 0:
            raise ValidationFailed(message="error.usage.nothing", field=f"lines[{i}].doses_administered")
        # also doses from a vial opened earlier (multi-dose vial policy): a lot held since may not be used
        place = await stock.repo.place_state(location.id, lot.id)  # the lot's hold and stage at this location
        reason = why_not_issuable(lot_state(lot, product.code, place), day)
        if reason:
            case, params = reason
            raise RuleViolation(
                message=f"error.lot.use.{case}", params=params, field=f"lines[{i}].lot_number"
            )
        opened_doses = line.vials_opened * product.doses_per_vial
        if line.doses_administered > opened_doses and not product.keep_opened_vial:
            raise RuleViolation(
                message="error.usage.opened_vial_not_kept",
                params={
                    "doses": line.doses_administered,
                    "vials": line.vials_opened,
                    "doses_per_vial": product.doses_per_vial,
                    "product": product.code,
                },
                field=f"lines[{i}].doses_administered",
            )
        prepared.append((i, line, product, lot, location, opened_doses))
    document = stock.new_document("usage", facility, day, note=cmd.note)
    used = await stock.post(
        document,
        [
            Entry(
                Line(
                    location.id, lot.id, -opened_doses, "usage", f"lines[{i}].vials_opened", usable_only=True
                ),
                location.code,
                product.code,
                lot.lot_number,
            )
            for i, _line, product, lot, location, opened_doses in prepared
            if opened_doses
        ],
        facility=facility.code,
        record=record,
    )
    await stock.session.execute(  # one statement for all the lines (the ORM would send one per line)
        insert(UsageRecord),
        [
            {
                "document_id": document.id,
                "facility_id": facility.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "location_id": location.id,
                "session_on": day,
                "doses_administered": line.doses_administered,
                "vials_opened": line.vials_opened,
            }
            for _i, line, product, lot, location, _opened in prepared
        ],
    )
    return used
