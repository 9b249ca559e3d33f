"""Each child's status as of a date (zero-dose, under-immunized, ...) and its dose counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from forecasting.backlog.plan import _earliest, _state, _wide_plan
from forecasting.backlog.schemas import (
    _AGED_OUT,
    _DUE,
    _OPEN,
    _OVERDUE,
    _RECEIVED,
    CHILD_STATUS,
    CHILD_STATUS_KIND,
    DEFAULT_GRACE_DAYS,
)
from forecasting.schedule import DEFAULT_ONE_MONTH_DAYS, DoseRule, dose_rules


def child_status(
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
    """Per child as of a date: status, doses received / due / overdue / aged out, next dose date."""
    rules = dose_rules(schedule, on=as_of, version=version, one_month_days=one_month_days)
    wide = _wide_plan(children, doses, rules, as_of, grace_days, commune_map)
    states = [pl.col(_state(rule)) for rule in rules]
    counts = {
        name: pl.sum_horizontal(*(s.eq_missing(code).cast(pl.Int64) for s in states))
        for name, code in (
            ("doses_received", _RECEIVED),
            ("doses_due", _DUE),
            ("doses_overdue", _OVERDUE),
            ("doses_aged_out", _AGED_OUT),
        )
    }
    open_dates = [pl.when(pl.col(_state(r)).is_in(_OPEN)).then(pl.col(_earliest(r))) for r in rules]
    return (
        wide.with_columns(
            _status(rules).alias("status"),
            **counts,
            next_dose_on=pl.max_horizontal(pl.min_horizontal(*open_dates), pl.lit(as_of)),
        )
        .select(CHILD_STATUS.names())
        .sort("child_id")
    )


def _zero_dose(rules: Sequence[DoseRule]) -> pl.Expr:
    markers = [
        pl.col(_state(r)).is_in((_OVERDUE, _AGED_OUT)).fill_null(False) for r in rules if r.zero_dose_marker
    ]
    return pl.any_horizontal(*markers) if markers else pl.lit(False)


def _status(rules: Sequence[DoseRule]) -> pl.Expr:
    states = [pl.col(_state(r)) for r in rules]
    full = [pl.col(_state(r)) for r in rules if r.fully_immunized]
    any_due = pl.any_horizontal(*(s.eq_missing(_DUE) for s in states))
    any_overdue = pl.any_horizontal(*(s.eq_missing(_OVERDUE) for s in states))
    fully = pl.all_horizontal(*(s.is_null() | (s == _RECEIVED) for s in full)) if full else pl.lit(False)
    full_aged = pl.any_horizontal(*(s.eq_missing(_AGED_OUT) for s in full)) if full else pl.lit(False)
    return (
        pl.when(_zero_dose(rules))
        .then(pl.lit("zero_dose"))
        .when(any_overdue)
        .then(pl.lit("under_immunized"))
        .when(fully & ~any_due)
        .then(pl.lit("fully_immunized"))
        .when(full_aged)
        .then(pl.lit("aged_out"))
        .otherwise(pl.lit("up_to_date"))
        .cast(CHILD_STATUS_KIND)
    )
