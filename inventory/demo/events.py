"""The demo's notable events: short-dated and expired stock, a VVM stage 2 lot, a hold, a breakage, a count."""

from __future__ import annotations

from datetime import date, timedelta

from inventory.catalog.models import Facility, Product
from inventory.demo.clock import _Clock, _key
from inventory.stock import schemas as s
from inventory.stock.use_cases import adjustments, receiving, views
from inventory.stock.use_cases import counts as counting
from inventory.stock.use_cases import lots as lot_state


async def _events(
    clock: _Clock, today: date, products: dict[str, Product], district: Facility, counts: dict[str, int]
) -> None:
    """What makes the views interesting: a VVM stage 2 lot, a freeze hold, expired stock, a count."""
    stock = clock.stock(today)
    # a short-dated lot just arrived, and a lot that expired on the shelf before anyone noticed
    await receiving.receive(
        stock,
        s.ReceiptCreate(
            facility=district.code,
            supplier="CDC-LC",
            reference="PX-CDC-NGAN-HAN",
            lines=[
                s.ReceiptLine(
                    product="BCG",
                    lot_number="BCG-NH-45",
                    expires_on=today + timedelta(days=45),
                    doses=200,
                    location="TL-02",
                ),
                s.ReceiptLine(
                    product="BCG-DIL",
                    lot_number="DBCG-NH-45",
                    expires_on=today + timedelta(days=45),
                    doses=200,
                    location="TL-02",
                ),
            ],
        ),
        key=_key("short-dated", today),
    )
    await receiving.receive(
        clock.stock(today - timedelta(days=25)),
        s.ReceiptCreate(
            facility=district.code,
            supplier="CDC-LC",
            reference="PX-CDC-DIEU-PHOI",
            occurred_on=today - timedelta(days=25),
            lines=[
                s.ReceiptLine(
                    product="MEASLES",
                    lot_number="MV-HH-01",
                    expires_on=today - timedelta(days=4),
                    doses=50,
                    location="HL-01",
                )
            ],
        ),
        key=_key("expired-on-shelf", today),
    )
    counts["receipts"] += 2
    soh = await views.stock_on_hand(stock, district.code)
    by_product: dict[str, list[s.StockRow]] = {}
    for row in soh.rows:
        by_product.setdefault(row.product, []).append(row)
    if "BOPV" in by_product:
        row = by_product["BOPV"][-1]
        await lot_state.record_vvm(
            stock,
            "BOPV",
            row.lot_number,
            s.VVMUpdate(vvm_stage=2, facility=district.code, note="weekly VVM check"),
            key=_key("vvm", row.lot_number),
        )
    if "PENTA" in by_product:
        row = by_product["PENTA"][-1]
        await lot_state.set_hold(
            stock,
            "PENTA",
            row.lot_number,
            s.HoldUpdate(
                reason="freeze indicator on this lot's carton tripped at the weekly check; shake test pending"
            ),
            hold=True,
            key=_key("hold", row.lot_number),
        )
    if "IPV" in by_product:
        row = by_product["IPV"][0]
        await adjustments.adjust(
            stock,
            s.AdjustmentCreate(
                facility=district.code,
                occurred_on=today,
                lines=[
                    s.AdjustmentLine(
                        product="IPV",
                        lot_number=row.lot_number,
                        location=row.location,
                        doses=-products["IPV"].doses_per_vial,
                        reason="broken",
                    )
                ],
                note="one vial dropped while packing the cold box",
            ),
            key=_key("adjust", today, "IPV"),
        )
        counts["adjustments"] += 1
    count_day = today
    count_stock = clock.stock(count_day)
    balances = await count_stock.repo.facility_balances_as_of(district.id, count_day)
    if balances:
        from inventory.catalog.models import Location
        from inventory.stock.models import Lot

        lines = []
        for (location_id, lot_id), doses in sorted(balances.items()):
            location = await stock.session.get(Location, location_id)
            lot = await stock.session.get(Lot, lot_id)
            product = await stock.session.get(Product, lot.product_id) if lot else None
            if not (location and lot and product):
                continue
            lines.append(
                s.CountLine(
                    location=location.code,
                    product=product.code,
                    lot_number=lot.lot_number,
                    counted_doses=doses - (product.doses_per_vial if product.code == "BCG" else 0),
                )
            )
        count = await counting.create_count(
            count_stock,
            s.CountCreate(facility=district.code, counted_on=count_day, lines=lines),
            key=_key("count", count_day),
        )
        await counting.submit_count(count_stock, count.id, key=_key("count-submit", count_day))
        counts["counts"] += 1
