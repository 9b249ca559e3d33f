"""The aggregate lines (a facility and everything below it) and the total lines of the forecast."""

from __future__ import annotations

import polars as pl

from forecasting.needs.lines import with_order
from forecasting.needs.schemas import FORECAST
from forecasting.needs.settings import Parameters
from forecasting.needs.workings import aggregate_workings

MAX_LEVELS = 6
"""Deepest facility tree the aggregation follows (province → district → commune needs 3)."""

_SCOPE_RANK = {"facility": 0, "aggregate": 1, "total": 2}


def _ancestors(facilities: pl.LazyFrame) -> pl.LazyFrame:
    """Pairs (ancestor_code, facility_code) for every facility strictly below an ancestor."""
    parents = facilities.select("facility_code", "parent_code").filter(pl.col("parent_code").is_not_null())
    step = parents.select(pl.col("parent_code").alias("ancestor_code"), "facility_code")
    found = [step]
    for _ in range(MAX_LEVELS - 1):
        step = step.join(parents, left_on="ancestor_code", right_on="facility_code", how="inner").select(
            pl.col("parent_code").alias("ancestor_code"), "facility_code"
        )
        found.append(step)
    return pl.concat(found).unique()


_SUMMED = (
    "population",
    "target_population",
    "doses_used",
    "doses_administered",
    "stockout_days",
    "need_target_population",
    "need_consumption",
    "need_routine",
    "backlog_doses",
    "need_catchup",
    "need_doses",
    "reserve_doses",
    "max_stock_doses",
    "reorder_level_doses",
    "stock_on_hand",
    "stock_in_transit",
)
_PRODUCT_COLUMNS = ("product_name", "presentation", "doses_per_vial", "vials_per_pack", "target_group")
_PERIOD_COLUMNS = ("period", "period_months", "period_days")


def _sum_lines(lines: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    return lines.group_by(*by, "product_code").agg(
        pl.len().cast(pl.Int64).alias("facilities"),
        *(pl.col(c).first() for c in (*_PRODUCT_COLUMNS, *_PERIOD_COLUMNS)),
        # A sum over facilities without data stays null instead of becoming a misleading 0.
        *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in _SUMMED),
    )


def with_aggregates(lines: pl.LazyFrame, facilities: pl.LazyFrame, parameters: Parameters) -> pl.LazyFrame:
    below = _ancestors(facilities)
    subtree = pl.concat(
        [below, facilities.select(pl.col("facility_code").alias("ancestor_code"), "facility_code")]
    ).join(below.select("ancestor_code").unique(), on="ancestor_code", how="semi")
    names = facilities.select(
        pl.col("facility_code"), pl.col("name").alias("facility_name"), "level", "parent_code"
    )
    aggregates = (
        _sum_lines(
            lines.join(subtree, on="facility_code", how="inner").drop("facility_code"),
            ["ancestor_code"],
        )
        .rename({"ancestor_code": "facility_code"})
        .join(names, on="facility_code", how="left")
        .with_columns(pl.lit("aggregate").alias("scope"))
    )
    total = _sum_lines(lines, []).with_columns(
        pl.lit("total").alias("scope"), pl.lit("Tổng cộng").alias("facility_name")
    )
    summed = with_order(
        pl.concat([aggregates, total], how="diagonal_relaxed").with_columns(
            pl.lit("sum").alias("need_method")
        ),
        parameters,
    ).with_columns(aggregate_workings())
    rank = pl.col("scope").replace_strict(_SCOPE_RANK, return_dtype=pl.Int64)
    return (
        pl.concat([lines.select(FORECAST.names()), summed], how="diagonal_relaxed")
        .select(FORECAST.names())
        .cast(dict(FORECAST))
        .sort("product_code", rank, "facility_code", nulls_last=True)
    )
