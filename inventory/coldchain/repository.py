"""Cold-chain queries, as named methods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Row, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inventory.catalog.models import Facility, Location, Product
from inventory.coldchain.models import (
    Equipment,
    EquipmentStatus,
    Excursion,
    ExposedLot,
    LoggerDay,
    LoggerFile,
    ManualReading,
    TemperatureReading,
)
from inventory.stock.models import Balance, Lot, Movement, StockDocument


class ColdChainRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def equipment_at(self, location_id: int, *, for_update: bool = False) -> Equipment | None:
        stmt = select(Equipment).where(Equipment.location_id == location_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def equipment_with_device(self, serial: str) -> Row[tuple[Equipment, Location, Facility]] | None:
        stmt = (
            select(Equipment, Location, Facility)
            .join(Location, Location.id == Equipment.location_id)
            .join(Facility, Facility.id == Location.facility_id)
            .where(Equipment.logger_serial == serial)
        )
        return (await self.session.execute(stmt)).first()

    async def equipment_list(
        self, facility_id: int | None
    ) -> Sequence[Row[tuple[Equipment, Location, Facility]]]:
        stmt = (
            select(Equipment, Location, Facility)
            .join(Location, Location.id == Equipment.location_id)
            .join(Facility, Facility.id == Location.facility_id)
            .order_by(Facility.code, Location.code)
        )
        if facility_id is not None:
            stmt = stmt.where(Location.facility_id == facility_id)
        return (await self.session.execute(stmt)).all()

    async def statuses(self, equipment_ids: Sequence[int]) -> list[EquipmentStatus]:
        if not equipment_ids:
            return []
        stmt = (
            select(EquipmentStatus)
            .where(EquipmentStatus.equipment_id.in_(equipment_ids))
            .order_by(EquipmentStatus.equipment_id, EquipmentStatus.recorded_at, EquipmentStatus.id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def file(self, location_id: int, sha256: str) -> LoggerFile | None:
        return await self.session.scalar(
            select(LoggerFile).where(LoggerFile.location_id == location_id, LoggerFile.sha256 == sha256)
        )

    async def known_days(self, serial: str, days: Sequence[date]) -> set[date]:
        if not days:
            return set()
        stmt = select(LoggerDay.day).where(LoggerDay.device_serial == serial, LoggerDay.day.in_(days))
        return set((await self.session.scalars(stmt)).all())

    async def stored_readings(
        self, location_id: int, start: datetime, end: datetime
    ) -> dict[datetime, float]:
        stmt = select(TemperatureReading.at, TemperatureReading.celsius).where(
            TemperatureReading.location_id == location_id,
            TemperatureReading.at >= start,
            TemperatureReading.at <= end,
        )
        return {at: celsius for at, celsius in (await self.session.execute(stmt)).all()}

    async def days(self, location_id: int, start: date, end: date) -> list[LoggerDay]:
        stmt = (
            select(LoggerDay)
            .where(LoggerDay.location_id == location_id, LoggerDay.day >= start, LoggerDay.day <= end)
            .order_by(LoggerDay.day)
        )
        return list((await self.session.scalars(stmt)).all())

    async def manual_readings(self, location_id: int, start: date, end: date) -> list[ManualReading]:
        stmt = (
            select(ManualReading)
            .where(
                ManualReading.location_id == location_id, ManualReading.day >= start, ManualReading.day <= end
            )
            .order_by(ManualReading.day, ManualReading.period)
        )
        return list((await self.session.scalars(stmt)).all())

    async def manual_reading(self, location_id: int, day: date, period: str) -> ManualReading | None:
        return await self.session.scalar(
            select(ManualReading).where(
                ManualReading.location_id == location_id,
                ManualReading.day == day,
                ManualReading.period == period,
            )
        )

    async def excursion(self, location_id: int, rule: str, alarm_at: datetime) -> Excursion | None:
        return await self.session.scalar(
            select(Excursion).where(
                Excursion.location_id == location_id, Excursion.rule == rule, Excursion.alarm_at == alarm_at
            )
        )

    async def excursion_by_id(self, excursion_id: int, *, for_update: bool = False) -> Excursion | None:
        stmt = select(Excursion).where(Excursion.id == excursion_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def excursions(
        self, *, facility_id: int | None, location_id: int | None, status: str | None
    ) -> Sequence[Row[tuple[Excursion, Location, Facility]]]:
        stmt = (
            select(Excursion, Location, Facility)
            .join(Location, Location.id == Excursion.location_id)
            .join(Facility, Facility.id == Location.facility_id)
            .order_by(Excursion.alarm_at.desc(), Excursion.id.desc())
        )
        if facility_id is not None:
            stmt = stmt.where(Location.facility_id == facility_id)
        if location_id is not None:
            stmt = stmt.where(Excursion.location_id == location_id)
        if status is not None:
            stmt = stmt.where(Excursion.status == status)
        return (await self.session.execute(stmt)).all()

    async def exposed(self, excursion_ids: Sequence[int]) -> Sequence[Row[tuple[ExposedLot, Lot, Product]]]:
        if not excursion_ids:
            return []
        stmt = (
            select(ExposedLot, Lot, Product)
            .join(Lot, Lot.id == ExposedLot.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(ExposedLot.excursion_id.in_(excursion_ids))
            .order_by(ExposedLot.excursion_id, Product.code, Lot.lot_number)
        )
        return (await self.session.execute(stmt)).all()

    async def exposed_lot(self, excursion_id: int, lot_id: int) -> ExposedLot | None:
        return await self.session.scalar(
            select(ExposedLot)
            .where(ExposedLot.excursion_id == excursion_id, ExposedLot.lot_id == lot_id)
            .with_for_update()
        )

    async def undecided_elsewhere(self, location_id: int, lot_id: int, excursion_id: int) -> int:
        """How many other open excursions at the location still hold this lot undecided."""
        stmt = (
            select(func.count())
            .select_from(ExposedLot)
            .join(Excursion, Excursion.id == ExposedLot.excursion_id)
            .where(
                Excursion.location_id == location_id,
                Excursion.id != excursion_id,
                ExposedLot.lot_id == lot_id,
                ExposedLot.decision.is_(None),
            )
        )
        return int(await self.session.scalar(stmt) or 0)

    async def lots_at(self, location_id: int) -> Sequence[Row[tuple[Lot, Product, int]]]:
        """Every lot with a balance row at the location (doses now, possibly 0), with its product."""
        stmt = (
            select(Lot, Product, Balance.doses)
            .join(Balance, and_(Balance.lot_id == Lot.id, Balance.location_id == location_id))
            .join(Product, Product.id == Lot.product_id)
            .order_by(Product.code, Lot.lot_number)
        )
        return (await self.session.execute(stmt)).all()

    async def volume_rows(self, location_ids: Sequence[int]) -> Sequence[Row[tuple[int, Decimal, int]]]:
        """Per location and product: the packed volume per dose (cm³) and the doses there now."""
        if not location_ids:
            return []
        stmt = (
            select(Balance.location_id, Product.packed_volume_cm3, func.sum(Balance.doses))
            .join(Lot, Lot.id == Balance.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(Balance.location_id.in_(location_ids), Balance.doses > 0)
            .group_by(Balance.location_id, Product.id, Product.packed_volume_cm3)
        )
        return (await self.session.execute(stmt)).all()

    async def equipment_by_location(self, location_ids: Sequence[int]) -> dict[int, Equipment]:
        if not location_ids:
            return {}
        stmt = select(Equipment).where(Equipment.location_id.in_(location_ids))
        return {e.location_id: e for e in (await self.session.scalars(stmt)).all()}

    async def movements_at(self, location_id: int) -> Sequence[Row[tuple[int, int, date, datetime]]]:
        """Every movement at the location: lot, doses (+ in, - out), the day it happened, when recorded."""
        stmt = (
            select(Movement.lot_id, Movement.doses, Movement.occurred_on, Movement.recorded_at)
            .where(Movement.location_id == location_id)
            .order_by(Movement.id)
        )
        return (await self.session.execute(stmt)).all()

    async def moved_from(
        self, location_ids: Sequence[int], lot_ids: Sequence[int]
    ) -> Sequence[Row[tuple[int, int, date, datetime, int, str, str, int, int, str]]]:
        """Where the lots' doses went from the locations, in one query for a page of excursions: per movement
        out, the movement in at another place of the same document (from location, lot, day, recorded, out
        doses, facility, location, doses in, document, kind)."""
        if not lot_ids or not location_ids:
            return []
        out, into = aliased(Movement), aliased(Movement)
        stmt = (
            select(
                out.location_id,
                out.lot_id,
                out.occurred_on,
                out.recorded_at,
                out.doses,
                Facility.code,
                Location.code,
                into.doses,
                StockDocument.id,
                StockDocument.kind,
            )
            .join(
                into,
                and_(
                    into.document_id == out.document_id,
                    into.lot_id == out.lot_id,
                    into.location_id != out.location_id,
                    into.doses > 0,
                ),
            )
            .join(Location, Location.id == into.location_id)
            .join(Facility, Facility.id == Location.facility_id)
            .join(StockDocument, StockDocument.id == out.document_id)
            .where(out.location_id.in_(location_ids), out.doses < 0, out.lot_id.in_(lot_ids))
            .order_by(out.id, into.id)
        )
        return (await self.session.execute(stmt)).all()
