"""Confirming a shipment: the destination records, per lot, the doses received, VVM stage and freeze indicator."""

from __future__ import annotations

from inventory.auth import Forbidden
from inventory.coldchain.capacity import check_fit
from inventory.errors import (
    Conflict,
    NotFound,
    RuleViolation,
    UnknownReference,
    ValidationFailed,
)
from inventory.stock import schemas as s
from inventory.stock.context import Entry, StockContext
from inventory.stock.domain import (
    REASON_DIRECTIONS,
    check_whole_vials,
)
from inventory.stock.ledger import Line
from inventory.stock.models import Lot


async def confirm_shipment(
    stock: StockContext, shipment_id: int, cmd: s.ShipmentConfirm, *, key: str | None
) -> s.ShipmentRead:
    """The destination confirms, per lot, the doses received, VVM stage and freeze indicator."""
    return await stock.once(
        f"shipment:{shipment_id}:confirm",
        cmd,
        key,
        lambda: _confirm(stock, shipment_id, cmd),
        result_type=s.ShipmentRead,
    )


async def _confirm(stock: StockContext, shipment_id: int, cmd: s.ShipmentConfirm) -> s.ShipmentRead:
    shipment = await stock.repo.shipment(shipment_id, for_update=True)
    if shipment is None:
        raise NotFound(message="error.shipment.not_found", params={"id": shipment_id}, field="shipment_id")
    if not stock.principal.can_write(shipment.to_facility_id):
        raise Forbidden(
            message="error.shipment.destination_confirms", params={"id": shipment_id}, field="shipment_id"
        )
    if shipment.status != "in_transit":
        raise Conflict(
            message=f"error.shipment.already_{shipment.status}",
            params={"id": shipment_id},
            field="shipment_id",
        )
    day = stock.day(cmd.occurred_on)
    if day < shipment.dispatched_on:
        raise RuleViolation(
            message="error.shipment.before_dispatch",
            params={"day": day, "dispatched": shipment.dispatched_on},
            field="occurred_on",
        )
    codes = await stock.repo.facility_codes({shipment.to_facility_id})
    destination = await stock.catalog.facility(codes[shipment.to_facility_id], field="shipment_id")
    stock.principal.require_write(destination.id, destination.code, field="shipment_id")
    location = (
        await stock.catalog.location(destination, cmd.location, field="location")
        if cmd.location
        else await stock.catalog.sole_storage_location(destination, field="location")
    )
    transit = await stock.catalog.transit_location(destination)
    rows = await stock.repo.shipment_lines([shipment_id])
    expected = {(code, lot.lot_number): (line, lot) for line, lot, code in rows}
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(cmd.lines):
        k = (c.product, c.lot_number)
        if k not in expected:
            raise UnknownReference(
                message="error.shipment.lot_not_on",
                params={"lot": c.lot_number, "product": c.product, "id": shipment_id},
                field=f"lines[{i}].lot_number",
            )
        if k in seen:
            raise ValidationFailed(
                message="error.shipment.lot_twice",
                params={"lot": c.lot_number},
                field=f"lines[{i}].lot_number",
            )
        seen.add(k)
        line, _ = expected[k]
        if destination.counts_whole_vials:  # a store above commune level keeps whole vials
            received = await stock.catalog.product(c.product, field=f"lines[{i}].product")
            check_whole_vials(c.doses_received, received.doses_per_vial, field=f"lines[{i}].doses_received")
        if c.doses_received > line.doses_sent:
            raise RuleViolation(
                message="error.shipment.surplus",
                params={"received": c.doses_received, "sent": line.doses_sent},
                field=f"lines[{i}].doses_received",
            )
        if c.doses_received < line.doses_sent:
            if not c.difference_reason:
                raise ValidationFailed(
                    message="error.shipment.short_needs_reason",
                    params={"short": line.doses_sent - c.doses_received},
                    field=f"lines[{i}].difference_reason",
                )
            if REASON_DIRECTIONS.get(c.difference_reason) != -1:
                raise RuleViolation(
                    message="error.shipment.not_a_shortfall_reason",
                    params={
                        "reason": c.difference_reason,
                        "known": ", ".join(sorted(r for r, d in REASON_DIRECTIONS.items() if d == -1)),
                    },
                    field=f"lines[{i}].difference_reason",
                )
    missing = [f"{code} {n}" for (code, n) in expected if (code, n) not in seen]
    if missing:
        raise ValidationFailed(
            message="error.shipment.lots_missing", params={"missing": ", ".join(missing)}, field="lines"
        )
    arriving = [(await stock.catalog.product(c.product, field="lines"), c.doses_received) for c in cmd.lines]
    await check_fit(
        stock.session,
        [(location.id, location.code, product.packed_volume_cm3, doses) for product, doses in arriving],
        confirmed=cmd.confirm_over_capacity,
    )
    document = stock.new_document(
        "shipment_receipt", destination, day, counterparty_id=shipment.from_facility_id, note=cmd.note
    )
    locked_lots = await stock.repo.lock_lots(
        [(lot.product_id, lot.lot_number) for _, lot in expected.values()]
    )
    entries: list[Entry] = []
    events: list[tuple[Lot, str, int | None, str]] = []  # (lot, kind, VVM stage, reason) for the document
    for i, c in enumerate(cmd.lines):
        line, lot = expected[(c.product, c.lot_number)]
        field = f"lines[{i}].doses_received"
        if c.doses_received:
            entries += [
                Entry(
                    Line(transit.id, lot.id, -c.doses_received, "shipment_receipt", field),
                    transit.code,
                    c.product,
                    lot.lot_number,
                ),
                Entry(
                    Line(location.id, lot.id, c.doses_received, "shipment_receipt", field),
                    location.code,
                    c.product,
                    lot.lot_number,
                ),
            ]
        short = line.doses_sent - c.doses_received
        if short:
            entries.append(
                Entry(
                    Line(transit.id, lot.id, -short, "adjustment", field, reason_code=c.difference_reason),
                    transit.code,
                    c.product,
                    lot.lot_number,
                )
            )
        line.doses_received = c.doses_received
        line.vvm_stage_on_arrival = c.vvm_stage
        line.freeze_indicator_alarm = c.freeze_indicator_alarm
        line.difference_reason = c.difference_reason
        locked = locked_lots[(lot.product_id, lot.lot_number)]
        place = await stock.place(location.id, locked)  # the lot's state where it arrives, not elsewhere
        if stock.raise_vvm(place, c.vvm_stage, lot_number=locked.lot_number, field=f"lines[{i}].vvm_stage"):
            events.append((locked, "vvm", c.vvm_stage, "on arrival"))
        product = await stock.catalog.product(c.product, field=f"lines[{i}].product")
        if c.freeze_indicator_alarm and product.freeze_sensitive and not place.on_hold:
            reason = f"freeze indicator alarm on arrival at {destination.code}: shake test needed"
            stock.set_place_hold(place, hold=True, reason=reason)
            events.append((locked, "hold", None, reason))
    await stock.post(document, entries, facility=destination.code)
    for lot, kind, stage, reason in events:
        stock.lot_event(
            lot,
            kind,
            vvm_stage=stage,
            reason=reason,
            facility=destination,
            document=document,
            location_id=location.id,
        )
    shipment.status = "received"
    shipment.receipt_document_id = document.id
    await stock.session.flush()
    return await stock.read_shipment(shipment_id)
