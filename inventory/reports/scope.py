"""What every report works with: the session, the principal, today and the clock; the period asked for and
the facilities in scope (the root and every facility it supplies, as far as the principal may read them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from forecasting.periods import SupplyPeriod, parse_period
from inventory.auth import Principal
from inventory.errors import UnknownReference, ValidationFailed
from inventory.reports import repository
from inventory.reports.configuration import ReportSettingsService
from inventory.timeutil import today_vn, utcnow


class ReportScope:
    """The reports of a facility and the facilities it supplies, as far as the principal may read them."""

    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        today: date | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.session = session
        self.principal = principal
        self.today = today or today_vn()
        self.now = now or utcnow
        """When a submission is recorded: the real clock, unless the caller replays a past day (the demo)."""

    def _period(self, text: str) -> SupplyPeriod:
        try:
            period = parse_period(text)
        except ValueError:
            period = None
        if period is None or period.kind == "years":
            raise ValidationFailed(message="error.reports.period", params={"period": text}, field="period")
        if period.start > self.today:
            raise ValidationFailed(message="error.reports.future", params={"period": text}, field="period")
        return period

    async def _tree(self, facility: str | None, period: SupplyPeriod) -> tuple[pl.DataFrame, dict[str, Any]]:
        """The root facility and every facility it supplies (directly or not), as far as readable."""
        tree = await repository.facilities(self.session, period.start, period.end)
        if facility is None:
            facility = self.principal.facility_code
        if facility is None:
            roots = tree.filter(pl.col("supplier_id").is_null())
            facility = roots["facility_code"][0] if roots.height else None
        root = tree.filter(pl.col("facility_code") == facility)
        if root.is_empty():
            raise UnknownReference(
                message="error.reports.facility", params={"facility": facility}, field="facility"
            )
        root_row = root.row(0, named=True)
        self.principal.require_read(root_row["facility_id"], root_row["facility_code"], field="facility")
        keep, todo = {root_row["facility_id"]}, [root_row["facility_id"]]
        children: dict[int, list[int]] = {}
        for fid, sid in tree.select("facility_id", "supplier_id").iter_rows():
            if sid is not None:
                children.setdefault(sid, []).append(fid)
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in keep:
                    keep.add(child)
                    todo.append(child)
        scoped = tree.filter(
            pl.col("facility_id").is_in(sorted(keep)),
            pl.col("facility_id").map_batches(
                lambda s: pl.Series([self.principal.can_read(i) for i in s], dtype=pl.Boolean)
            ),
        )
        supplier = tree.select(
            pl.col("facility_id").alias("supplier_id"),
            pl.col("facility_code").alias("_supplier_code"),
            pl.col("level").alias("_supplier_level"),
        )
        scoped = (
            scoped.join(supplier, on="supplier_id", how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col("level") == "district")
                .then(pl.col("facility_code"))
                .when(pl.col("_supplier_level") == "district")
                .then(pl.col("_supplier_code"))
                .alias("district_code")
            )
            .drop("_supplier_code", "_supplier_level")
        )
        return scoped, root_row

    async def settings(self) -> dict[str, int]:
        """The report settings: defaults with the stored overrides."""
        return await ReportSettingsService(self.session, self.principal).values()
