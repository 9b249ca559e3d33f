"""Vaccination days: who to call (``due_list``) and the doses and vials to bring (``session_plan``)."""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.backlog.plan import _long_plan, _wide_plan
from forecasting.backlog.schemas import (
    DEFAULT_GRACE_DAYS,
    DEFAULT_OPEN_VIAL_DAYS,
    DUE_LIST,
    PRODUCTS,
    SESSION_PLAN,
)
from forecasting.schedule import DEFAULT_ONE_MONTH_DAYS, dose_rules


def due_list(
    children: pl.LazyFrame,
    doses: pl.LazyFrame,
    *,
    schedule: pl.DataFrame,
    session_on: date,
    version: str | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    one_month_days: int | None = DEFAULT_ONE_MONTH_DAYS,
    commune_map: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Who to call to a vaccination day and the doses each child can be given that day (``DUE_LIST``)."""
    rules = dose_rules(schedule, on=session_on, version=version, one_month_days=one_month_days)
    plan = _long_plan(_wide_plan(children, doses, rules, session_on, grace_days, commune_map), rules)
    return (
        plan.filter(pl.col("state").is_in(["due", "overdue"]), pl.col("earliest_on") <= session_on)
        .with_columns(session_on=pl.lit(session_on))
        .select(DUE_LIST.names())
        .sort("commune_code", "birth_date", "child_id", "antigen", "dose_number")
    )


def session_plan(
    due: pl.LazyFrame,
    products: pl.LazyFrame,
    *,
    open_vial_days: int = DEFAULT_OPEN_VIAL_DAYS,
) -> pl.LazyFrame:
    """Doses and vials of each product to bring per commune, for one or more sessions' due lists (``DUE_LIST``)."""
    # A vial that may be kept (multi-dose vial policy) serves every session of the commune in the same
    # open_vial_days window, counted from the commune's first session; one that may not be kept is opened
    # afresh at each session. A product missing from ``products`` gets null vials rather than a guess.
    per_session = (
        due.group_by("commune_code", "product_code", "session_on")
        .agg(doses=pl.len().cast(pl.Int64))
        .join(products.select(PRODUCTS.names()), on="product_code", how="left")
        .with_columns(
            vials=_ceil_div(pl.col("doses"), pl.col("doses_per_vial")),
            window=(pl.col("session_on") - pl.col("session_on").min().over("commune_code")).dt.total_days()
            // open_vial_days,
        )
    )
    per_window = per_session.group_by("commune_code", "product_code", "window").agg(
        pl.len().alias("sessions"),
        pl.col("doses").sum(),
        pl.col("doses_per_vial", "keep_opened_vial").first(),
        pl.when(pl.col("keep_opened_vial").first())
        .then(_ceil_div(pl.col("doses").sum(), pl.col("doses_per_vial").first()))
        .otherwise(pl.col("vials").sum())
        .alias("vials"),
    )
    return (
        per_window.group_by("commune_code", "product_code")
        .agg(
            pl.col("sessions", "doses").sum(),
            pl.col("doses_per_vial", "keep_opened_vial").first(),
            pl.when(pl.col("doses_per_vial").first().is_not_null())
            .then(pl.col("vials").sum())
            .alias("vials"),
        )
        .select(SESSION_PLAN.names())
        .cast(dict(SESSION_PLAN))
        .sort("commune_code", "product_code")
    )


def _ceil_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return (numerator + denominator - 1) // denominator
