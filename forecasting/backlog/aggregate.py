"""The backlog: due, overdue and zero-dose children by commune × antigen × dose."""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.backlog.plan import _schedule_doses, _state, _wide_plan
from forecasting.backlog.schemas import _DUE, _OVERDUE, BACKLOG, DEFAULT_GRACE_DAYS
from forecasting.backlog.status import _zero_dose
from forecasting.schedule import DEFAULT_ONE_MONTH_DAYS, dose_rules


def backlog(
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
    """Due, overdue and zero-dose children by commune × antigen × dose, and the doses needed (due + overdue)."""
    rules = dose_rules(schedule, on=as_of, version=version, one_month_days=one_month_days)
    wide = _wide_plan(children, doses, rules, as_of, grace_days, commune_map, keep_earliest=False)
    zero = _zero_dose(rules)
    counts = []
    for rule in rules:
        state = pl.col(_state(rule))
        counts.append(
            pl.struct(
                state.eq_missing(_DUE).sum().alias("due"),
                state.eq_missing(_OVERDUE).sum().alias("overdue"),
                (state.is_in((_DUE, _OVERDUE)).fill_null(False) & zero).sum().alias("zero_dose"),
            ).alias(_state(rule))
        )
    return (
        wide.group_by("commune_code")
        .agg(counts)
        .unpivot(index="commune_code", variable_name="column", value_name="counts")
        .unnest("counts")
        .join(_schedule_doses(rules), on="column")
        .with_columns(doses_needed=pl.col("due") + pl.col("overdue"))
        .filter(pl.col("doses_needed") > 0)
        .select(BACKLOG.names())
        .cast(dict(BACKLOG))
        .sort("commune_code", "antigen", "dose_number")
    )
