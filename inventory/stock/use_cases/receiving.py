"""Receiving: stock arrives at a store from its supplier without a shipment in the system, or at any facility
straight from a source outside the supply chain (a direct receipt, with a reason)."""

from __future__ import annotations

from inventory.catalog.models import Location, Product
from inventory.coldchain.capacity import check_fit
from inventory.errors import (
    RuleViolation,
)
from inventory.idempotency import Record
from inventory.stock import schemas as s
from inventory.stock.context import Entry, StockContext
from inventory.stock.domain import (
    check_whole_vials,
)
from inventory.stock.ledger import Line
from inventory.stock.models import Lot


async def receive(stock: StockContext, cmd: s.ReceiptCreate, *, key: str | None) -> s.DocumentRead:
    """Stock arrives at a store from its supplier (the facility's supplier unless another route is named)
    without a shipment in the system; the province, which has no supplier, receives from outside it. A commune
    station receives by confirming a shipment instead, or by a direct receipt."""
    return await stock.post_once("receipt", cmd, key, lambda record: _receive(stock, cmd, record))


async def receive_direct(
    stock: StockContext, cmd: s.DirectReceiptCreate, *, key: str | None
) -> s.DocumentRead:
    """Stock arrives straight from a source outside the supply chain (a campaign delivery, say): a document
    of its own kind, with the reason, audited like every posting."""
    return await stock.post_once("direct_receipt", cmd, key, lambda record: _receive(stock, cmd, record))


async def _receive(
    stock: StockContext, cmd: s.ReceiptCreate | s.DirectReceiptCreate, record: Record
) -> s.DocumentRead:
    day = stock.day(cmd.occurred_on)
    facility = await stock.writable(cmd.facility, field="facility", on=day)
    supplier = None
    if isinstance(cmd, s.ReceiptCreate):
        if cmd.supplier:
            supplier = await stock.catalog.facility(cmd.supplier, field="supplier")
        elif facility.supplier_id is not None:
            code = (await stock.repo.facility_codes({facility.supplier_id}))[facility.supplier_id]
            supplier = await stock.catalog.facility(code, field="supplier")
        await stock.require_route("receipt", facility, supplier, field="supplier")
    prepared: list[tuple[int, Product, Location, s.ReceiptLine]] = []
    for i, line in enumerate(cmd.lines):
        product = await stock.catalog.product(line.product, field=f"lines[{i}].product")
        location = await stock.catalog.location(facility, line.location, field=f"lines[{i}].location")
        if line.expires_on < day:
            raise RuleViolation(
                message="error.receipt.expired",
                params={"lot": line.lot_number, "day": line.expires_on},
                field=f"lines[{i}].expires_on",
            )
        if line.vvm_stage >= 3:
            raise RuleViolation(
                message="error.receipt.vvm",
                params={"lot": line.lot_number, "stage": line.vvm_stage},
                field=f"lines[{i}].vvm_stage",
            )
        if facility.counts_whole_vials:
            check_whole_vials(line.doses, product.doses_per_vial, field=f"lines[{i}].doses")
        prepared.append((i, product, location, line))
    await check_fit(
        stock.session,
        [(loc.id, loc.code, product.packed_volume_cm3, line.doses) for _, product, loc, line in prepared],
        confirmed=cmd.confirm_over_capacity,
    )
    document_kind = "direct_receipt" if isinstance(cmd, s.DirectReceiptCreate) else "receipt"
    entries: list[Entry] = []
    readings: list[tuple[Lot, int, int]] = []  # (lot, VVM stage, location) new or darker on receipt
    locked = await stock.repo.lock_lots([(product.id, line.lot_number) for _, product, _, line in prepared])
    for i, product, location, line in prepared:
        lot = locked.get((product.id, line.lot_number))
        new = lot is None
        if lot is None:
            lot, new = await stock.repo.add_lot(
                product_id=product.id,
                lot_number=line.lot_number,
                expires_on=line.expires_on,
                manufacturer=line.manufacturer,
                gtin=line.gtin,
                vvm_stage=line.vvm_stage,
                created_at=stock.now(),
            )
            locked[(product.id, line.lot_number)] = lot
        if new:
            readings.append((lot, line.vvm_stage, location.id))
        else:
            if lot.expires_on != line.expires_on:
                raise RuleViolation(
                    message="error.receipt.other_expiry",
                    params={
                        "lot": line.lot_number,
                        "product": product.code,
                        "recorded": lot.expires_on,
                        "given": line.expires_on,
                    },
                    field=f"lines[{i}].expires_on",
                )
            place = await stock.place(location.id, lot)  # the stage where it is received
            if stock.raise_vvm(
                place, line.vvm_stage, lot_number=lot.lot_number, field=f"lines[{i}].vvm_stage"
            ):
                readings.append((lot, line.vvm_stage, location.id))
        entries.append(
            Entry(
                Line(location.id, lot.id, line.doses, document_kind, f"lines[{i}].doses"),
                location.code,
                product.code,
                lot.lot_number,
            )
        )
    direct = isinstance(cmd, s.DirectReceiptCreate)
    document = stock.new_document(
        document_kind,
        facility,
        day,
        counterparty_id=supplier.id if supplier else None,
        reference=cmd.reference,
        note=cmd.reason if direct else cmd.note,  # type: ignore[union-attr]
    )
    received = await stock.post(
        document,
        entries,
        facility=facility.code,
        counterparty=supplier.code if supplier else None,
        record=record,
    )
    for lot, stage, location_id in readings:
        stock.lot_event(
            lot,
            "vvm",
            vvm_stage=stage,
            reason="on receipt",
            facility=facility,
            document=document,
            location_id=location_id,
        )
    return received
