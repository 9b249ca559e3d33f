"""The reports' tables from the summed rows: set-based polars (one aggregation per measure for every facility,
group and month at once), rates in exact integer arithmetic rounded half-up once (reports.domain)."""

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
DTP1, DTP3, MCV1 = ("DTP", 1), ("DTP", 3), ("MEASLES", 1)
GROUP_KEYS = ["scope", "facility_code"]


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


# ---- immunization results ------------------------------------------------------------------------------------


def result_groups(communes: pl.DataFrame, root: dict[str, Any]) -> pl.DataFrame:
    """Who each row of the results report adds up: (scope, facility_code, district_code, member, group):
    every commune alone, then each district's communes (root above the districts), then all of them."""
    one = pl.col("facility_code")
    parts = [communes.select(pl.lit("facility").alias("scope"), one, "district_code", one.alias("member"))]
    if root["level"] == "province":
        parts.append(
            communes.filter(pl.col("district_code").is_not_null())
            .sort("district_code", maintain_order=True)
            .select(
                pl.lit("district").alias("scope"),
                pl.col("district_code").alias("facility_code"),
                "district_code",
                one.alias("member"),
            )
        )
    if communes.height > 1 or root["level"] != "commune":
        parts.append(
            communes.select(
                pl.lit("total").alias("scope"),
                pl.lit(root["facility_code"]).alias("facility_code"),
                pl.lit(None, dtype=pl.String).alias("district_code"),
                one.alias("member"),
            )
        )
    members = pl.concat(parts, how="vertical_relaxed")
    order = members.select(GROUP_KEYS).unique(maintain_order=True).with_row_index("group")
    return members.join(order, on=GROUP_KEYS, maintain_order="left")


def results_tables(
    *,
    groups: pl.DataFrame,
    names: dict[str, str],
    doses: list[tuple[str, int]],
    given: pl.DataFrame,
    done: pl.DataFrame,
    zero: pl.DataFrame,
    targets: pl.DataFrame,
    scale: tuple[int, int],
    months: tuple[int, int, int],
    limits: tuple[int, int],
) -> dict[str, pl.DataFrame]:
    """The results report's three tables, every group × dose × month at once.

    ``given`` (facility_code, antigen, dose_number, ym, doses), ``done`` (facility_code, ym, children),
    ``zero`` (facility_code, zero_dose): the register's sums per commune. ``targets`` (facility_code,
    antigen, dose_number, target, goal): the annual target population × ``scale[0]`` and the coverage goal ×
    ``scale[1]``, both whole numbers, so that every sum and rate is exact. ``months``: the period's first and
    last month and January's (month indexes). ``limits``: the dropout and coverage thresholds (%)."""
    first, last, january = months
    d1, d2 = scale
    period_months, ytd_months = last - first + 1, last - january + 1
    heads = groups.select("group", *GROUP_KEYS, "district_code").unique("group").sort("group")
    heads = heads.with_columns(pl.col("facility_code").replace(names).alias("facility_name"))
    member = ["group", "member"]
    per_group = groups.select(member)
    within = pl.col("ym").is_between(first, last)
    counted = (
        given.join(per_group, left_on="facility_code", right_on="member")
        .group_by("group", "antigen", "dose_number")
        .agg(pl.col("doses").filter(within).sum().alias("doses"), pl.col("doses").sum().alias("doses_ytd"))
    )
    aimed = (
        targets.join(per_group, left_on="facility_code", right_on="member")
        .group_by("group", "antigen", "dose_number")
        .agg(pl.col("target").sum(), (pl.col("target") * pl.col("goal")).sum().alias("aim"))
    )
    dose_keys = pl.DataFrame(
        sorted(doses), schema={"antigen": pl.String, "dose_number": pl.Int64}, orient="row"
    )
    on = ["group", "antigen", "dose_number"]
    cells = (
        heads.join(dose_keys, how="cross")
        .join(counted, on=on, how="left")
        .join(aimed, on=on, how="left")
        .with_columns(pl.col("doses", "doses_ytd").fill_null(0), pl.col("target", "aim").fill_null(0))
    )
    t, aim = pl.col("target"), pl.col("aim")
    pct = domain.PERCENT_DECIMALS
    dose_table = cells.sort(on).select(
        "scope",
        "facility_code",
        "facility_name",
        "antigen",
        "dose_number",
        "doses",
        half_up(t * period_months, pl.lit(12 * d1), places=1, times=1).alias("target"),
        half_up(pl.col("doses") * 12 * d1, t * period_months, places=pct).alias("coverage"),
        "doses_ytd",
        half_up(t, pl.lit(d1), places=1, times=1).alias("annual_target"),
        half_up(pl.col("doses_ytd") * d1, t, places=pct).alias("coverage_ytd"),
        half_up(aim * ytd_months, pl.lit(12 * d1 * d2), places=0, times=1).alias("plan_ytd"),
        half_up(pl.col("doses_ytd") * 12 * d1 * d2, aim * ytd_months, places=pct).alias("plan_ytd_share"),
    )

    def pick(frame: pl.DataFrame, key: tuple[str, int], columns: dict[str, str]) -> pl.DataFrame:
        return frame.filter(pl.col("antigen") == key[0], pl.col("dose_number") == key[1]).select(
            "group", *(pl.col(c).alias(a) for c, a in columns.items())
        )

    summary = heads
    for label, key in (("dtp1", DTP1), ("dtp3", DTP3), ("mcv1", MCV1)):
        summary = summary.join(
            pick(counted, key, {"doses": label, "doses_ytd": f"{label}_ytd"}), on="group", how="left"
        )
    for label, key in (("dtp3", DTP3), ("mcv1", MCV1)):
        summary = summary.join(
            pick(aimed, key, {"target": f"target_{label}", "aim": f"aim_{label}"}), on="group", how="left"
        )
    fic = (
        done.join(per_group, left_on="facility_code", right_on="member")
        .group_by("group")
        .agg(
            pl.col("children").filter(within).sum().alias("fully_immunized"),
            pl.col("children").sum().alias("fully_immunized_ytd"),
        )
    )
    zeros = (
        zero.join(per_group, left_on="facility_code", right_on="member")
        .group_by("group")
        .agg(pl.col("zero_dose").sum())
    )
    summary = (
        summary.join(fic, on="group", how="left")
        .join(zeros, on="group", how="left")
        .with_columns(
            pl.exclude("scope", "facility_code", "facility_name", "district_code", "group").fill_null(0)
        )
        .sort("group")
    )
    dtp1, dtp3, mcv1 = pl.col("dtp1"), pl.col("dtp3"), pl.col("mcv1")
    dtp1_y, dtp3_y, mcv1_y = pl.col("dtp1_ytd"), pl.col("dtp3_ytd"), pl.col("mcv1_ytd")
    t3, tm = pl.col("target_dtp3"), pl.col("target_mcv1")
    dropout_limit, coverage_limit = limits

    def above(first_dose: pl.Expr, later: pl.Expr) -> pl.Expr:
        """Dropout (first − later) ÷ first × 100 > the limit, exactly; never without a first dose."""
        return (first_dose > 0) & ((first_dose - later) * 100 > first_dose * dropout_limit)

    summary_table = summary.select(
        "scope",
        "facility_code",
        "facility_name",
        "district_code",
        "dtp1",
        "dtp3",
        "mcv1",
        half_up(dtp1 - dtp3, dtp1, places=pct).alias("dropout_dtp1_dtp3"),
        half_up(dtp1 - mcv1, dtp1, places=pct).alias("dropout_dtp1_mcv1"),
        half_up(dtp3 * 12 * d1, t3 * period_months, places=pct).alias("coverage_dtp3"),
        half_up(mcv1 * 12 * d1, tm * period_months, places=pct).alias("coverage_mcv1"),
        "fully_immunized",
        "zero_dose",
        "dtp1_ytd",
        "dtp3_ytd",
        "mcv1_ytd",
        half_up(dtp1_y - dtp3_y, dtp1_y, places=pct).alias("dropout_dtp1_dtp3_ytd"),
        half_up(dtp1_y - mcv1_y, dtp1_y, places=pct).alias("dropout_dtp1_mcv1_ytd"),
        half_up(dtp3_y * 12 * d1, t3 * ytd_months, places=pct).alias("coverage_dtp3_ytd"),
        "fully_immunized_ytd",
        (above(dtp1, dtp3) | above(dtp1, mcv1)).alias("high_dropout"),
        (
            (t3 > 0)
            & (dtp3.cast(pl.Int128) * 1200 * d1 < t3.cast(pl.Int128) * period_months * coverage_limit)
        ).alias("low_coverage"),
    )

    calendar = pl.DataFrame({"ym": list(range(january, last + 1))}, schema={"ym": pl.Int64})
    by_month = given.join(per_group, left_on="facility_code", right_on="member")
    monthly = heads.select("group", *GROUP_KEYS).join(calendar, how="cross")
    for label, key in (("dtp1", DTP1), ("dtp3", DTP3), ("mcv1", MCV1)):
        part = (
            by_month.filter(pl.col("antigen") == key[0], pl.col("dose_number") == key[1])
            .group_by("group", "ym")
            .agg(pl.col("doses").sum().alias(label))
        )
        monthly = monthly.join(part, on=["group", "ym"], how="left")
    targets3 = summary.select("group", "target_dtp3", "aim_dtp3", "target_mcv1")
    monthly = (
        monthly.with_columns(pl.col("dtp1", "dtp3", "mcv1").fill_null(0))
        .join(targets3, on="group", how="left")
        .sort("group", "ym")
        .with_columns(
            pl.col("dtp3").cum_sum().over("group").alias("dtp3_cumulative"),
            pl.col("mcv1").cum_sum().over("group").alias("mcv1_cumulative"),
            (pl.col("ym") - january + 1).alias("_month_number"),
        )
    )
    monthly_table = monthly.select(
        *GROUP_KEYS,
        pl.date(pl.col("ym") // 12, pl.col("ym") % 12 + 1, 1).alias("month"),
        "dtp1",
        "dtp3",
        "mcv1",
        "dtp3_cumulative",
        "mcv1_cumulative",
        half_up(pl.col("dtp3_cumulative") * d1, t3, places=pct).alias("coverage_dtp3_cumulative"),
        half_up(pl.col("mcv1_cumulative") * d1, tm, places=pct).alias("coverage_mcv1_cumulative"),
        half_up(pl.col("aim_dtp3") * pl.col("_month_number"), t3 * d2 * 12, places=pct).alias(
            "plan_cumulative"
        ),
    )
    return {"results": summary_table, "results_doses": dose_table, "results_by_month": monthly_table}
