"""Ledger reads for views, reports and verification: stock on hand, in transit, stock cards, balances
as of a day, outflows, usage, and the checks that balances equal their movements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, Select, and_, false, func, literal, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inventory.catalog.models import Facility, Location, Product
from inventory.paging import Window, windowed
from inventory.stock.models import (
    Balance,
    Lot,
    LotPlaceState,
    Movement,
    Shipment,
    ShipmentLine,
    StockDocument,
    UsageRecord,
)


class LedgerReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _on_hand(facility_id: int) -> Select[tuple[Lot, Product, str, int, LotPlaceState | None]]:
        return (
            select(Lot, Product, Location.code, Balance.doses, LotPlaceState)
            .select_from(Lot)
            .join(Balance, Balance.lot_id == Lot.id)
            .join(Location, Location.id == Balance.location_id)
            .join(Product, Product.id == Lot.product_id)
            .outerjoin(
                LotPlaceState,
                and_(LotPlaceState.lot_id == Lot.id, LotPlaceState.location_id == Balance.location_id),
            )
            .where(Location.facility_id == facility_id, Location.kind != "transit", Balance.doses > 0)
        )

    async def stock_on_hand(
        self, facility_id: int, window: Window | None = None
    ) -> Sequence[Row[tuple[Lot, Product, str, int, LotPlaceState | None]]]:
        """Per lot and storage location: the lot, its product, the location's code, doses, the lot's state
        there (None: the lot's stage, not on hold); by product, expiry, lot number and location (the balance's
        lot and location ids break any tie), all of them or one window."""
        stmt = self._on_hand(facility_id).order_by(
            Product.code, Lot.expires_on, Lot.lot_number, Location.code, Lot.id, Location.id
        )
        if window is not None:
            stmt = windowed(stmt, window)
        return (await self.session.execute(stmt)).all()

    async def stock_on_hand_groups(
        self, facility_id: int
    ) -> Sequence[Row[tuple[str, date, int, bool, int, int, int]]]:
        """Stock on hand summed by product, expiry and state at the place (VVM stage, hold): doses, whole
        vials counting a part vial as one, and how many rows; the caller applies the usability rule."""
        vvm = func.coalesce(LotPlaceState.vvm_stage, Lot.vvm_stage)
        held = func.coalesce(LotPlaceState.on_hold, false())
        per = Product.doses_per_vial
        stmt = (
            self._on_hand(facility_id)
            .with_only_columns(
                Product.code,
                Lot.expires_on,
                vvm,
                held,
                func.sum(Balance.doses),
                func.sum((Balance.doses + per - 1) // per),
                func.count(),
            )
            .group_by(Product.code, Lot.expires_on, vvm, held)
            .order_by(Product.code)
        )
        return (await self.session.execute(stmt)).all()

    async def lots_by_keys(self, keys: Sequence[tuple[str, str]]) -> Sequence[Row[tuple[Lot, str]]]:
        """Lots by (product code, lot number), in one query (unknown ones absent)."""
        if not keys:
            return []
        stmt = (
            select(Lot, Product.code)
            .join(Product, Product.id == Lot.product_id)
            .where(tuple_(Product.code, Lot.lot_number).in_(sorted(set(keys))))
            .order_by(Product.code, Lot.lot_number)
        )
        return (await self.session.execute(stmt)).all()

    async def lot_gtins(self) -> dict[str, str]:
        """Each GTIN known from a lot, with its product's code (one query, one row per GTIN and product)."""
        rows = await self.session.execute(
            select(Lot.gtin, Product.code)
            .join(Product, Product.id == Lot.product_id)
            .where(Lot.gtin.is_not(None))
            .distinct()
            .order_by(Lot.gtin, Product.code)
        )
        return {gtin: code for gtin, code in rows.tuples().all() if gtin}

    async def lot_keys_at(self, facility_id: int) -> list[tuple[str, str]]:
        """(product code, lot number) of the lots with a balance, even spent, at one facility."""
        rows = await self.session.execute(
            select(Product.code, Lot.lot_number)
            .join(Lot, Lot.product_id == Product.id)
            .join(Balance, Balance.lot_id == Lot.id)
            .join(Location, Location.id == Balance.location_id)
            .where(Location.facility_id == facility_id)
            .distinct()
            .order_by(Product.code, Lot.lot_number)
        )
        return [(code, number) for code, number in rows.tuples().all()]

    async def in_transit(
        self, facility_id: int
    ) -> Sequence[Row[tuple[Shipment, ShipmentLine, Lot, str, str, str]]]:
        origin, destination = aliased(Facility), aliased(Facility)
        stmt = (
            select(Shipment, ShipmentLine, Lot, Product.code, origin.code, destination.code)
            .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
            .join(Lot, Lot.id == ShipmentLine.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .join(origin, origin.id == Shipment.from_facility_id)
            .join(destination, destination.id == Shipment.to_facility_id)
            .where(
                Shipment.status == "in_transit",
                (Shipment.to_facility_id == facility_id) | (Shipment.from_facility_id == facility_id),
            )
            .order_by(Shipment.dispatched_on, Shipment.id, Product.code, Lot.lot_number)
        )
        return (await self.session.execute(stmt)).all()

    async def balance_as_of(self, location_id: int, lot_id: int, day: date) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Movement.doses), 0)).where(
                Movement.location_id == location_id, Movement.lot_id == lot_id, Movement.occurred_on <= day
            )
        )
        return int(total or 0)

    async def facility_balances(self, facility_id: int) -> dict[tuple[int, int], int]:
        stmt = (
            select(Balance.location_id, Balance.lot_id, Balance.doses)
            .join(Location, Location.id == Balance.location_id)
            .where(Location.facility_id == facility_id, Location.kind != "transit", Balance.doses != 0)
        )
        return {(loc, lot): doses for loc, lot, doses in (await self.session.execute(stmt)).all()}

    async def facility_balances_as_of(self, facility_id: int, day: date) -> dict[tuple[int, int], int]:
        stmt = (
            select(Movement.location_id, Movement.lot_id, func.sum(Movement.doses))
            .join(Location, Location.id == Movement.location_id)
            .where(
                Location.facility_id == facility_id, Location.kind != "transit", Movement.occurred_on <= day
            )
            .group_by(Movement.location_id, Movement.lot_id)
        )
        return {(loc, lot): int(d) for loc, lot, d in (await self.session.execute(stmt)).all() if d}

    async def card_opening(self, facility_id: int, lot_id: int, before: date) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Movement.doses), 0))
            .join(Location, Location.id == Movement.location_id)
            .where(
                Location.facility_id == facility_id,
                Location.kind != "transit",
                Movement.lot_id == lot_id,
                Movement.occurred_on < before,
            )
        )
        return int(total or 0)

    async def card_movements(
        self, facility_id: int, lot_id: int, date_from: date, date_to: date
    ) -> Sequence[Row[tuple[Movement, str, StockDocument]]]:
        stmt = (
            select(Movement, Location.code, StockDocument)
            .join(Location, Location.id == Movement.location_id)
            .join(StockDocument, StockDocument.id == Movement.document_id)
            .where(
                Location.facility_id == facility_id,
                Location.kind != "transit",
                Movement.lot_id == lot_id,
                Movement.occurred_on >= date_from,
                Movement.occurred_on <= date_to,
            )
            .order_by(Movement.occurred_on, Movement.document_id, Movement.doses.desc(), Movement.id)
        )
        return (await self.session.execute(stmt)).all()

    async def outflows(self, facility_id: int, since: date) -> dict[str, int]:
        """Doses that left a facility's storage (issued, used, wasted) per product since a day."""
        kinds = ("issue", "usage", "adjustment", "return", "peer_transfer")
        original = aliased(Movement)
        stmt = (
            select(Product.code, func.sum(-Movement.doses))
            .join(Lot, Lot.id == Movement.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .join(Location, Location.id == Movement.location_id)
            .outerjoin(original, original.id == Movement.reverses_movement_id)
            .where(
                Location.facility_id == facility_id,
                Location.kind != "transit",
                Movement.occurred_on >= since,
                # an outflow, or the reversal of one (dated the same day: the two cancel out)
                ((Movement.doses < 0) & Movement.kind.in_(kinds))
                | ((original.doses < 0) & original.kind.in_(kinds)),
            )
            .group_by(Product.code)
        )
        return {code: int(d) for code, d in (await self.session.execute(stmt)).all()}

    async def usage(self, facility_id: int, date_from: date, date_to: date) -> list[UsageRecord]:
        stmt = select(UsageRecord).where(
            UsageRecord.facility_id == facility_id,
            UsageRecord.session_on >= date_from,
            UsageRecord.session_on <= date_to,
        )
        return list((await self.session.scalars(stmt)).all())

    async def ledger_mismatches(self) -> tuple[int, list[tuple[int, int, int, int]]]:
        """Every (location, lot) whose balance differs from the sum of its movements."""
        sums = (
            select(Movement.location_id, Movement.lot_id, func.sum(Movement.doses).label("ledger"))
            .group_by(Movement.location_id, Movement.lot_id)
            .subquery()
        )
        pairs = union_all(
            select(Balance.location_id, Balance.lot_id), select(sums.c.location_id, sums.c.lot_id)
        ).subquery()
        keys = select(pairs.c.location_id, pairs.c.lot_id).distinct().subquery()
        stmt = (
            select(
                keys.c.location_id,
                keys.c.lot_id,
                func.coalesce(Balance.doses, literal(0)),
                func.coalesce(sums.c.ledger, literal(0)),
            )
            .select_from(keys)
            .outerjoin(
                Balance, and_(Balance.location_id == keys.c.location_id, Balance.lot_id == keys.c.lot_id)
            )
            .outerjoin(sums, and_(sums.c.location_id == keys.c.location_id, sums.c.lot_id == keys.c.lot_id))
        )
        rows = (await self.session.execute(stmt)).all()
        bad = [(loc, lot, int(b), int(s)) for loc, lot, b, s in rows if int(b) != int(s)]
        return len(rows), bad

    async def transit_mismatches(self) -> list[tuple[int, int, int, int]]:
        """Transit balance per (destination, lot) against the shipment lines still in transit."""
        pending = (
            select(
                Shipment.to_facility_id.label("facility_id"),
                ShipmentLine.lot_id,
                func.sum(ShipmentLine.doses_sent).label("sent"),
            )
            .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
            .where(Shipment.status == "in_transit")
            .group_by(Shipment.to_facility_id, ShipmentLine.lot_id)
            .subquery()
        )
        held = (
            select(Location.facility_id, Balance.lot_id, Balance.doses)
            .join(Location, Location.id == Balance.location_id)
            .where(Location.kind == "transit", Balance.doses != 0)
            .subquery()
        )
        left = select(
            held.c.facility_id, held.c.lot_id, held.c.doses, func.coalesce(pending.c.sent, 0)
        ).outerjoin(
            pending, and_(pending.c.facility_id == held.c.facility_id, pending.c.lot_id == held.c.lot_id)
        )
        right = select(
            pending.c.facility_id, pending.c.lot_id, func.coalesce(held.c.doses, 0), pending.c.sent
        ).outerjoin(
            held, and_(pending.c.facility_id == held.c.facility_id, pending.c.lot_id == held.c.lot_id)
        )
        rows = (await self.session.execute(union_all(left, right))).all()
        return sorted({(f, lot, int(h), int(s)) for f, lot, h, s in rows if int(h) != int(s)})
