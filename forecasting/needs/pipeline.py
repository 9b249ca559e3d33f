"""The forecast's entry points: :func:`forecast_needs` over facilities × vaccines, and the catch-up input."""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.needs.aggregates import with_aggregates
from forecasting.needs.lines import build_facility_lines, resolve_settings
from forecasting.needs.schemas import BACKLOG
from forecasting.needs.settings import Parameters
from forecasting.periods import SupplyPeriod, require_not_past


def _history_window(today: date, review_months: int) -> tuple[date, date]:
    end = today.replace(day=1)
    months = end.year * 12 + end.month - 1 - review_months
    return date(months // 12, months % 12 + 1, 1), end


def catchup_backlog(
    register_backlog: pl.LazyFrame,
    *,
    facilities: pl.LazyFrame | None = None,
    include_due: bool = False,
) -> pl.LazyFrame:
    """The ``BACKLOG`` input from the register's backlog (``REGISTER_BACKLOG``): overdue doses per commune."""
    # Doses merely due are routine need (already in the target-population and consumption terms), so only
    # overdue doses count unless include_due. ``facilities`` (COMMUNE_FACILITIES) maps commune codes to
    # facility codes; without it the commune code is the facility code.
    doses = pl.col("overdue") + pl.col("due") if include_due else pl.col("overdue")
    rows = register_backlog.filter(pl.col("product_code").is_not_null()).select(
        "commune_code", "product_code", doses.alias("doses")
    )
    if facilities is not None:
        rows = rows.join(facilities, on="commune_code", how="inner")
    else:
        rows = rows.with_columns(pl.col("commune_code").alias("facility_code"))
    return (
        rows.group_by("facility_code", "product_code")
        .agg(pl.col("doses").sum())
        .filter(pl.col("doses") > 0)
        .select(BACKLOG.names())
        .cast(dict(BACKLOG))
        .sort("facility_code", "product_code")
    )


def forecast_needs(
    *,
    products: pl.LazyFrame,
    facilities: pl.LazyFrame,
    history: pl.LazyFrame,
    stock: pl.LazyFrame,
    backlog: pl.LazyFrame,
    period: SupplyPeriod,
    today: date,
    parameters: Parameters | None = None,
    targets: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Needs and orders per facility × vaccine, aggregate and total (``FORECAST``); refuses a past period."""
    # History is read from the Parameters.review_months whole months before the month of ``today``.
    require_not_past(period, today=today)
    parameters = parameters or Parameters()
    start, end = _history_window(today, parameters.review_months)

    vaccines = products.filter(~pl.col("is_diluent")).select(
        "product_code",
        pl.col("name").alias("product_name"),
        "presentation",
        "doses_per_vial",
        "vials_per_pack",
        "doses_in_schedule",
        "target_group",
    )
    places = facilities.select(
        "facility_code", pl.col("name").alias("facility_name"), "level", "parent_code", "population"
    )
    used = (
        history.filter(pl.col("month").is_between(start, end, closed="left"))
        .group_by("facility_code", "product_code")
        .agg(
            pl.col("month").n_unique().cast(pl.Int64).alias("history_months"),
            pl.col("doses_used").sum(),
            pl.col("doses_administered").sum(),
            pl.col("stockout_days").sum(),
        )
    )
    stock_by_line = stock.group_by("facility_code", "product_code").agg(
        pl.col("stock_on_hand").sum(), pl.col("stock_in_transit").sum()
    )
    backlog_by_line = backlog.group_by("facility_code", "product_code").agg(
        pl.col("doses").sum().alias("backlog_doses")
    )

    lines = (
        places.join(vaccines, how="cross")
        .join(used, on=["facility_code", "product_code"], how="left")
        .join(stock_by_line, on=["facility_code", "product_code"], how="left")
        .join(backlog_by_line, on=["facility_code", "product_code"], how="left")
    )
    if targets is not None:
        target_list = targets.group_by("facility_code", "target_group").agg(pl.col("persons").sum())
        lines = lines.join(target_list, on=["facility_code", "target_group"], how="left")
    else:
        lines = lines.with_columns(pl.lit(None, dtype=pl.Int64).alias("persons"))
    lines = resolve_settings(lines, parameters)
    facility_lines = build_facility_lines(lines, period, parameters)
    return with_aggregates(facility_lines, facilities, parameters)
