"""The register services' base: reference data (communes, the schedule) and who may see which register."""

from __future__ import annotations

import io
from datetime import date
from typing import NamedTuple

import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from forecasting import backlog as bl
from forecasting.schedule import SCHEDULE, ScheduleError, check_schedule, load_schedule, version_in_force
from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import AdminUnit, AdminUnitSuccession, Facility
from inventory.datacache import DataCache
from inventory.errors import ValidationFailed
from inventory.register.models import ScheduleTable
from inventory.settings import Settings
from inventory.tabular import ImportFailed, RowProblem
from inventory.timeutil import today_vn, utcnow


class Station(NamedTuple):
    """A commune's health station: its facility id, name, and the store that supplies it."""

    id: int
    name: str
    supplier_id: int | None


class RegisterBase:
    """The register's reference data and access rules, shared by its import and read use cases."""

    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        today: date | None = None,
        settings: Settings | None = None,
        cache: DataCache | None = None,
    ) -> None:
        self.session = session
        self.cache = cache
        """Results kept until their data change (the server's); None computes every time (the CLI)."""
        self.principal = principal
        self.today = today or today_vn()
        self.settings = settings or Settings()
        """The schedule's day counts: one_month_days ("≥ 01 tháng") and grace_days (overdue after)."""
        self._communes: dict[str, Station] | None = None  # reference data, read once per service (request)
        self._schedule: pl.DataFrame | None = None

    # ---- reference ----------------------------------------------------------------------------------------

    async def commune_map(self) -> pl.DataFrame:
        """Old commune code → commune code in force (identity for codes in force)."""
        old, new = aliased(AdminUnit), aliased(AdminUnit)
        rows = (
            await self.session.execute(
                select(old.code, new.code)
                .join(AdminUnitSuccession, AdminUnitSuccession.old_unit_id == old.id)
                .join(new, new.id == AdminUnitSuccession.new_unit_id)
            )
        ).all()
        current = (
            await self.session.scalars(
                select(AdminUnit.code).where(
                    AdminUnit.kind.in_(("commune", "ward", "town")), AdminUnit.valid_to.is_(None)
                )
            )
        ).all()
        pairs = {old_code: new_code for old_code, new_code in rows}
        for code in current:
            pairs.setdefault(code, code)
        return pl.DataFrame(
            {"old_code": list(pairs), "new_code": list(pairs.values())}, schema=bl.COMMUNE_MAP
        )

    async def communes(self) -> dict[str, Station]:
        """Commune code in force → its health station."""
        if self._communes is not None:
            return self._communes
        rows = (
            await self.session.execute(
                select(AdminUnit.code, Facility.id, Facility.name, Facility.supplier_id)
                .join(Facility, Facility.admin_unit_id == AdminUnit.id)
                .where(Facility.level == "commune", Facility.valid_to.is_(None))
            )
        ).all()
        self._communes = {code: Station(fid, name, supplier) for code, fid, name, supplier in rows}
        return self._communes

    async def schedule(self) -> pl.DataFrame:
        """The schedule table in force: the newest one an admin loaded, else the bundled one (read once)."""
        if self._schedule is None:
            text = await self.session.scalar(
                select(ScheduleTable.csv_text).order_by(ScheduleTable.id.desc()).limit(1)
            )
            self._schedule = (
                load_schedule() if text is None else pl.read_csv(io.StringIO(text), schema=SCHEDULE)
            )
        return self._schedule

    async def _schedule_on(self, day: date, *, field: str) -> pl.DataFrame:
        """The schedule table, refused (naming the field) when no version of it is in force on the day."""
        schedule = await self.schedule()
        try:
            version_in_force(schedule, on=day)
        except ScheduleError as exc:
            raise ValidationFailed(
                message=f"error.schedule.{exc.code}", params=exc.params, field=field
            ) from None
        return schedule

    async def load_schedule_csv(self, text: str, *, note: str | None = None) -> str:
        """Replace the schedule in force (admin): checked whole, then stored; the old ones are kept."""
        self.principal.require_role("admin", action="change_schedule")
        try:
            table = pl.read_csv(io.StringIO(text), schema=SCHEDULE)
        except Exception as exc:
            raise ImportFailed(
                [RowProblem("error.schedule.unreadable", {"error": type(exc).__name__})]
            ) from None
        problems = check_schedule(table)
        if problems:  # the schedule's own checks (forecasting/ knows no catalogue): named, in English
            raise ImportFailed([RowProblem("error.schedule.problem", {"problem": p}) for p in problems])

        self.session.add(
            ScheduleTable(csv_text=text, loaded_at=utcnow(), loaded_by=self.principal.username, note=note)
        )
        record(self.session, self.principal, "schedule.load", changes={"rows": table.height, "note": note})
        self._schedule = table
        return version_in_force(table, on=self.today)

    # ---- access --------------------------------------------------------------------------------------------

    async def _require_names(self, commune_code: str) -> dict[str, Station]:
        communes = await self.communes()
        if commune_code not in communes:
            from inventory.errors import UnknownReference

            raise UnknownReference(
                message="error.commune.unknown", params={"code": commune_code}, field="commune"
            )
        if not self._may_edit(communes[commune_code]):
            raise Forbidden(
                message="error.forbidden.see_commune",
                params={"user": self.principal.username, "commune": commune_code},
                field="commune",
            )

        return communes

    def _may_edit(self, station: Station) -> bool:
        """Who keeps a commune's register and sees its names and birth dates: the commune's own staff, the
        store that supplies it directly (the district, or the province where there is no district), and
        administrators. Stores further up the chain and viewers see counts only."""
        role = self.principal.role
        if role == "admin":
            return True
        if role == "store_keeper":
            return station.supplier_id is not None and station.supplier_id == self.principal.facility_id
        return role == "commune_worker" and self.principal.can_write(station.id)

    def _visible_communes(self, communes: dict[str, Station]) -> set[str]:
        return {code for code, station in communes.items() if self.principal.can_read(station.id)}
