"""The reports' tables from the summed rows: set-based polars (one aggregation per measure for every facility,
group and month at once), rates in exact integer arithmetic rounded half-up once (reports.domain). Here the
report's columns of a movement, the rounding, and the usage report's counts and roll-ups; the immunization
results' tables are in reports.result_tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from inventory.reports import domain

WASTED = tuple(f"wasted_{r}" for r in domain.CLOSED_VIAL_REASONS)
COUNTS = (
    "opening",
    "received",
    "issued",
    "doses_used",
    "administered",
    *WASTED,
    "closed_vial_wastage",
    "open_vial_wastage",
    "open_vial_wastage_ytd",
    "adjustments",
    "closing",
)
"""The count columns of the usage report, in the order of the form."""
RATES = ("usage_rate", "wastage_rate", "wastage_factor", "open_vial_wastage_rate", "closed_vial_wastage_rate")
CATEGORIES = ("received", "issued", "doses_used", *WASTED, "adjustments")
OUTFLOWS = ("issued", "doses_used", *WASTED)
"""Categories shown as positive doses though they leave the stock."""


def category() -> pl.Expr:
    """The column of the report a movement counts in, from its kind and adjustment reason."""
    kind, reason = pl.col("kind"), pl.col("reason")
    expr = (
        pl.when(kind == "opening")
        .then(pl.lit("opening"))
        .when(kind.is_in(["receipt", "direct_receipt", "shipment_receipt"]))
        .then(pl.lit("received"))
        .when(kind.is_in(["issue", "peer_transfer", "return"]))
        .then(pl.lit("issued"))
        .when(kind == "usage")
        .then(pl.lit("doses_used"))
    )
    for r in domain.CLOSED_VIAL_REASONS:
        expr = expr.when((kind == "adjustment") & (reason == r)).then(pl.lit(f"wasted_{r}"))
    return expr.otherwise(pl.lit("adjustments")).alias("category")


def signed() -> pl.Expr:
    """Doses as the report shows them: outflows positive."""
    return pl.when(pl.col("category").is_in(OUTFLOWS)).then(-pl.col("doses")).otherwise(pl.col("doses"))


def half_up(numerator: pl.Expr, denominator: pl.Expr, *, places: int, times: int = 100) -> pl.Expr:
    """numerator × times ÷ denominator rounded half away from zero to ``places`` decimals, in 128-bit integer
    arithmetic (so exact, like domain.round_half_up on the fraction); null when the denominator is 0."""
    scale = 10**places
    n = numerator.cast(pl.Int128) * (times * scale)
    d = denominator.cast(pl.Int128)
    quotient = n.abs() // d.abs()
    rest = n.abs() % d.abs()
    rounded = quotient + (2 * rest >= d.abs()).cast(pl.Int128)
    # divide by a column, not a literal: polars turns "/ literal" into "× reciprocal" (33.300000000000004)
    divisor = (n * 0 + scale).cast(pl.Float64)
    return pl.when(d == 0).then(None).otherwise((n.sign() * d.sign() * rounded).cast(pl.Float64) / divisor)


def rate_columns() -> list[pl.Expr]:
    """The usage report's rates from its counts: doses used = opened + closed-vial wastage (S31, S33)."""
    given, opened, closed = pl.col("administered"), pl.col("doses_used"), pl.col("closed_vial_wastage")
    used = opened + closed
    return [
        half_up(given, used, places=domain.PERCENT_DECIMALS).alias("usage_rate"),
        half_up(used - given, used, places=domain.PERCENT_DECIMALS).alias("wastage_rate"),
        half_up(used, given, places=domain.FACTOR_DECIMALS, times=1).alias("wastage_factor"),
        half_up(opened - given, opened, places=domain.PERCENT_DECIMALS).alias("open_vial_wastage_rate"),
        half_up(closed, used, places=domain.PERCENT_DECIMALS).alias("closed_vial_wastage_rate"),
    ]


def closing() -> pl.Expr:
    return (
        pl.col("opening")
        + pl.col("received")
        - pl.col("issued")
        - pl.col("doses_used")
        - pl.col("closed_vial_wastage")
        + pl.col("adjustments")
    ).alias("closing")


# ---- vaccine usage and wastage ------------------------------------------------------------------------------


def usage_by_month(moves: pl.DataFrame, given: pl.DataFrame) -> pl.DataFrame:
    """Doses used, closed-vial wastage, doses given and open-vial wastage per facility × product × month."""
    keys = ["facility_id", "product_code", "ym"]
    used = (
        moves.filter(pl.col("ym") >= 0)
        .group_by(keys)
        .agg(
            pl.col("value").filter(pl.col("category") == "doses_used").sum().alias("doses_used"),
            pl.col("value").filter(pl.col("category").is_in(WASTED)).sum().alias("closed_vial_wastage"),
        )
    )
    return (
        used.join(given.select(*keys, "administered"), on=keys, how="full", coalesce=True)
        .with_columns(pl.col("doses_used", "closed_vial_wastage", "administered").fill_null(0))
        .with_columns((pl.col("doses_used") - pl.col("administered")).alias("open_vial_wastage"))
        .filter(
            (pl.col("doses_used") != 0) | (pl.col("administered") != 0) | (pl.col("closed_vial_wastage") != 0)
        )
    )


def usage_rows(
    moves: pl.DataFrame, given: pl.DataFrame, first: int, last: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The usage report's counts per facility × product over months [first, last] and its months from January
    (``moves``: MONTHLY_MOVES, ``given``: ADMINISTERED, both from January of the period's year)."""
    keys = ["facility_id", "product_code"]
    moves = moves.with_columns(category()).with_columns(signed().alias("value"))
    monthly = usage_by_month(moves, given)
    opening = moves.filter(pl.col("ym") < first).group_by(keys).agg(pl.col("doses").sum().alias("opening"))
    within = moves.filter(pl.col("ym").is_between(first, last), pl.col("category") != "opening")
    sums = within.group_by(keys).agg(
        pl.col("value").filter(pl.col("category") == c).sum().alias(c) for c in CATEGORIES
    )
    administered = (
        given.filter(pl.col("ym").is_between(first, last)).group_by(keys).agg(pl.col("administered").sum())
    )
    ytd = (
        monthly.filter(pl.col("ym") <= last)
        .group_by(keys)
        .agg(pl.col("open_vial_wastage").sum().alias("open_vial_wastage_ytd"))
    )
    rows = (
        opening.join(sums, on=keys, how="full", coalesce=True)
        .join(administered, on=keys, how="full", coalesce=True)
        .join(ytd, on=keys, how="full", coalesce=True)
        .with_columns(pl.col(["opening", *CATEGORIES, "administered", "open_vial_wastage_ytd"]).fill_null(0))
        .with_columns(pl.sum_horizontal(*WASTED).alias("closed_vial_wastage"))
        .with_columns((pl.col("doses_used") - pl.col("administered")).alias("open_vial_wastage"), closing())
    )
    return rows, monthly.filter(pl.col("ym") <= last)


def rolled_up(
    rows: pl.DataFrame, tree: pl.DataFrame, root: dict[str, Any], keys: list[str], counts: Sequence[str]
) -> pl.DataFrame:
    """Facility rows, then per district (its store and the communes it supplies) when the root is above
    the districts, then the root's total when there are several facilities."""
    named = rows.join(
        tree.select("facility_id", "facility_code", "facility_name", "level", "district_code"),
        on="facility_id",
    ).drop("facility_id")
    parts = [named.with_columns(pl.lit("facility").alias("scope"))]
    names = dict(tree.select("facility_code", "facility_name").iter_rows())
    if root["level"] == "province":
        districts = (
            named.filter(pl.col("district_code").is_not_null())
            .group_by("district_code", *keys)
            .agg(pl.col(list(counts)).sum())
            .with_columns(
                pl.col("district_code").alias("facility_code"),
                pl.col("district_code").replace_strict(names, default=None).alias("facility_name"),
                pl.lit("district").alias("level"),
                pl.lit("district").alias("scope"),
            )
        )
        parts.append(districts)
    if tree.height > 1:
        parts.append(
            named.group_by(keys)
            .agg(pl.col(list(counts)).sum())
            .with_columns(
                pl.lit(root["facility_code"]).alias("facility_code"),
                pl.lit(root["facility_name"]).alias("facility_name"),
                pl.lit(root["level"]).alias("level"),
                pl.lit(None, dtype=pl.String).alias("district_code"),
                pl.lit("total").alias("scope"),
            )
        )
    columns = ["scope", "facility_code", "facility_name", "level", "district_code", *keys, *counts]
    order = {"facility": 0, "district": 1, "total": 2}
    return (
        pl.concat([p.select(columns) for p in parts], how="vertical_relaxed")
        .with_columns(pl.col("scope").replace_strict(order, return_dtype=pl.Int8).alias("_order"))
        .sort("_order", "facility_code", *keys)
        .drop("_order")
    )
