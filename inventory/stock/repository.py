"""Ledger queries, as named methods. Reads of stock on hand touch the balance table: O(lots), not O(history)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, join, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from inventory.catalog.models import Facility, Location, Product
from inventory.db import Base, DriverStatement, driver_connection
from inventory.stock.domain import LotBalance, LotState
from inventory.stock.ledger import SINGLE_STATEMENT
from inventory.stock.models import (
    Balance,
    Lot,
    LotEvent,
    Movement,
    Shipment,
    ShipmentLine,
    StockCount,
    StockCountLine,
    StockDocument,
    UsageRecord,
)

# the reads every posting makes, built once
_PICKABLE = join(Lot, Balance, and_(Balance.lot_id == Lot.id, Balance.doses > 0)).join(
    Location, and_(Location.id == Balance.location_id, Location.kind != "transit")
)
"""Lots with doses at storage locations (not in transit); each query joins it at one facility."""
_PICKABLE_COLUMNS = (
    Lot.id.label("lot_id"),
    Product.code.label("product_code"),
    Lot.lot_number,
    Lot.expires_on,
    Lot.vvm_stage,
    Lot.on_hold,
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


class _DriverRead:
    """A fixed SELECT of whole models (then plain columns) sent as a `DriverStatement`: no SQLAlchemy
    execution, no ORM loading, for the hot read of a single-statement posting (its session may not write,
    and its connection is in autocommit: inventory.stock.ledger). The models come back in no session, their
    values through the columns' result processors as in SQLAlchemy's own loading."""

    def __init__(self, statement: Select[Any], models: tuple[type[Base], ...]) -> None:
        self.statement = statement
        self.send = DriverStatement(statement)
        self.models = [
            (model, [model.__mapper__.get_property_by_column(c).key for c in model.__table__.columns])
            for model in models
        ]
        self._processors: list[Any] | None = None

    async def rows(self, session: AsyncSession, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Each row as (an instance or None per model, then the plain columns' values)."""
        sql, arguments = self.send.bind(session, params)
        async with driver_connection(session) as driver:
            if self._processors is None:
                # as SQLAlchemy's result metadata does: each column's processor for the type the server sends
                dialect = session.get_bind().dialect
                attributes = (await driver.prepare(sql)).get_attributes()
                self._processors = [
                    column.type.dialect_impl(dialect).result_processor(dialect, attribute.type.oid)
                    for column, attribute in zip(self.statement.selected_columns, attributes, strict=True)
                ]
            records = await driver.fetch(sql, *arguments)
        out = []
        for record in records:
            values = [
                v if p is None or v is None else p(v) for v, p in zip(record, self._processors, strict=True)
            ]
            row: list[Any] = []
            start = 0
            for model, keys in self.models:
                row.append(_unattached(model, keys, values[start : start + len(keys)]))
                start += len(keys)
            out.append((*row, *values[start:]))
        return out


def _unattached(model: type[Base], keys: list[str], values: list[Any]) -> Any:
    """An instance of `model` from its attributes' values, in no session (None when an outer join found no
    row: its primary key, the first column, is NULL). Were it added to the session, the single-statement
    posting would refuse it before anything is sent (`has_changes`, inventory.idempotency._deferred)."""
    if values[0] is None:
        return None
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(zip(keys, values, strict=True))
    return instance


_FACILITIES_WITH_STOCK_DIRECT = _DriverRead(_FACILITIES_WITH_STOCK, (Facility, Location, Product))
"""`_FACILITIES_WITH_STOCK` for PostgreSQL's single-statement postings."""


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


def lot_state(lot: Lot, product_code: str) -> LotState:
    """The rule-relevant view of a lot."""
    return LotState(lot.id, product_code, lot.lot_number, lot.expires_on, lot.vvm_stage, lot.on_hold)


class StockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lot(self, product_id: int, lot_number: str, *, for_update: bool = False) -> Lot | None:
        stmt = select(Lot).where(Lot.product_id == product_id, Lot.lot_number == lot_number)
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return await self.session.scalar(stmt)

    async def lots(self, product_id: int | None = None) -> Sequence[Row[tuple[Lot, str]]]:
        stmt = select(Lot, Product.code).join(Product, Product.id == Lot.product_id)
        if product_id is not None:
            stmt = stmt.where(Lot.product_id == product_id)
        return (await self.session.execute(stmt.order_by(Product.code, Lot.expires_on, Lot.lot_number))).all()

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
        rows: Any
        if SINGLE_STATEMENT in self.session.info:  # an API posting on PostgreSQL (inventory.stock.ledger)
            rows = await _FACILITIES_WITH_STOCK_DIRECT.rows(self.session, params)
        else:
            rows = await self.session.execute(_FACILITIES_WITH_STOCK, params)
        facilities: dict[int, tuple[Facility, Location | None]] = {}
        found: dict[str, tuple[Product, list[LotBalance]]] = {}
        for row in rows:
            facilities.setdefault(row[0].id, (row[0], row[1]))
            if row[2] is not None:
                _collect(found, row[2], row)
        return list(facilities.values()), found

    async def stock_on_hand(self, facility_id: int) -> Sequence[Row[tuple[Lot, Product, str, int]]]:
        stmt = (
            select(Lot, Product, Location.code, Balance.doses)
            .join(Balance, Balance.lot_id == Lot.id)
            .join(Location, Location.id == Balance.location_id)
            .join(Product, Product.id == Lot.product_id)
            .where(Location.facility_id == facility_id, Location.kind != "transit", Balance.doses > 0)
            .order_by(Product.code, Lot.expires_on, Lot.lot_number, Location.code)
        )
        return (await self.session.execute(stmt)).all()

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

    async def shipment(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None:
        stmt = select(Shipment).where(Shipment.id == shipment_id)
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return await self.session.scalar(stmt)

    async def shipment_lines(self, shipment_id: int) -> Sequence[Row[tuple[ShipmentLine, Lot, str]]]:
        stmt = (
            select(ShipmentLine, Lot, Product.code)
            .join(Lot, Lot.id == ShipmentLine.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(ShipmentLine.shipment_id == shipment_id)
            .order_by(ShipmentLine.id)
        )
        return (await self.session.execute(stmt)).all()

    async def shipments(self, facility_id: int, status: str | None) -> list[Shipment]:
        stmt = select(Shipment).where(
            (Shipment.to_facility_id == facility_id) | (Shipment.from_facility_id == facility_id)
        )
        if status:
            stmt = stmt.where(Shipment.status == status)
        return list((await self.session.scalars(stmt.order_by(Shipment.id.desc()).limit(500))).all())

    async def shipment_for_document(self, document_id: int) -> Shipment | None:
        return await self.session.scalar(select(Shipment).where(Shipment.issue_document_id == document_id))

    async def shipment_for_receipt(self, document_id: int) -> Shipment | None:
        return await self.session.scalar(
            select(Shipment)
            .where(Shipment.receipt_document_id == document_id)
            .with_for_update(key_share=True)
        )

    async def document(self, document_id: int, *, for_update: bool = False) -> StockDocument | None:
        stmt = select(StockDocument).where(StockDocument.id == document_id)
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return await self.session.scalar(stmt)

    async def reversal_of(self, document_id: int) -> StockDocument | None:
        return await self.session.scalar(
            select(StockDocument).where(StockDocument.reverses_document_id == document_id)
        )

    async def document_movements(self, document_id: int) -> Sequence[Row[tuple[Movement, str, str, str]]]:
        stmt = (
            select(Movement, Location.code, Product.code, Lot.lot_number)
            .join(Location, Location.id == Movement.location_id)
            .join(Lot, Lot.id == Movement.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(Movement.document_id == document_id)
            .order_by(Movement.id)
        )
        return (await self.session.execute(stmt)).all()

    async def documents(self, facility_id: int, limit: int) -> list[StockDocument]:
        stmt = (
            select(StockDocument)
            .where(StockDocument.facility_id == facility_id)
            .order_by(StockDocument.occurred_on.desc(), StockDocument.id.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(stmt)).all())

    async def facility_codes(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Facility.id, Facility.code).where(Facility.id.in_(ids)))
        return dict(rows.tuples().all())

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
        kinds = ("issue", "usage", "adjustment", "return")
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

    async def count(self, count_id: int, *, for_update: bool = False) -> StockCount | None:
        stmt = select(StockCount).where(StockCount.id == count_id)
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return await self.session.scalar(stmt)

    async def count_lines(self, count_id: int) -> Sequence[Row[tuple[StockCountLine, str, str, str]]]:
        stmt = (
            select(StockCountLine, Location.code, Product.code, Lot.lot_number)
            .join(Location, Location.id == StockCountLine.location_id)
            .join(Lot, Lot.id == StockCountLine.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(StockCountLine.count_id == count_id)
            .order_by(Location.code, Product.code, Lot.lot_number)
        )
        return (await self.session.execute(stmt)).all()

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
