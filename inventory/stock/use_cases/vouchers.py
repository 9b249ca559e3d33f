"""Vouchers people sign: the receipt voucher (phiếu nhập kho) and the issue voucher (phiếu xuất kho).

A voucher names things as people do: facilities and products by name, the person who recorded it by their
full name, each lot with its expiry and VVM stage (the stage at the line's storage location: a reading or a
freeze at one place does not change the lot elsewhere), doses and vials, and totals. The internal transit rows
of a shipment (stock leaving the store into TRANSIT, or arriving from it) are bookkeeping, not lines.
"""

from __future__ import annotations

from sqlalchemy import select

from inventory.catalog.models import Facility, Product
from inventory.catalog.service import TRANSIT
from inventory.errors import NotFound
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.domain import doses_to_vials
from inventory.stock.models import Lot, LotPlaceState, Movement
from inventory.users.models import User

RECEIPT_KINDS = frozenset({"receipt", "shipment_receipt", "direct_receipt"})
ISSUE_KINDS = frozenset({"issue", "return", "peer_transfer"})


def voucher_kind(document_kind: str) -> str | None:
    """Which voucher a document has: receipt, issue, or none (adjustments, counts, usage have their own)."""
    if document_kind in RECEIPT_KINDS:
        return "receipt"
    if document_kind in ISSUE_KINDS:
        return "issue"
    return None


async def voucher(stock: StockContext, document_id: int) -> s.Voucher:
    """The voucher of a receipt or an issue, for anyone who may read the document."""
    document = await stock.repo.document(document_id)
    if document is None:
        raise NotFound(message="error.not_found.document", params={"id": document_id}, field="document_id")
    stock.require_read_any(
        document.facility_id, document.counterparty_id, what="document", number=document_id
    )
    read = await stock.read_document(document)
    kind = voucher_kind(read.kind)
    if kind is None:
        raise NotFound(message="error.voucher.none_for_kind", params={"kind": read.kind}, field="document_id")
    moved = [m for m in read.movements if m.location != TRANSIT]
    wanted = {(m.product, m.lot_number) for m in moved}
    lots = {
        (product.code, lot.lot_number): (lot, product)
        for lot, product in (
            await stock.session.execute(
                select(Lot, Product)
                .join(Product, Product.id == Lot.product_id)
                .where(Product.code.in_({p for p, _ in wanted}), Lot.lot_number.in_({n for _, n in wanted}))
            )
        ).tuples()
    }
    names = dict(
        (
            await stock.session.execute(
                select(Facility.code, Facility.name).where(
                    Facility.code.in_({c for c in (read.facility, read.counterparty) if c})
                )
            )
        )
        .tuples()
        .all()
    )
    # the VVM stage where each line's doses are (or were): the lot's state at that place, else its own stage
    place_stages = dict(
        (
            await stock.session.execute(
                select(Movement.id, LotPlaceState.vvm_stage)
                .join(
                    LotPlaceState,
                    (LotPlaceState.location_id == Movement.location_id)
                    & (LotPlaceState.lot_id == Movement.lot_id),
                )
                .where(Movement.id.in_([m.id for m in moved]))
            )
        )
        .tuples()
        .all()
    )
    full_name = await stock.session.scalar(select(User.full_name).where(User.username == read.recorded_by))
    lines = []
    for m in moved:
        lot, product = lots[(m.product, m.lot_number)]
        doses = abs(m.doses)
        vials, part = doses_to_vials(doses, product.doses_per_vial)
        lines.append(
            s.VoucherLine(
                product=product.code,
                product_name=product.name,
                lot_number=lot.lot_number,
                expires_on=lot.expires_on,
                vvm_stage=place_stages.get(m.id, lot.vvm_stage),
                location=m.location,
                doses=doses,
                doses_per_vial=product.doses_per_vial,
                vials=vials,
                part_vial_doses=part,
            )
        )
    lines.sort(key=lambda line: (line.product, line.expires_on, line.lot_number))
    return s.Voucher(
        document_id=read.id,
        kind=kind,
        document_kind=read.kind,
        number=read.reference or str(read.id),
        occurred_on=read.occurred_on,
        facility=read.facility,
        facility_name=names.get(read.facility, read.facility),
        counterparty=read.counterparty,
        counterparty_name=names.get(read.counterparty) if read.counterparty else None,
        recorded_by=read.recorded_by,
        recorded_by_name=full_name or read.recorded_by,
        lines=lines,
        total_doses=sum(line.doses for line in lines),
        total_vials=sum(line.vials + (1 if line.part_vial_doses else 0) for line in lines),
        reference=read.reference,
        note=read.note,
        shipment_id=read.shipment_id,
        reverses_document_id=read.reverses_document_id,
        reversed_by_document_id=read.reversed_by_document_id,
    )
