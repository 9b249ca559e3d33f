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

Here the vaccination histories; the children (units, draws, births) are in forecasting.register_synth_children,
who they are (names, carers, villages, phones) in forecasting.register_synth_people.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.backlog import CHILDREN, DOSES, add_span
from forecasting.register_synth_children import Draws, children_base
from forecasting.schedule import DoseRule, dose_rules, load_schedule, series_of

STOCKOUTS = {"PENTA": (date(2023, 1, 1), date(2023, 6, 30))}
"""Product → period it was out of stock; a dose that fell in it is given after it (2023 5-in-1 shortage)."""


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
    draws = Draws(seed)
    base = children_base(births_per_year, cohorts, as_of, draws)
    children = base.select(CHILDREN.names())
    doses = _doses(base, rules, draws, as_of)
    return children, doses


def _miss_probability(rule: DoseRule) -> pl.Expr:
    """Chance that a child stops a series at this dose, growing with remoteness (assumed rates)."""
    remoteness = pl.col("_r")
    if rule.antigen == "HEPB":
        return 0.15 + 0.55 * remoteness  # home births: ethnic-minority HepB birth-dose coverage ~30 %
    if rule.antigen in ("JE", "TD", "PCV", "ROTA") or rule.dose_number >= 3:
        return 0.02 + 0.08 * remoteness
    return 0.01 + 0.04 * remoteness


def _doses(base: pl.LazyFrame, rules: tuple[DoseRule, ...], draws: Draws, as_of: date) -> pl.LazyFrame:
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


def _give(people: pl.LazyFrame, rule: DoseRule, draws: Draws, draw: int, as_of: date) -> pl.LazyFrame:
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
