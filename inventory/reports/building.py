"""Building a monthly report: vaccine usage and wastage, stock movement (nhập – xuất – tồn), and one entry
for every kind (the immunization results are in reports.results). Counts are summed set-based (SQL, then
polars); rates come from the counts as exact fractions and are rounded once (reports.domain)."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import select

from inventory.catalog.models import Product
from inventory.errors import ValidationFailed
from inventory.reports import domain, repository, tables
from inventory.reports.repository import month_index
from inventory.reports.results import ResultsReport
from inventory.reports.summary import Report

KINDS = ("usage", "results", "stock")


class ReportBuilder(ResultsReport):
    """Every kind of report, built live from the ledger and the register."""

    # ---- vaccine usage and wastage ---------------------------------------------------------------------------

    async def usage(self, period_text: str, facility: str | None = None) -> Report:
        """Báo cáo sử dụng vắc xin: per facility × product, with district and total roll-ups, and by month."""
        period = self._period(period_text)
        await repository.tune(self.session)
        tree, root = await self._tree(facility, period)
        ids = tree["facility_id"].to_list()
        year_start = date(period.start.year, 1, 1)
        moves = await repository.monthly_movements(self.session, ids, year_start, period.end)
        given = await repository.administered(self.session, ids, year_start, period.end)
        last = month_index(period.end)
        rows, monthly = tables.usage_rows(moves, given, month_index(period.start), last)
        rows = tables.rolled_up(rows, tree, root, ["product_code"], tables.COUNTS)
        rows = rows.with_columns(tables.rate_columns())
        diluents = list(await self.session.scalars(select(Product.code).where(Product.is_diluent)))
        monthly_rows = tables.rolled_up(
            monthly,
            tree,
            root,
            ["product_code", "ym"],
            ("doses_used", "administered", "closed_vial_wastage", "open_vial_wastage"),
        ).sort("scope", "facility_code", "product_code", "ym")
        monthly_rows = monthly_rows.with_columns(
            pl.col("open_vial_wastage")
            .cum_sum()
            .over("scope", "facility_code", "product_code")
            .alias("open_vial_wastage_ytd"),
            pl.date(pl.col("ym") // 12, pl.col("ym") % 12 + 1, 1).alias("month"),
        ).drop("ym")
        monthly_rows = monthly_rows.with_columns(
            tables.half_up(
                pl.col("doses_used") + pl.col("closed_vial_wastage") - pl.col("administered"),
                pl.col("doses_used") + pl.col("closed_vial_wastage"),
                places=domain.PERCENT_DECIMALS,
            ).alias("wastage_rate")
        )
        rows = rows.with_columns(pl.col("product_code").is_in(diluents).alias("diluent"))
        monthly_rows = monthly_rows.with_columns(pl.col("product_code").is_in(diluents).alias("diluent"))
        return Report(
            "usage",
            period,
            root["facility_code"],
            root["facility_name"],
            {"usage": rows, "usage_by_month": monthly_rows},
        )

    # ---- stock movement (nhập – xuất – tồn) ----------------------------------------------------------------

    async def stock(self, period_text: str, facility: str | None = None) -> Report:
        """Báo cáo xuất – nhập – tồn of one facility: one row per product and lot."""
        period = self._period(period_text)
        await repository.tune(self.session)
        _tree, root = await self._tree(facility, period)
        moves = await repository.lot_movements(self.session, root["facility_id"], period.start, period.end)
        given = await repository.lot_administered(self.session, root["facility_id"], period.start, period.end)
        keys = ["product_code", "lot_number", "expires_on"]
        moves = moves.with_columns(tables.category()).with_columns(tables.signed().alias("value"))
        categories = tables.CATEGORIES
        rows = (
            moves.group_by(keys)
            .agg(
                pl.col("doses").filter(pl.col("before")).sum().alias("opening"),
                *(
                    pl.col("value").filter(~pl.col("before"), pl.col("category") == c).sum().alias(c)
                    for c in categories
                ),
            )
            .join(given, on=["product_code", "lot_number"], how="left")
            .with_columns(pl.col("administered").fill_null(0))
            .with_columns(pl.sum_horizontal(*tables.WASTED).alias("closed_vial_wastage"))
            .with_columns(tables.closing())
            .filter(pl.any_horizontal(pl.col("opening", "closing", *categories, "administered") != 0))
            .select(
                *keys,
                "opening",
                "received",
                "issued",
                "doses_used",
                "administered",
                *tables.WASTED,
                "closed_vial_wastage",
                "adjustments",
                "closing",
            )
            .sort(keys)
        )
        return Report("stock", period, root["facility_code"], root["facility_name"], {"stock": rows})

    # ---- one entry for every kind ---------------------------------------------------------------------------

    async def report(self, kind: str, period_text: str, facility: str | None = None) -> Report:
        if kind == "usage":
            return await self.usage(period_text, facility)
        if kind == "results":
            return await self.results(period_text, facility)
        if kind == "stock":
            return await self.stock(period_text, facility)
        raise ValidationFailed(message="error.reports.kind", params={"kind": kind}, field="kind")
