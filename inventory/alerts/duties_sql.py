"""The SQL behind the duty alerts (inventory.alerts.duties): one query per frame, whatever the number of
facilities. Reads the cold chain's and the reports' tables; writes nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.alerts import duties
from inventory.catalog.models import Location
from inventory.coldchain.models import Equipment, EquipmentStatus, Excursion, ExposedLot, ManualReading
from inventory.reports import domain as report_rules
from inventory.reports.models import ReportSetting, ReportSubmission
from inventory.stock.models import Balance
from inventory.timeutil import vietnam_day


class DutyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _rows(self, stmt: Any) -> Sequence[Any]:
        return (await self.session.execute(stmt)).all()

    async def equipment(self) -> pl.DataFrame:
        """Every piece of equipment with its latest status and the doses at its location."""
        latest = (
            select(EquipmentStatus.equipment_id, func.max(EquipmentStatus.id).label("status_id"))
            .group_by(EquipmentStatus.equipment_id)
            .subquery()
        )
        held = (
            select(Balance.location_id, func.sum(Balance.doses).label("doses"))
            .group_by(Balance.location_id)
            .subquery()
        )
        stmt = (
            select(
                Location.facility_id,
                Location.id,
                Location.code,
                Equipment.equipment_type,
                Equipment.created_at,
                EquipmentStatus.status,
                EquipmentStatus.reason,
                EquipmentStatus.recorded_at,
                EquipmentStatus.recorded_by,
                func.coalesce(held.c.doses, 0),
            )
            .join(Location, Location.id == Equipment.location_id)
            .outerjoin(latest, latest.c.equipment_id == Equipment.id)
            .outerjoin(EquipmentStatus, EquipmentStatus.id == latest.c.status_id)
            .outerjoin(held, held.c.location_id == Equipment.location_id)
        )
        rows = [
            (
                facility,
                location,
                code,
                kind,
                vietnam_day(created),
                status or "working",
                reason,
                vietnam_day(at) if at else vietnam_day(created),
                by,
                int(doses),
            )
            for facility, location, code, kind, created, status, reason, at, by, doses in await self._rows(
                stmt
            )
        ]
        return pl.DataFrame(rows, schema=duties.EQUIPMENT, orient="row")

    async def readings(self, since: date) -> pl.DataFrame:
        stmt = select(ManualReading.location_id, ManualReading.day, ManualReading.period).where(
            ManualReading.day >= since
        )
        return pl.DataFrame(list(map(tuple, await self._rows(stmt))), schema=duties.READINGS, orient="row")

    async def excursions(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Open excursions with their undecided lots and doses; and those (lot, place) pairs."""
        stmt = (
            select(
                Excursion.id,
                Location.facility_id,
                Location.id,
                Location.code,
                Excursion.kind,
                Excursion.alarm_at,
                ExposedLot.lot_id,
                ExposedLot.doses,
            )
            .join(Location, Location.id == Excursion.location_id)
            .join(ExposedLot, ExposedLot.excursion_id == Excursion.id)
            .where(Excursion.status == "open", ExposedLot.decision.is_(None))
        )
        rows = await self._rows(stmt)
        per: dict[int, list[Any]] = {}
        for excursion, facility, location, code, kind, alarm_at, _lot, doses in rows:
            item = per.setdefault(
                excursion, [excursion, facility, location, code, kind, vietnam_day(alarm_at), 0, 0]
            )
            item[6] += 1
            item[7] += int(doses)
        held = pl.DataFrame(
            sorted({(r[6], r[2]) for r in rows}), schema=duties.HELD_BY_EXCURSION, orient="row"
        )
        return pl.DataFrame(list(per.values()), schema=duties.EXCURSIONS, orient="row"), held

    async def submissions(self, periods: Sequence[str]) -> pl.DataFrame:
        stmt = (
            select(ReportSubmission.facility_code, ReportSubmission.kind, ReportSubmission.period)
            .where(
                ReportSubmission.period.in_(list(periods)),
                ReportSubmission.kind.in_(duties.MONTHLY_REPORTS),
            )
            .distinct()
        )
        return pl.DataFrame(list(map(tuple, await self._rows(stmt))), schema=duties.SUBMISSIONS, orient="row")

    async def deadlines(self) -> dict[str, int]:
        """Route -> the day of the next month a monthly report is due (the reports' calendar settings)."""
        stored = {
            name: json.loads(value)
            for name, value in await self._rows(select(ReportSetting.name, ReportSetting.value))
        }
        settings = {
            **report_rules.DEFAULT_SETTINGS,
            **{k: v for k, v in stored.items() if k in report_rules.DEFAULT_SETTINGS},
        }
        return {
            d.route: d.day
            for d in report_rules.calendar_from(settings)
            if d.period_kind == "month" and d.months_after == 1 and d.month is None
        }
