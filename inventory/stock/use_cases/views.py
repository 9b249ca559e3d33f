"""Reads of the ledger: documents, stock on hand, the dashboard, stock in transit, the stock card, shipments."""

from __future__ import annotations

from datetime import date, timedelta

from forecasting.numbers import ratio_half_up
from inventory.errors import (
    NotFound,
    ValidationFailed,
)
from inventory.paging import ALL, Window
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.domain import (
    LotState,
    doses_to_vials,
    is_usable,
)
from inventory.stock.repository import lot_state


async def get_document(stock: StockContext, document_id: int) -> s.DocumentRead:
    document = await stock.repo.document(document_id)
    if document is None:
        raise NotFound(message="error.not_found.document", params={"id": document_id}, field="document_id")
    stock.require_read_any(
        document.facility_id, document.counterparty_id, what="document", number=document_id
    )
    return await stock.read_document(document)


async def list_documents(
    stock: StockContext, facility_code: str, window: Window = ALL
) -> tuple[list[s.DocumentRead], int]:
    """One window of a facility's documents (the latest day first) and how many there are."""
    facility = await stock.readable(facility_code, field="facility")
    documents, total = await stock.repo.documents(facility.id, window)
    return await stock.read_documents(documents), total


async def stock_on_hand(
    stock: StockContext, facility_code: str, window: Window | None = None
) -> s.StockOnHand:
    """Doses and vials per product, lot and location; usable means issuable today. With a window, the rows
    are that page of them, read in the database (the totals stay those of every row)."""
    facility = await stock.readable(facility_code, field="facility")
    rows: list[s.StockRow] = []
    for lot, product, location_code, doses, place in await stock.repo.stock_on_hand(facility.id, window):
        vials, part = doses_to_vials(doses, product.doses_per_vial)
        state = lot_state(lot, product.code, place)  # the lot's VVM stage and hold at this location
        rows.append(
            s.StockRow(
                product.code,
                lot.lot_number,
                lot.expires_on,
                state.vvm_stage,
                state.on_hold,
                location_code,
                doses,
                vials,
                part,
                is_usable(state, stock.today),
            )
        )
    totals: dict[str, list[int]] = {}
    count = 0
    for code, expires_on, vvm_stage, on_hold, doses, vials, n in await stock.repo.stock_on_hand_groups(
        facility.id
    ):
        usable = is_usable(LotState(0, code, "", expires_on, vvm_stage, bool(on_hold)), stock.today)
        t = totals.setdefault(code, [0, 0, 0])
        t[0] += int(doses)
        t[1] += int(doses) if usable else 0
        t[2] += int(vials)  # a part vial is a vial on the shelf (opened, kept)
        count += int(n)
    return s.StockOnHand(
        facility=facility.code,
        as_of=stock.today,
        rows=rows,
        totals=[s.ProductTotal(code, d, u, v) for code, (d, u, v) in totals.items()],
        total=count,
        limit=window.limit if window else count,
        offset=window.offset if window else 0,
    )


async def dashboard(
    stock: StockContext, facility_code: str, *, expiring_within_days: int = 60, consumption_days: int = 90
) -> s.Dashboard:
    """Stock by product with months of stock, lots expiring soon, on hold or unusable, shipments."""
    soh = await stock_on_hand(stock, facility_code)
    facility = await stock.readable(facility_code, field="facility")
    outflow = await stock.repo.outflows(facility.id, stock.today - timedelta(days=consumption_days))
    names = {p.code: p.name for p in await stock.catalog.repo.products()}
    soon = stock.today + timedelta(days=expiring_within_days)
    shipments, _ = await list_shipments(stock, facility_code, "in_transit")
    awaiting = [sh for sh in shipments if sh.to_facility == facility.code]
    # a product run out still shows (0 doses, 0 months): it was used lately or is on its way
    totals = {t.product: t for t in soh.totals}
    coming = {line.product for sh in awaiting for line in sh.lines}
    overview = []
    for code in sorted(set(totals) | {c for c, d in outflow.items() if d > 0} | coming):
        t = totals.get(code, s.ProductTotal(code, 0, 0, 0))
        used = outflow.get(code, 0)
        # months of stock and monthly outflow from the counts, rounded once, half-up (forecasting.numbers)
        months = float(ratio_half_up(t.usable_doses * consumption_days, used * 30, 1)) if used > 0 else None
        overview.append(
            s.ProductOverview(
                code,
                names.get(code, code),
                t.doses,
                t.usable_doses,
                t.vials,
                int(ratio_half_up(used * 30, consumption_days)),
                months,
            )
        )
    return s.Dashboard(
        facility=facility.code,
        facility_name=facility.name,
        as_of=stock.today,
        products=overview,
        expiring=[r for r in soh.rows if r.usable and r.expires_on <= soon],
        on_hold=[r for r in soh.rows if r.on_hold],
        unusable=[r for r in soh.rows if not r.usable and not r.on_hold],
        awaiting=awaiting,
        sent=[sh for sh in shipments if sh.from_facility == facility.code],
    )


async def in_transit(stock: StockContext, facility_code: str) -> list[s.InTransitRow]:
    facility = await stock.readable(facility_code, field="facility")
    return [
        s.InTransitRow(
            sh.id, origin, dest, sh.dispatched_on, code, lot.lot_number, lot.expires_on, line.doses_sent
        )
        for sh, line, lot, code, origin, dest in await stock.repo.in_transit(facility.id)
    ]


async def stock_card(
    stock: StockContext,
    facility_code: str,
    product_code: str,
    lot_number: str,
    date_from: date,
    date_to: date,
) -> s.StockCard:
    """The stock card (thẻ kho) of one lot at one facility over a period."""
    if date_to < date_from:
        raise ValidationFailed(message="error.dates.backwards", field="date_to")

    facility = await stock.readable(facility_code, field="facility")
    product = await stock.catalog.product(product_code, field="product")
    lot = await stock.lot(product, lot_number, field="lot_number")
    balance = opening = await stock.repo.card_opening(facility.id, lot.id, date_from)
    rows = await stock.repo.card_movements(facility.id, lot.id, date_from, date_to)
    codes = await stock.repo.facility_codes({d.counterparty_id for _, _, d in rows if d.counterparty_id})
    lines: list[s.StockCardLine] = []
    received = issued = 0
    for m, loc, doc in rows:
        balance += m.doses
        if m.kind != "transfer":  # between the facility's own fridges: neither received nor issued
            received += max(m.doses, 0)
            issued += max(-m.doses, 0)
        lines.append(
            s.StockCardLine(
                m.occurred_on,
                doc.id,
                m.kind,
                loc,
                codes.get(doc.counterparty_id) if doc.counterparty_id else None,
                m.reason_code,
                max(m.doses, 0),
                max(-m.doses, 0),
                balance,
                m.recorded_by,
            )
        )
    return s.StockCard(
        facility.code,
        product.code,
        lot.lot_number,
        lot.expires_on,
        date_from,
        date_to,
        opening,
        lines,
        received,
        issued,
        balance,
    )


async def get_shipment(stock: StockContext, shipment_id: int) -> s.ShipmentRead:
    return await stock.read_shipment(shipment_id)


async def list_shipments(
    stock: StockContext, facility_code: str, status: str | None, window: Window = ALL
) -> tuple[list[s.ShipmentRead], int]:
    """One window of a facility's shipments in and out (newest first) and how many there are."""
    facility = await stock.readable(facility_code, field="facility")
    shipments, total = await stock.repo.shipments(facility.id, status, window)
    return await stock.read_shipments(shipments), total
