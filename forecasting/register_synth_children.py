"""The synthetic Mường Tè register's children: the 14 pre-2025 units and the 2025 merger, the deterministic
per-child draws, and one row per child (birth, sex, commune code, remoteness). See forecasting.register_synth
for what the generator models."""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.backlog import COMMUNE_MAP

MERGER_DATE = date(2025, 7, 1)
"""Date the 14 Mường Tè units became 7 communes (Nghị quyết 1670/NQ-UBTVQH15)."""

MUONG_TE_UNITS = pl.DataFrame(
    [
        # old code, old unit, new code, new commune, remoteness 0..1 (assumed), share of births (assumed)
        ("03433", "Thị trấn Mường Tè", "03433", "Xã Bum Tở", 0.0, 0.11),
        ("03454", "Xã Bum Tở", "03433", "Xã Bum Tở", 0.3, 0.07),
        ("03469", "Xã Kan Hồ", "03433", "Xã Bum Tở", 0.5, 0.06),
        ("03466", "Xã Bum Nưa", "03466", "Xã Bum Nưa", 0.2, 0.08),
        ("03448", "Xã Pa Vệ Sủ", "03466", "Xã Bum Nưa", 0.8, 0.08),
        ("03445", "Xã Mường Tè", "03445", "Xã Mường Tè", 0.4, 0.08),
        ("03457", "Xã Nậm Khao", "03445", "Xã Mường Tè", 0.5, 0.05),
        ("03436", "Xã Thu Lũm", "03439", "Xã Thu Lũm", 0.9, 0.06),
        ("03439", "Xã Ka Lăng", "03439", "Xã Thu Lũm", 0.9, 0.08),
        ("03442", "Xã Pa Ủ", "03442", "Xã Pa Ủ", 1.0, 0.09),
        ("03440", "Xã Tá Bạ", "03442", "Xã Pa Ủ", 0.8, 0.07),
        ("03451", "Xã Mù Cả", "03451", "Xã Mù Cả", 1.0, 0.07),
        ("03463", "Xã Tà Tổng", "03463", "Xã Tà Tổng", 0.6, 0.08),
        ("03467", "Xã Vàng San", "03460", "Xã Hua Bum", 0.4, 0.02),
    ],
    schema={
        "old_code": pl.String,
        "old_name": pl.String,
        "new_code": pl.String,
        "new_name": pl.String,
        "remoteness": pl.Float64,
        "births_share": pl.Float64,
    },
    orient="row",
)

MUONG_TE_COMMUNE_MAP = MUONG_TE_UNITS.select(COMMUNE_MAP.names()).cast(dict(COMMUNE_MAP))
"""Old → new commune codes of the 2025 merger (vietnam-epi.md §5.2); unchanged codes map to themselves."""

OLD_CODE_SHARE = 0.25
"""Share of children born before the merger in a merged unit who are still registered under the old code."""

_MASK64 = 0xFFFFFFFFFFFFFFFF


class Draws:
    """Deterministic uniform draws in [0, 1) per child and draw number (splitmix64 of the child index)."""

    def __init__(self, seed: int) -> None:
        self.seed = (seed * 0xD1B54A32D192ED03) & _MASK64

    def uniform(self, draw: int) -> pl.Expr:
        """The ``draw``-th uniform number of each child (column ``_i``)."""
        z = pl.col("_i") * 4096 + pl.lit((self.seed + draw * 0x9E3779B97F4A7C15) & _MASK64, dtype=pl.UInt64)
        z = (z ^ (z // 2**30)) * pl.lit(0xBF58476D1CE4E5B9, dtype=pl.UInt64)
        z = (z ^ (z // 2**27)) * pl.lit(0x94D049BB133111EB, dtype=pl.UInt64)
        z = z ^ (z // 2**31)
        return (z // 2**11).cast(pl.Float64) / float(2**53)


def children_base(births_per_year: int, cohorts: int, as_of: date, draws: Draws) -> pl.LazyFrame:
    """One row per child: code, sex, birth date, unit (index into MUONG_TE_UNITS), commune code, remoteness."""
    n_children = births_per_year * cohorts
    window_days = (as_of - as_of.replace(year=as_of.year - cohorts)).days
    units = MUONG_TE_UNITS.with_columns(pl.col("births_share") / pl.col("births_share").sum())
    cumulative = units["births_share"].cum_sum()
    unit = pl.lit(cumulative).search_sorted(draws.uniform(0) * cumulative[-1]).clip(0, units.height - 1)
    remoteness = pl.lit(units["remoteness"]).gather(pl.col("_unit"))
    old_code, new_code = (
        pl.lit(units["old_code"]).gather(pl.col("_unit")),
        pl.lit(units["new_code"]).gather(pl.col("_unit")),
    )
    birth_date = pl.lit(as_of) - pl.duration(days=(draws.uniform(1) * window_days).floor().cast(pl.Int64))
    keeps_old_code = (pl.col("birth_date") < MERGER_DATE) & (draws.uniform(3) < OLD_CODE_SHARE)
    if as_of >= MERGER_DATE:
        commune_code = pl.when(keeps_old_code).then(old_code).otherwise(new_code)
    else:
        commune_code = old_code
    return (
        pl.LazyFrame({"_i": pl.int_range(0, n_children, dtype=pl.UInt64, eager=True)})
        .with_columns(
            pl.format("MT{}", pl.col("_i").cast(pl.String).str.zfill(8)).alias("child_id"),
            pl.when(draws.uniform(2) < 0.528).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
            birth_date.alias("birth_date"),
            unit.cast(pl.Int64).alias("_unit"),
        )
        .with_columns(commune_code.alias("commune_code"), remoteness.alias("_r"))
    )
