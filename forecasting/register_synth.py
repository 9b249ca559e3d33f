"""A synthetic, deterministic child vaccination register for the Mường Tè communes (demo and bench data).

Every random draw is a splitmix64 hash of (seed, child index, draw number) computed with polars integer
expressions, so the same arguments give the same register, and millions of children are generated
without a Python loop over children. What the generator models:
- births spread over the last ``cohorts`` years before ``as_of``, shared between the 14 pre-2025 units
  (weights and remoteness are assumptions: commune populations are UNVERIFIED);
- zero-dose children, more of them in the remote border communes; series dropouts (DTP1 → DTP3);
  children who stop coming at some age, some of whom come back later and resume their series (no restart);
  delays that grow with remoteness; the 2023 national 5-in-1 stock-out (doses due in the first half of
  2023 given from July 2023);
- the 2025 merger: after 01/07/2025 children carry the new commune code, except that some born before
  the merger are still registered under their old unit's code.
Doses follow the rules of the schedule version in force on ``as_of`` (28-day "months"), and only doses
given on or before ``as_of`` are recorded, numbered 1, 2, … within each antigen.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.backlog import CHILDREN, COMMUNE_MAP, DOSES, add_span
from forecasting.schedule import DoseRule, dose_rules, load_schedule, series_of

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

STOCKOUTS = {"PENTA": (date(2023, 1, 1), date(2023, 6, 30))}
"""Product → period it was out of stock; a dose that fell in it is given after it (2023 5-in-1 shortage)."""

_MASK64 = 0xFFFFFFFFFFFFFFFF


def synth_register(
    *,
    births_per_year: int = 1000,
    cohorts: int = 5,
    as_of: date = date(2025, 12, 31),
    seed: int = 20240101,
    schedule: pl.DataFrame | None = None,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The children (``CHILDREN``) and doses given (``DOSES``) of a synthetic register as of a date."""
    rules = dose_rules(schedule if schedule is not None else load_schedule(), on=as_of)
    n_children = births_per_year * cohorts
    window_days = (as_of - as_of.replace(year=as_of.year - cohorts)).days
    draws = _Draws(seed)
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
    base = (
        pl.LazyFrame({"_i": pl.int_range(0, n_children, dtype=pl.UInt64, eager=True)})
        .with_columns(
            pl.format("MT{}", pl.col("_i").cast(pl.String).str.zfill(8)).alias("child_id"),
            pl.when(draws.uniform(2) < 0.528).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
            birth_date.alias("birth_date"),
            unit.cast(pl.Int64).alias("_unit"),
        )
        .with_columns(commune_code.alias("commune_code"), remoteness.alias("_r"))
    )
    children = base.select(CHILDREN.names())
    doses = _doses(base, rules, draws, as_of)
    return children, doses


class _Draws:
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


def _miss_probability(rule: DoseRule) -> pl.Expr:
    """Chance that a child stops a series at this dose, growing with remoteness (assumed rates)."""
    remoteness = pl.col("_r")
    if rule.antigen == "HEPB":
        return 0.15 + 0.55 * remoteness  # home births: ethnic-minority HepB birth-dose coverage ~30 %
    if rule.antigen in ("JE", "TD", "PCV", "ROTA") or rule.dose_number >= 3:
        return 0.02 + 0.08 * remoteness
    return 0.01 + 0.04 * remoteness


def _doses(base: pl.LazyFrame, rules: tuple[DoseRule, ...], draws: _Draws, as_of: date) -> pl.LazyFrame:
    """The doses each child was given, following the rules with the child's delays, dropouts and misses."""
    r = pl.col("_r")
    birth = pl.col("birth_date")
    # Draws 0-15 are the child's own (commune, birth, sex, …); each dose then takes two more.
    people = base.with_columns(
        (draws.uniform(4) < 0.01 + 0.14 * r * r).alias("_zero"),
        pl.when(draws.uniform(5) < 0.03 + 0.12 * r)
        .then(60 + draws.uniform(6) * 900)
        .cast(pl.Int64)
        .alias("_drop_day"),
        (draws.uniform(7) < 0.45).alias("_resumes"),
        (90 + draws.uniform(8) * 540).cast(pl.Int64).alias("_pause_days"),
        (3 + 18 * r + 12 * draws.uniform(9)).alias("_delay_mean"),
    ).with_columns(
        (birth + pl.duration(days=pl.col("_drop_day"))).alias("_drop_on"),
        (birth + pl.duration(days=pl.col("_drop_day") + pl.col("_pause_days"))).alias("_resume_on"),
    )
    numbered: list[tuple[str, int]] = []
    for antigen, series in series_of(rules).items():
        people = people.with_columns(
            pl.lit(0, dtype=pl.Int16).alias("_count"),
            pl.lit(None, dtype=pl.Date).alias("_prev"),
            pl.lit(None, dtype=pl.Date).alias("_start"),
            pl.lit(False).alias("_stopped"),
        )
        for rule in series:
            people = _give(people, rule, draws, 16 + 2 * len(numbered), as_of)
            numbered.append((antigen, rule.dose_number))
    people = people.select(
        "_i", "child_id", *(f"_{kind}_{a}_{n}" for a, n in numbered for kind in ("on", "n"))
    )
    # Doses are numbered 1, 2, … among those given, as a health worker numbers them on the card.
    parts = [
        people.filter(pl.col(f"_on_{a}_{n}").is_not_null()).select(
            (pl.col("_i") * len(numbered) + position).alias("_order"),
            "child_id",
            pl.lit(a).alias("antigen"),
            pl.col(f"_n_{a}_{n}").alias("dose_number"),
            pl.col(f"_on_{a}_{n}").alias("given_on"),
        )
        for position, (a, n) in enumerate(numbered)
    ]
    # Ordered by child, then antigen and dose, as a register query with ORDER BY child_id returns them.
    return pl.concat(parts).sort("_order").select(DOSES.names()).cast(dict(DOSES))


def _give(people: pl.LazyFrame, rule: DoseRule, draws: _Draws, draw: int, as_of: date) -> pl.LazyFrame:
    """Whether and when each child got this dose, given the series so far (``_prev``, ``_start``, ``_count``)."""
    birth = pl.col("birth_date")
    planned = add_span(birth, rule.recommended_age)
    if rule.min_interval is not None:
        after = add_span(pl.col("_prev"), rule.min_interval)
        if rule.late_start_age is not None and rule.late_interval is not None:
            late = pl.col("_start") >= add_span(birth, rule.late_start_age)
            after = pl.when(late).then(add_span(pl.col("_prev"), rule.late_interval)).otherwise(after)
        planned = pl.max_horizontal(planned, after)
    dropped = pl.col("_drop_on").is_not_null() & (pl.col("_planned") >= pl.col("_drop_on"))
    delay = (-(1 - draws.uniform(draw)).log() * pl.col("_delay_mean")).floor().cast(pl.Int64)
    if rule.upper_age is not None and rule.upper_age.months == 0:
        delay = pl.lit(0, dtype=pl.Int64)  # a birth dose is given at the birth, or not at all
    missed = draws.uniform(draw + 1) < _miss_probability(rule)
    came = pl.when(dropped).then(pl.max_horizontal("_planned", "_resume_on")).otherwise("_planned")
    stopped = pl.col("_stopped") if rule.requires_previous else pl.lit(False)
    given = (
        ~pl.col("_zero")
        & ~stopped
        & ~missed
        & (~dropped | pl.col("_resumes"))
        & (pl.col("_given_on") <= as_of)
    )
    if rule.upper_age is not None:
        given = given & (pl.col("_given_on") < add_span(birth, rule.upper_age))
    if rule.born_from is not None:
        given = given & (birth >= rule.born_from)
    return (
        people.with_columns(planned.alias("_planned"))
        .with_columns((came + pl.duration(days=delay)).alias("_given_on"))
        .with_columns(_given_in_stock(rule, delay))
        .with_columns(given.alias("_given"))
        .with_columns(
            (pl.col("_count") + pl.col("_given").cast(pl.Int16)).alias("_count"),
            pl.when("_given").then("_given_on").otherwise("_prev").alias("_prev"),
            pl.when(pl.col("_given") & pl.col("_start").is_null())
            .then("_given_on")
            .otherwise("_start")
            .alias("_start"),
            (pl.col("_stopped") | ~pl.col("_given")).alias("_stopped"),
        )
        .with_columns(
            pl.when("_given").then("_given_on").alias(f"_on_{rule.antigen}_{rule.dose_number}"),
            pl.col("_count").alias(f"_n_{rule.antigen}_{rule.dose_number}"),
        )
    )


def _given_in_stock(rule: DoseRule, delay: pl.Expr) -> pl.Expr:
    """The date a dose is given, moved past a stock-out of its product (then the child's usual delay again)."""
    period = STOCKOUTS.get(rule.product_code)
    if period is None:
        return pl.col("_given_on")
    first, last = period
    return (
        pl.when(pl.col("_given_on").is_between(first, last))
        .then(pl.lit(last) + pl.duration(days=delay + 1))
        .otherwise(pl.col("_given_on"))
        .alias("_given_on")
    )
