"""Ledger queries, as named methods. Reads of stock on hand touch the balance table: O(lots), not O(history)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, false, func, join, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from inventory.catalog.models import Facility, Location, Product
from inventory.db import is_postgresql
from inventory.paging import Window, count_of, windowed
from inventory.stock.domain import LotBalance, LotState
from inventory.stock.models import (
    Balance,
    Lot,
    LotEvent,
    LotPlaceState,
)
from inventory.stock.repository_documents import DocumentReads

# the reads every posting makes, built once
_PICKABLE = (
    join(Lot, Balance, and_(Balance.lot_id == Lot.id, Balance.doses > 0))
    .join(Location, and_(Location.id == Balance.location_id, Location.kind != "transit"))
    .outerjoin(
        LotPlaceState, and_(LotPlaceState.lot_id == Lot.id, LotPlaceState.location_id == Balance.location_id)
    )
)
"""Lots with doses at storage locations (not in transit), with their state there; each query joins it at one
facility."""
PLACE_VVM_STAGE = func.coalesce(LotPlaceState.vvm_stage, Lot.vvm_stage)
"""A lot's VVM stage at a place: its reading there, else the lot's (LotPlaceState outer-joined)."""
PLACE_ON_HOLD = func.coalesce(LotPlaceState.on_hold, false())
_PICKABLE_COLUMNS = (
    Lot.id.label("lot_id"),
    Product.code.label("product_code"),
    Lot.lot_number,
    Lot.expires_on,
    PLACE_VVM_STAGE.label("vvm_stage"),
    PLACE_ON_HOLD.label("on_hold"),
    Location.id.label("location_id"),
    Location.code.label("location_code"),
    Balance.doses,
)
_BALANCES_FOR_PICKING = (
    select(*_PICKABLE_COLUMNS)
    .select_from(Product)
    .join(_PICKABLE, and_(Lot.product_id == Product.id, Location.facility_id == bindparam("facility_id")))
    .where(Product.id == bindparam("product_id"))
)
_PRODUCTS_WITH_BALANCES = (
    select(Product, *_PICKABLE_COLUMNS)
    .select_from(Product)
    .outerjoin(
        _PICKABLE, and_(Lot.product_id == Product.id, Location.facility_id == bindparam("facility_id"))
    )
    .where(Product.code.in_(bindparam("product_codes", expanding=True)))
)

_TRANSIT_OF = aliased(Location)
_FACILITIES_WITH_STOCK = (
    select(Facility, _TRANSIT_OF, Product, *_PICKABLE_COLUMNS)
    .select_from(Facility)
    .outerjoin(
        _TRANSIT_OF,
        and_(_TRANSIT_OF.facility_id == Facility.id, _TRANSIT_OF.code == bindparam("transit_code")),
    )
    .outerjoin(
        Product,
        and_(
            Facility.code == bindparam("stock_at"),
            Product.code.in_(bindparam("product_codes", expanding=True)),
        ),
    )
    .outerjoin(_PICKABLE, and_(Lot.product_id == Product.id, Location.facility_id == Facility.id))
    .where(Facility.code.in_(bindparam("codes", expanding=True)))
)
"""Facilities by code with their transit locations and, at one of them, products with their balances."""


def _pickable(row: Sequence[Any]) -> LotBalance:
    """A balance from a row ending with `_PICKABLE_COLUMNS`."""
    lot_id, product_code, lot_number, expires_on, vvm_stage, on_hold, location_id, location_code, doses = row[
        -len(_PICKABLE_COLUMNS) :
    ]
    lot = LotState(lot_id, product_code, lot_number, expires_on, vvm_stage, on_hold)
    return LotBalance(lot, location_id, location_code, doses)


def _collect(
    found: dict[str, tuple[Product, list[LotBalance]]], product: Product, row: Sequence[Any]
) -> None:
    """One row of a product outer-joined with its pickable balances: the product, and its balance if any."""
    _, balances = found.setdefault(product.code, (product, []))
    if row[-len(_PICKABLE_COLUMNS)] is not None:
        balances.append(_pickable(row))


def lot_state(lot: Lot, product_code: str, place: LotPlaceState | None = None) -> LotState:
    """The rule-relevant view of a lot at a place (its state there; none: the lot's stage, not on hold)."""
    if place is None:
        return LotState(lot.id, product_code, lot.lot_number, lot.expires_on, lot.vvm_stage, False)
    return LotState(lot.id, product_code, lot.lot_number, lot.expires_on, place.vvm_stage, place.on_hold)


class StockRepository(DocumentReads):
    """The ledger queries a posting needs; the reports and checks are inherited from LedgerReads."""

    async def lot(self, product_id: int, lot_number: str, *, for_update: bool = False) -> Lot | None:
        stmt = select(Lot).where(Lot.product_id == product_id, Lot.lot_number == lot_number)
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return await self.session.scalar(stmt)

    async def lock_lots(self, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Lot]:
        """Lots by (product id, lot number), locked in one sorted order whatever the order of `keys`: two
        documents listing the same lots in opposite orders never wait for each other in a cycle."""
        if not keys:
            return {}
        stmt = (
            select(Lot)
            .where(tuple_(Lot.product_id, Lot.lot_number).in_(sorted(set(keys))))
            .order_by(Lot.product_id, Lot.lot_number)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        return {(lot.product_id, lot.lot_number): lot for lot in await self.session.scalars(stmt)}

    async def add_lot(self, **values: Any) -> tuple[Lot, bool]:
        """The lot of these values, inserted unless it exists, and locked; True if this call inserted it.
        Two first receipts of a new lot at once insert it once: the second waits for the first, then finds it."""
        insert = (pg_insert if is_postgresql(self.session) else sqlite_insert)(Lot.__table__)
        added = await self.session.execute(
            insert.values(**values)
            .on_conflict_do_nothing(index_elements=["product_id", "lot_number"])
            .returning(Lot.__table__.c.id)
        )
        inserted = added.first() is not None
        found = await self.lock_lots([(values["product_id"], values["lot_number"])])
        return found[(values["product_id"], values["lot_number"])], inserted

    async def lots(
        self,
        product_id: int | None = None,
        window: Window | None = None,
        *,
        readable: frozenset[int] | None = None,
    ) -> Sequence[Row[tuple[Lot, str]]]:
        """Lots by product, expiry and number (a stable order: the lot's id breaks any tie); with `readable`,
        only the lots that have (or had) a balance at one of those facilities."""
        stmt = self._lots(product_id, readable)
        if window is not None:
            stmt = windowed(stmt, window)
        return (await self.session.execute(stmt)).all()

    async def lot_count(
        self, product_id: int | None = None, *, readable: frozenset[int] | None = None
    ) -> int:
        return await count_of(self.session, self._lots(product_id, readable))

    @staticmethod
    def _lots(product_id: int | None, readable: frozenset[int] | None = None) -> Select[tuple[Lot, str]]:
        stmt = select(Lot, Product.code).join(Product, Product.id == Lot.product_id)
        if product_id is not None:
            stmt = stmt.where(Lot.product_id == product_id)
        if readable is not None:
            held_here = (
                select(Balance.lot_id)
                .join(Location, Location.id == Balance.location_id)
                .where(Location.facility_id.in_(sorted(readable)))
            )
            stmt = stmt.where(Lot.id.in_(held_here))
        return stmt.order_by(Product.code, Lot.expires_on, Lot.lot_number, Lot.id)

    async def place_state(self, location_id: int, lot_id: int) -> LotPlaceState | None:
        return await self.session.get(LotPlaceState, (location_id, lot_id))

    async def lock_place_state(self, location_id: int, lot: Lot, *, at: datetime, by: str) -> LotPlaceState:
        """The lot's state at a place, made (at the lot's stage, not on hold) unless it exists, and locked: two
        requests changing it at once take turns."""
        insert = (pg_insert if is_postgresql(self.session) else sqlite_insert)(LotPlaceState.__table__)
        await self.session.execute(
            insert.values(
                location_id=location_id,
                lot_id=lot.id,
                vvm_stage=lot.vvm_stage,
                on_hold=False,
                updated_at=at,
                updated_by=by,
            ).on_conflict_do_nothing(index_elements=["location_id", "lot_id"])
        )
        stmt = (
            select(LotPlaceState)
            .where(LotPlaceState.location_id == location_id, LotPlaceState.lot_id == lot.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(stmt)).one()

    async def places_with_stock(
        self, lot_id: int, *, facility_id: int | None = None, location_id: int | None = None
    ) -> Sequence[Row[tuple[Location, Facility, int]]]:
        """The storage locations (not transit) where the lot has doses, optionally at one facility or place."""
        stmt = (
            select(Location, Facility, Balance.doses)
            .join(Balance, Balance.location_id == Location.id)
            .join(Facility, Facility.id == Location.facility_id)
            .where(Balance.lot_id == lot_id, Balance.doses > 0, Location.kind != "transit")
            .order_by(Facility.code, Location.code)
        )
        if facility_id is not None:
            stmt = stmt.where(Location.facility_id == facility_id)
        if location_id is not None:
            stmt = stmt.where(Location.id == location_id)
        return (await self.session.execute(stmt)).all()

    async def place_states(
        self, lot_ids: Sequence[int]
    ) -> dict[int, list[Row[tuple[LotPlaceState, int, str, str, int]]]]:
        """These lots' states at every place that has one, in one query, by lot id: the state, the facility's
        id and code, the location's code and the doses there."""
        if not lot_ids:
            return {}
        stmt = (
            select(LotPlaceState, Facility.id, Facility.code, Location.code, func.coalesce(Balance.doses, 0))
            .join(Location, Location.id == LotPlaceState.location_id)
            .join(Facility, Facility.id == Location.facility_id)
            .outerjoin(
                Balance,
                and_(
                    Balance.location_id == LotPlaceState.location_id, Balance.lot_id == LotPlaceState.lot_id
                ),
            )
            .where(LotPlaceState.lot_id.in_(sorted(set(lot_ids))))
            .order_by(Facility.code, Location.code)
        )
        found: dict[int, list[Row[tuple[LotPlaceState, int, str, str, int]]]] = {}
        for row in (await self.session.execute(stmt)).all():
            found.setdefault(row[0].lot_id, []).append(row)
        return found

    async def lot_events(self, lot_id: int) -> list[LotEvent]:
        stmt = select(LotEvent).where(LotEvent.lot_id == lot_id).order_by(LotEvent.recorded_at, LotEvent.id)
        return list((await self.session.scalars(stmt)).all())

    async def balances_for_picking(self, facility_id: int, product_id: int) -> list[LotBalance]:
        rows = await self.session.execute(
            _BALANCES_FOR_PICKING, {"facility_id": facility_id, "product_id": product_id}
        )
        return [_pickable(row) for row in rows]

    async def products_with_balances(
        self, product_codes: Sequence[str], facility_id: int
    ) -> dict[str, tuple[Product, list[LotBalance]]]:
        """Products by code, each with its balances for picking at a facility, in one query (unknown: absent)."""
        rows = await self.session.execute(
            _PRODUCTS_WITH_BALANCES, {"product_codes": list(product_codes), "facility_id": facility_id}
        )
        found: dict[str, tuple[Product, list[LotBalance]]] = {}
        for row in rows:
            _collect(found, row[0], row)
        return found

    async def facilities_with_stock(
        self, codes: Sequence[str], transit_code: str, *, stock_at: str, product_codes: Sequence[str]
    ) -> tuple[list[tuple[Facility, Location | None]], dict[str, tuple[Product, list[LotBalance]]]]:
        """An issue's reads in one query: the facilities, each with its transit location, and the products
        with what the facility `stock_at` holds of them (as `products_with_balances`)."""
        params = {
            "codes": list(dict.fromkeys(codes)),
            "transit_code": transit_code,
            "stock_at": stock_at,
            "product_codes": list(dict.fromkeys(product_codes)),
        }
        rows = await self.session.execute(_FACILITIES_WITH_STOCK, params)
        facilities: dict[int, tuple[Facility, Location | None]] = {}
        found: dict[str, tuple[Product, list[LotBalance]]] = {}
        for row in rows:
            facilities.setdefault(row[0].id, (row[0], row[1]))
            if row[2] is not None:
                _collect(found, row[2], row)
        return list(facilities.values()), found
