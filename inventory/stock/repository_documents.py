"""Ledger reads of documents, shipments and counts: the rows a voucher, a document page, a confirmation or a
count review shows, as named methods (StockRepository inherits them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select

from inventory.catalog.models import Facility, Location, Product
from inventory.paging import ALL, Window, count_of, windowed
from inventory.stock.models import (
    Lot,
    Movement,
    Shipment,
    ShipmentLine,
    StockCount,
    StockCountLine,
    StockDocument,
)
from inventory.stock.repository_reads import LedgerReads


class DocumentReads(LedgerReads):
    async def shipment(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None:
        stmt = select(Shipment).where(Shipment.id == shipment_id)
        if for_update:
            stmt = stmt.with_for_update(key_share=True)
        return await self.session.scalar(stmt)

    async def shipment_lines(
        self, shipment_ids: Sequence[int]
    ) -> Sequence[Row[tuple[ShipmentLine, Lot, str]]]:
        """The lines of these shipments, with their lots and product codes, in line order."""
        stmt = (
            select(ShipmentLine, Lot, Product.code)
            .join(Lot, Lot.id == ShipmentLine.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(ShipmentLine.shipment_id.in_(shipment_ids))
            .order_by(ShipmentLine.id)
        )
        return (await self.session.execute(stmt)).all()

    async def shipments(
        self, facility_id: int, status: str | None, window: Window = ALL
    ) -> tuple[list[Shipment], int]:
        """A facility's shipments in and out, newest first, one window of them, and how many there are."""
        stmt = select(Shipment).where(
            (Shipment.to_facility_id == facility_id) | (Shipment.from_facility_id == facility_id)
        )
        if status:
            stmt = stmt.where(Shipment.status == status)
        rows = await self.session.scalars(windowed(stmt.order_by(Shipment.id.desc()), window))
        return list(rows.all()), await count_of(self.session, stmt)

    async def shipment_for_document(self, document_id: int) -> Shipment | None:
        return await self.session.scalar(select(Shipment).where(Shipment.issue_document_id == document_id))

    async def shipments_of_documents(self, document_ids: Sequence[int]) -> dict[int, int]:
        """The shipment each of these documents opened (issue document id -> shipment id)."""
        rows = await self.session.execute(
            select(Shipment.issue_document_id, Shipment.id).where(
                Shipment.issue_document_id.in_(document_ids)
            )
        )
        return dict(rows.tuples().all())

    async def reversals_of(self, document_ids: Sequence[int]) -> dict[int, int]:
        """The reversal of each of these documents that has one (document id -> reversal's id)."""
        rows = await self.session.execute(
            select(StockDocument.reverses_document_id, StockDocument.id).where(
                StockDocument.reverses_document_id.in_(document_ids)
            )
        )
        return {int(k): v for k, v in rows.tuples().all() if k is not None}

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

    async def document_movements(
        self, document_ids: Sequence[int]
    ) -> Sequence[Row[tuple[Movement, str, str, str]]]:
        """The movements of these documents with their location code, product code and lot number, in order."""
        stmt = (
            select(Movement, Location.code, Product.code, Lot.lot_number)
            .join(Location, Location.id == Movement.location_id)
            .join(Lot, Lot.id == Movement.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(Movement.document_id.in_(document_ids))
            .order_by(Movement.id)
        )
        return (await self.session.execute(stmt)).all()

    async def documents(self, facility_id: int, window: Window) -> tuple[list[StockDocument], int]:
        """A facility's documents, the latest day first (then the latest recorded), one window of them, and
        how many there are."""
        stmt = select(StockDocument).where(StockDocument.facility_id == facility_id)
        ordered = stmt.order_by(StockDocument.occurred_on.desc(), StockDocument.id.desc())
        rows = await self.session.scalars(windowed(ordered, window))
        return list(rows.all()), await count_of(self.session, stmt)

    async def facility_codes(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Facility.id, Facility.code).where(Facility.id.in_(ids)))
        return dict(rows.tuples().all())

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
