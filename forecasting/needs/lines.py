"""The facility lines of the forecast: settings resolved per line, then need, reserve, maximum and order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict

import polars as pl

from forecasting.needs.rounding import ceil_div
from forecasting.needs.schemas import TARGET_GROUPS
from forecasting.needs.settings import SETTING_DTYPES, SETTING_NAMES, IndicativeWastage, Parameters
from forecasting.needs.workings import facility_workings
from forecasting.numbers import EXACT, SCALE, div_half_up, fraction_of, scaled
from forecasting.periods import SupplyPeriod


def _indicative_rate_expr(table: Iterable[IndicativeWastage]) -> pl.Expr:
    dpv, presentation = pl.col("doses_per_vial"), pl.col("presentation")
    chain: pl.Expr = pl.lit(None, dtype=pl.Float64)
    for row in reversed(tuple(table)):
        condition = dpv >= row.min_doses
        if row.max_doses is not None:
            condition &= dpv <= row.max_doses
        if row.presentation is not None:
            condition &= presentation == row.presentation
        chain = pl.when(condition).then(pl.lit(row.rate, dtype=pl.Float64)).otherwise(chain)
    return chain


def _override_frame(
    overrides: Mapping[object, Mapping[str, object]], keys: tuple[str, ...], suffix: str
) -> pl.LazyFrame:
    schema = pl.Schema(
        {**dict.fromkeys(keys, pl.String()), **{f"{n}{suffix}": SETTING_DTYPES[n] for n in SETTING_NAMES}}
    )
    rows = []
    for key, values in overrides.items():
        key_values = key if isinstance(key, tuple) else (key,)
        rows.append([*key_values, *(values.get(n) for n in SETTING_NAMES)])
    return pl.LazyFrame(rows, schema=schema, orient="row")


def resolve_settings(lines: pl.LazyFrame, parameters: Parameters) -> pl.LazyFrame:
    layers: list[tuple[str, Mapping[object, Mapping[str, object]], tuple[str, ...]]] = [
        ("__fp", parameters.by_facility_product, ("facility_code", "product_code")),  # type: ignore[list-item]
        ("__f", parameters.by_facility, ("facility_code",)),  # type: ignore[list-item]
        ("__p", parameters.by_product, ("product_code",)),  # type: ignore[list-item]
    ]
    used = [(suffix, keys) for suffix, overrides, keys in layers if overrides]
    for suffix, overrides, keys in layers:
        if overrides:
            lines = lines.join(_override_frame(overrides, keys, suffix), on=list(keys), how="left")
    defaults = asdict(parameters.defaults)
    return lines.with_columns(
        pl.coalesce(
            *(pl.col(f"{name}{suffix}") for suffix, _ in used),
            pl.lit(defaults[name], dtype=SETTING_DTYPES[name]),
        ).alias(name)
        for name in SETTING_NAMES
    ).drop(f"{name}{suffix}" for suffix, _ in used for name in SETTING_NAMES)


def _wastage_terms(parameters: Parameters) -> list[pl.Expr]:
    """The wastage rate as an exact fraction (_wn / _wd) and the factor used in the needs (_fn / _fd)."""
    used, given = pl.col("doses_used"), pl.col("doses_administered")
    # measured = (used − given) ÷ used, usable when 0 ≤ it < 1: some doses given, no more than were used
    has_measure = (used > 0) & (given > 0) & (given <= used)
    indicative = _indicative_rate_expr(parameters.indicative_wastage)
    setting = pl.col("wastage_rate")
    wn = (
        pl.when(setting.is_not_null())
        .then(scaled(setting))
        .when(has_measure)
        .then((used - given).cast(EXACT))
        .otherwise(scaled(indicative))
    )
    wd = (
        pl.when(setting.is_not_null())
        .then(pl.lit(SCALE, dtype=EXACT))
        .when(has_measure)
        .then(used.cast(EXACT))
        .when(indicative.is_not_null())
        .then(pl.lit(SCALE, dtype=EXACT))
    )
    return [
        pl.when(setting.is_not_null())
        .then(pl.lit("setting"))
        .when(has_measure)
        .then(pl.lit("measured"))
        .when(indicative.is_not_null())
        .then(pl.lit("indicative"))
        .otherwise(pl.lit("none"))
        .alias("wastage_source"),
        wn.alias("_wn"),
        wd.alias("_wd"),
    ]


def _factor_terms(parameters: Parameters) -> list[pl.Expr]:
    wn, wd = pl.col("_wn"), pl.col("_wd")
    if parameters.wf_decimals is None:
        fn, fd = wd, wd - wn
    else:
        fn = div_half_up(wd, wd - wn, parameters.wf_decimals)  # WF = 1 ÷ (1 − wn/wd), rounded once
        fd = pl.lit(10**parameters.wf_decimals, dtype=EXACT)
    return [fn.alias("_fn"), fd.alias("_fd")]


def build_facility_lines(lines: pl.LazyFrame, period: SupplyPeriod, parameters: Parameters) -> pl.LazyFrame:
    """Every facility line's needs, reserve, maximum, re-order level and order, computed exactly from the
    counts and settings and rounded once per term (forecasting.numbers)."""
    months, days = period.months, period.days
    preferred = "target_population" if period.kind in ("year", "years") else "consumption"
    share = pl.lit(None, dtype=pl.Float64)
    for group in reversed(TARGET_GROUPS):
        share = pl.when(pl.col("target_group") == group).then(pl.col(f"share_{group}")).otherwise(share)

    per_month = fraction_of(parameters.days_per_month)
    # months with stock = history months − stock-out days ÷ days per month = stocked ÷ p (exact)
    stocked = (
        pl.col("history_months").cast(EXACT) * per_month.numerator
        - pl.col("stockout_days").cast(EXACT) * per_month.denominator
    )
    has_consumption = (pl.col("history_months") > 0) & (stocked > 0)
    method = pl.when(pl.col("method") == "auto").then(pl.lit(preferred)).otherwise(pl.col("method"))
    other = (
        pl.when(method == "consumption").then(pl.lit("target_population")).otherwise(pl.lit("consumption"))
    )
    fn, fd = pl.col("_fn"), pl.col("_fd")

    def need_of(name: pl.Expr) -> pl.Expr:
        return (
            pl.when(name == "target_population")
            .then(pl.col("need_target_population"))
            .when(name == "consumption")
            .then(pl.col("need_consumption"))
        )

    def doses(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
        return div_half_up(numerator, denominator).cast(pl.Int64)

    lines = (
        lines.with_columns(
            pl.lit("facility").alias("scope"),
            pl.lit(1, dtype=pl.Int64).alias("facilities"),
            pl.lit(period.label).alias("period"),
            pl.lit(months, dtype=pl.Int64).alias("period_months"),
            pl.lit(days, dtype=pl.Int64).alias("period_days"),
            share.alias("target_share"),
            pl.col("history_months").fill_null(0),
            pl.col("doses_used").fill_null(0),
            pl.col("doses_administered").fill_null(0),
            pl.col("stockout_days").fill_null(0),
            pl.col("stock_on_hand").fill_null(0),
            pl.col("stock_in_transit").fill_null(0),
            pl.col("backlog_doses").fill_null(0),
        )
        .with_columns(
            pl.when(pl.col("persons").is_not_null())
            .then(pl.col("persons"))
            .otherwise(
                doses(pl.col("population").cast(EXACT) * scaled(pl.col("target_share")), pl.lit(SCALE))
            )
            .alias("target_population"),
            pl.when(pl.col("persons").is_not_null())
            .then(pl.lit("target_list"))
            .when(pl.col("population").is_not_null() & pl.col("target_share").is_not_null())
            .then(pl.lit("population"))
            .alias("target_population_source"),
            *_wastage_terms(parameters),
            pl.when(has_consumption)
            .then(
                (pl.col("doses_used").cast(EXACT) * per_month.numerator).cast(pl.Float64)
                / stocked.cast(pl.Float64)
            )
            .alias("monthly_consumption"),
            pl.when(has_consumption).then(stocked).alias("_stocked"),
        )
        .with_columns(*_factor_terms(parameters))
        .with_columns(
            (pl.col("_wn").cast(pl.Float64) / pl.col("_wd").cast(pl.Float64)).alias("wastage_rate"),
            (fn.cast(pl.Float64) / fd.cast(pl.Float64)).alias("wastage_factor"),
            doses(
                pl.col("target_population").cast(EXACT)
                * pl.col("doses_in_schedule")
                * scaled(pl.col("coverage"))
                * fn
                * months,
                fd * (SCALE * 12),
            ).alias("need_target_population"),
            doses(
                pl.col("doses_used").cast(EXACT)
                * per_month.numerator
                * months
                * (SCALE + scaled(pl.col("consumption_growth"))),
                pl.col("_stocked") * SCALE,
            ).alias("need_consumption"),
            doses(
                pl.col("backlog_doses").cast(EXACT)
                * fn
                * pl.min_horizontal(pl.lit(months), pl.col("catchup_months")),
                fd * pl.col("catchup_months"),
            ).alias("need_catchup"),
        )
        .with_columns(
            pl.when(need_of(method).is_not_null())
            .then(method)
            .when(need_of(other).is_not_null())
            .then(other)
            .otherwise(pl.lit("none"))
            .alias("need_method")
        )
        .with_columns(
            need_of(pl.col("need_method")).fill_null(0).alias("need_routine"),
            pl.col("need_catchup").fill_null(0),
        )
        .with_columns(
            (pl.col("need_routine") + pl.col("need_catchup")).alias("need_doses"),
            doses(pl.col("need_routine").cast(EXACT) * scaled(pl.col("reserve_share")), pl.lit(SCALE)).alias(
                "reserve_doses"
            ),
            doses(pl.col("need_routine").cast(EXACT) * pl.col("lead_time_days"), pl.lit(days)).alias(
                "lead_time_doses"
            ),
        )
        .with_columns(
            (pl.col("need_doses") + pl.col("reserve_doses")).alias("max_stock_doses"),
            (pl.col("lead_time_doses") + pl.col("reserve_doses")).alias("reorder_level_doses"),
        )
    )
    return (
        with_order(lines, parameters)
        .with_columns(facility_workings(months, days, parameters.days_per_month))
        .drop("_wn", "_wd", "_fn", "_fd", "_stocked")
    )


def with_order(lines: pl.LazyFrame, parameters: Parameters) -> pl.LazyFrame:
    net = pl.max_horizontal(
        pl.lit(0, dtype=pl.Int64),
        pl.col("max_stock_doses") - pl.col("stock_on_hand") - pl.col("stock_in_transit"),
    )
    requested_vials = (
        pl.col("order_packs") * pl.col("vials_per_pack")
        if parameters.order_rounding == "pack"
        else pl.col("order_vials_net")
    )
    return (
        lines.with_columns(net.alias("order_doses_net"))
        .with_columns(ceil_div(pl.col("order_doses_net"), pl.col("doses_per_vial")).alias("order_vials_net"))
        .with_columns(ceil_div(pl.col("order_vials_net"), pl.col("vials_per_pack")).alias("order_packs"))
        .with_columns(requested_vials.alias("order_vials"))
        .with_columns((pl.col("order_vials") * pl.col("doses_per_vial")).alias("order_doses"))
    )
