"""Reversal: a posting cancelled by opposite movements linked to the original, dated the same day."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from inventory.errors import (
    Conflict,
    NotFound,
    RuleViolation,
)
from inventory.idempotency import Record
from inventory.stock import schemas as s
from inventory.stock.context import Entry, StockContext
from inventory.stock.ledger import Line
from inventory.stock.models import ShipmentLine


async def reverse(
    stock: StockContext, document_id: int, cmd: s.ReversalCreate, *, key: str | None
) -> s.DocumentRead:
    """Cancel a posting with opposite movements linked to the original, dated the same day."""
    return await stock.post_once(
        f"document:{document_id}:reverse", cmd, key, lambda record: _reverse(stock, document_id, cmd, record)
    )


async def _reverse(
    stock: StockContext, document_id: int, cmd: s.ReversalCreate, record: Record
) -> s.DocumentRead:
    original = await stock.repo.document(document_id, for_update=True)
    if original is None:
        raise NotFound(message="error.not_found.document", params={"id": document_id}, field="document_id")
    codes = await stock.repo.facility_codes({original.facility_id, *filter(None, [original.counterparty_id])})
    facility = await stock.writable(codes[original.facility_id], field="document_id")
    if original.kind == "reversal":
        raise RuleViolation(message="error.reversal.of_reversal", field="document_id")
    if original.occurred_on < stock.today - timedelta(days=stock.settings.backdate_window_days):
        # the reversal carries the original's day: beyond the window it would rewrite closed periods
        raise RuleViolation(
            message="error.reversal.too_old",
            params={
                "id": document_id,
                "day": original.occurred_on,
                "window_days": stock.settings.backdate_window_days,
            },
            field="document_id",
        )
    if await stock.repo.reversal_of(document_id) is not None:
        raise Conflict(message="error.reversal.already", params={"id": document_id}, field="document_id")
    if original.kind in {"issue", "return", "peer_transfer"}:
        shipment = await stock.repo.shipment_for_document(document_id)
        if shipment is not None and shipment.status != "in_transit":
            raise Conflict(
                message=f"error.reversal.shipment_{shipment.status}",
                params={"id": shipment.id},
                field="document_id",
            )

        if shipment is not None:
            shipment.status = "cancelled"
    if original.kind == "shipment_receipt":
        await _reopen_shipment(stock, document_id)
    document = stock.new_document(
        "reversal",
        facility,
        original.occurred_on,
        counterparty_id=original.counterparty_id,
        note=cmd.reason,
        reverses_document_id=original.id,
    )
    reversed_movements = await stock.repo.document_movements([document_id])
    return await stock.post(
        document,
        [
            Entry(
                Line(
                    m.location_id,
                    m.lot_id,
                    -m.doses,
                    "reversal",
                    f"movements[{n}]",
                    reason_code=m.reason_code,
                    reverses_movement_id=m.id,
                ),
                location_code,
                product_code,
                lot_number,
            )
            for n, (m, location_code, product_code, lot_number) in enumerate(reversed_movements)
        ],
        facility=facility.code,
        counterparty=codes.get(original.counterparty_id) if original.counterparty_id else None,
        record=record,
    )


async def _reopen_shipment(stock: StockContext, receipt_document_id: int) -> None:
    shipment = await stock.repo.shipment_for_receipt(receipt_document_id)
    if shipment is None:
        return
    shipment.status = "in_transit"
    shipment.receipt_document_id = None
    await stock.session.execute(
        update(ShipmentLine)
        .where(ShipmentLine.shipment_id == shipment.id)
        .values(
            doses_received=None,
            vvm_stage_on_arrival=None,
            freeze_indicator_alarm=None,
            difference_reason=None,
        )
    )
