"""The immunization results report's tables from the register's sums: every group (commune, district, total)
× dose × month at once in set-based polars; rates in exact integer arithmetic rounded half-up once."""

from __future__ import annotations

from typing import Any

import polars as pl

from inventory.reports import domain
from inventory.reports.tables import half_up

DTP1, DTP3, MCV1 = ("DTP", 1), ("DTP", 3), ("MEASLES", 1)
GROUP_KEYS = ["scope", "facility_code"]


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
