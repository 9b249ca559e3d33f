"""The per-dose plan engine: the wide per-child plan, its per-dose rows, and ``dose_plan``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from forecasting.backlog.schemas import (
    _AGED_OUT,
    _DUE,
    _NOT_YET,
    _OPEN,
    _OVERDUE,
    _RECEIVED,
    CHILDREN,
    COMMUNE_MAP,
    DEFAULT_GRACE_DAYS,
    DOSE_PLAN,
    DOSE_STATE,
    LIVE_ANTIGENS,
    LIVE_SPACING_DAYS,
    MAX_DOSE_NUMBER,
)
from forecasting.schedule import DEFAULT_ONE_MONTH_DAYS, DoseRule, Span, dose_rules, series_of

_COUNT_BITS = 6
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
_EPOCH_INDEX = (_FIRST_DAY - date(1970, 1, 1)).days
_CALENDAR_DAYS = (_LAST_DAY - _FIRST_DAY).days + 1


def dose_plan(
    children: pl.LazyFrame,
    doses: pl.LazyFrame,
    *,
    schedule: pl.DataFrame,
    as_of: date,
    version: str | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    one_month_days: int | None = DEFAULT_ONE_MONTH_DAYS,
    commune_map: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Every applicable schedule dose of every child as of a date (``DOSE_PLAN``): a child's record card."""
    rules = dose_rules(schedule, on=as_of, version=version, one_month_days=one_month_days)
    plan = _long_plan(_wide_plan(children, doses, rules, as_of, grace_days, commune_map), rules)
    given = (
        doses.select("child_id", "antigen", "dose_number", "given_on")
        .filter(pl.col("given_on") <= as_of, pl.col("dose_number").is_between(1, MAX_DOSE_NUMBER))
        .with_columns(
            pl.col("given_on").rank("ordinal").over("child_id", "antigen").cast(pl.Int16).alias("dose_number")
        )
        .select("child_id", "antigen", "dose_number", "given_on")
    )
    return (
        plan.join(given, on=["child_id", "antigen", "dose_number"], how="left")
        .with_columns(pl.when(pl.col("state") == "received").then(pl.col("given_on")).alias("given_on"))
        .select(DOSE_PLAN.names())
        .sort("commune_code", "child_id", "antigen", "dose_number")
    )


def add_span(day: pl.Expr, span: Span) -> pl.Expr:
    """``day`` plus whole calendar months (clamped to the month's end), then days; null outside 1900–2199."""
    if span.months:
        # A lookup in a precomputed calendar is ~15x faster than dt.offset_by("Nmo") on millions of rows.
        index = day.cast(pl.Int32) - _EPOCH_INDEX
        index = pl.when((index >= 0) & (index < _CALENDAR_DAYS)).then(index)
        day = pl.lit(_months_later(span.months)).gather(index)
    if span.days:
        day = day + pl.duration(days=span.days)
    return day


@functools.cache
def _months_later(months: int) -> pl.Series:
    calendar = pl.date_range(_FIRST_DAY, _LAST_DAY, "1d", eager=True)
    return calendar.dt.offset_by(f"{months}mo")


def _schedule_doses(rules: Sequence[DoseRule]) -> pl.LazyFrame:
    """The schedule doses keyed by their state column's name in the wide plan."""
    return pl.LazyFrame(
        [(_state(r), r.antigen, r.dose_number, r.product_code) for r in rules],
        schema={
            "column": pl.String,
            "antigen": pl.String,
            "dose_number": pl.Int16,
            "product_code": pl.String,
        },
        orient="row",
    )


def _state(rule: DoseRule) -> str:
    return f"_st_{rule.antigen}_{rule.dose_number}"


def _earliest(rule: DoseRule) -> str:
    return f"_ea_{rule.antigen}_{rule.dose_number}"


def _age_column(span: Span) -> str:
    return f"_age_{span.months}m{span.days}d"


def _children(children: pl.LazyFrame, commune_map: pl.LazyFrame | None) -> pl.LazyFrame:
    """Children with their current commune code: codes found among ``old_code`` become ``new_code``."""
    children = children.select(CHILDREN.names())
    if commune_map is None:
        return children
    mapping = commune_map.select(COMMUNE_MAP.names()).unique("old_code")
    return (
        children.join(mapping, left_on="commune_code", right_on="old_code", how="left")
        .with_columns(pl.coalesce("new_code", "commune_code").alias("commune_code"))
        .drop("new_code")
    )


def _series_stats(doses: pl.LazyFrame, series: dict[str, tuple[DoseRule, ...]], as_of: date) -> pl.LazyFrame:
    """Per child and antigen series: doses given by ``as_of``, the last date, and the first where a rule needs it."""
    # The counts of up to ten series share one packed 64-bit sum, 6 bits each: one aggregation instead of ten
    # in the costliest step of the backlog. Dose numbers are unique per child and antigen and kept to
    # 1..MAX_DOSE_NUMBER, so a count never passes 63 and never spills into its neighbour's bits.
    given = {a: pl.when(pl.col("antigen") == a).then(pl.col("given_on")) for a in series}
    aggregations = []
    for word, antigens in enumerate(_count_words(list(series))):
        increment = pl.lit(0, dtype=pl.UInt64)
        for slot, antigen in enumerate(antigens):
            bit = pl.lit(1 << (_COUNT_BITS * slot), dtype=pl.UInt64)
            increment = pl.when(pl.col("antigen") == antigen).then(bit).otherwise(increment)
        aggregations.append(increment.sum().alias(f"_counts_{word}"))
    for antigen in _live(series):
        aggregations.append(given[antigen].max().alias(f"_live_{antigen}"))
    for antigen, rules in series.items():
        if _needs_last(rules):
            aggregations.append(given[antigen].max().alias(f"_prev_{antigen}"))
        if _needs_first(rules):
            aggregations.append(given[antigen].min().alias(f"_start_{antigen}"))
    return (
        doses.select("child_id", "antigen", "dose_number", "given_on")
        .filter(
            pl.col("antigen").is_in(list(series)),
            pl.col("given_on") <= as_of,
            pl.col("dose_number").is_between(1, MAX_DOSE_NUMBER),
        )
        .group_by("child_id")
        .agg(aggregations)
    )


def _live(series: dict[str, tuple[DoseRule, ...]]) -> list[str]:
    """The series' live antigens that are spaced from one another, when there are at least two."""
    live = [a for a in series if a in LIVE_ANTIGENS]
    return live if len(live) > 1 else []


def _needs_last(series: tuple[DoseRule, ...]) -> bool:
    """Whether a series needs its last dose date: only to space a next dose from it."""
    return len(series) > 1


def _needs_first(series: tuple[DoseRule, ...]) -> bool:
    """Whether a series needs its first dose date: only for a late-start interval."""
    return any(rule.late_interval is not None for rule in series)


def _count_words(antigens: list[str]) -> list[list[str]]:
    per_word = 64 // _COUNT_BITS
    return [antigens[i : i + per_word] for i in range(0, len(antigens), per_word)]


def _unpacked_counts(antigens: list[str]) -> list[pl.Expr]:
    """The per-series dose counts out of the packed sums (0 for a child with no dose at all)."""
    counts = []
    for word, chunk in enumerate(_count_words(antigens)):
        packed = pl.col(f"_counts_{word}").fill_null(0)
        for slot, antigen in enumerate(chunk):
            counts.append((packed // (1 << (_COUNT_BITS * slot)) % (1 << _COUNT_BITS)).alias(f"_k_{antigen}"))
    return counts


def _wide_plan(
    children: pl.LazyFrame,
    doses: pl.LazyFrame,
    rules: Sequence[DoseRule],
    as_of: date,
    grace_days: int,
    commune_map: pl.LazyFrame | None,
    *,
    keep_earliest: bool = True,
) -> pl.LazyFrame:
    """One row per child with a state column (and an earliest-date column) per schedule dose."""
    series = series_of(tuple(rules))
    antigens = list(series)
    today = pl.lit(as_of)
    overdue_before = pl.lit(as_of - timedelta(days=grace_days))
    ages = {
        span
        for r in rules
        for span in (r.recommended_age, r.minimum_age, r.upper_age, r.late_start_age)
        if span
    }
    birth = pl.col("birth_date")
    not_aggregated = [f"_prev_{a}" for a, doses_ in series.items() if not _needs_last(doses_)]
    not_aggregated += [f"_start_{a}" for a, doses_ in series.items() if not _needs_first(doses_)]
    wide = (
        _children(children, commune_map)
        .join(_series_stats(doses, series, as_of), on="child_id", how="left")
        .with_columns(
            *_unpacked_counts(antigens),
            *(add_span(birth, span).alias(_age_column(span)) for span in ages),
            *(pl.lit(None, dtype=pl.Date).alias(name) for name in not_aggregated),
            *(pl.lit(False).alias(f"_blk_{a}") for a in antigens),
        )
    )
    for position in range(1, max(len(doses_) for doses_ in series.values()) + 1):
        # Dose ``position`` of every series at once; each step reads the chain the previous step left.
        step = [doses_[position - 1] for doses_ in series.values() if len(doses_) >= position]
        wide = wide.with_columns(
            _earliest_expr(rule, today, _live(series)).alias(_earliest(rule)) for rule in step
        )
        wide = wide.with_columns(
            _state_expr(rule, today, overdue_before).alias(_state(rule)) for rule in step
        )
        later = [rule for rule in step if rule.dose_number < len(series[rule.antigen])]
        wide = wide.with_columns(expr for rule in later for expr in _chain_exprs(rule, today))
        if not keep_earliest:
            wide = wide.drop(_earliest(rule) for rule in step)
    scratch = [f"_{kind}_{a}" for a in antigens for kind in ("k", "prev", "start", "blk")]
    scratch += [f"_live_{a}" for a in _live(series)]
    packed = [f"_counts_{word}" for word in range(len(_count_words(antigens)))]
    return wide.drop(*scratch, *packed, *(_age_column(span) for span in ages))


def _earliest_expr(rule: DoseRule, today: pl.Expr, live: list[str]) -> pl.Expr:
    earliest = pl.col(_age_column(rule.minimum_age))
    if rule.min_interval is not None:
        previous = pl.col(f"_prev_{rule.antigen}")
        after_previous = add_span(previous, rule.min_interval)
        if rule.late_start_age is not None and rule.late_interval is not None:
            late = pl.col(f"_start_{rule.antigen}") >= pl.col(_age_column(rule.late_start_age))
            after_previous = (
                pl.when(late).then(add_span(previous, rule.late_interval)).otherwise(after_previous)
            )
        earliest = pl.max_horizontal(earliest, after_previous)
    if rule.antigen not in live:
        return earliest
    other = pl.max_horizontal(*(pl.col(f"_live_{a}") for a in live if a != rule.antigen))
    same_day = (other == today) & (earliest <= today)
    return (
        pl.when(other.is_null() | same_day)
        .then(earliest)
        .otherwise(pl.max_horizontal(earliest, other + pl.duration(days=LIVE_SPACING_DAYS)))
    )


def _state_expr(rule: DoseRule, today: pl.Expr, overdue_before: pl.Expr) -> pl.Expr:
    earliest = pl.col(_earliest(rule))
    recommended = pl.col(_age_column(rule.recommended_age))
    aged = pl.lit(False)
    if rule.upper_age is not None:
        aged = pl.max_horizontal(earliest, today) >= pl.col(_age_column(rule.upper_age))
    if rule.requires_previous:
        aged = aged | pl.col(f"_blk_{rule.antigen}")
    state = (
        pl.when(pl.col(f"_k_{rule.antigen}") >= rule.dose_number)
        .then(_RECEIVED)
        .when(aged)
        .then(_AGED_OUT)
        .when(recommended < overdue_before)
        .then(_OVERDUE)
        .when((recommended <= today) & (earliest <= today))
        .then(_DUE)
        .otherwise(_NOT_YET)
    )
    if rule.born_from is not None:
        state = pl.when(pl.col("birth_date") >= rule.born_from).then(state)
    return state.cast(pl.Int8)


def _chain_exprs(rule: DoseRule, today: pl.Expr) -> list[pl.Expr]:
    """The series' chain after this dose: the date it will be given, when the series started, blocked."""
    state, antigen = pl.col(_state(rule)), rule.antigen
    proposable = state.is_in(_OPEN).fill_null(False)
    proposed = pl.max_horizontal(pl.col(_earliest(rule)), today)
    start = pl.col(f"_start_{antigen}")
    return [
        pl.when(proposable).then(proposed).otherwise(pl.col(f"_prev_{antigen}")).alias(f"_prev_{antigen}"),
        pl.when(proposable & start.is_null()).then(proposed).otherwise(start).alias(f"_start_{antigen}"),
        pl.when(state.is_null())
        .then(pl.col(f"_blk_{antigen}"))
        .otherwise(state == _AGED_OUT)
        .alias(f"_blk_{antigen}"),
    ]


def _long_plan(wide: pl.LazyFrame, rules: Sequence[DoseRule]) -> pl.LazyFrame:
    """One row per child × applicable schedule dose, from the wide plan (for small selections of children)."""
    states = dict(enumerate(DOSE_STATE.categories))
    birth = pl.col("birth_date")
    no_date = pl.lit(None, dtype=pl.Date)
    per_dose = [
        pl.struct(
            pl.col(_state(rule)).alias("code"),
            add_span(birth, rule.recommended_age).alias("recommended_on"),
            pl.when(pl.col(_state(rule)) != _RECEIVED).then(pl.col(_earliest(rule))).alias("earliest_on"),
            (add_span(birth, rule.upper_age) if rule.upper_age else no_date).alias("upper_on"),
        ).alias(_state(rule))
        for rule in rules
    ]
    open_ = pl.col("code").is_in(_OPEN)
    first_open = open_.cast(pl.Int32).cum_sum().over("child_id", "antigen", order_by="dose_number") == 1
    return (
        wide.select("child_id", "sex", "commune_code", "birth_date", *per_dose)
        .unpivot(
            index=["child_id", "sex", "commune_code", "birth_date"], variable_name="column", value_name="dose"
        )
        .unnest("dose")
        .filter(pl.col("code").is_not_null())
        .join(_schedule_doses(rules), on="column")
        .with_columns(
            pl.col("code").replace_strict(states, return_dtype=DOSE_STATE).alias("state"),
            (open_ & first_open).alias("is_next"),
        )
        .drop("code", "column")
    )
