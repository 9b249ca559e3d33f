"""The facility lines of the forecast: settings resolved per line, then need, reserve, maximum and order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict

import polars as pl

from forecasting.needs.rounding import ceil_div, round_int
from forecasting.needs.schemas import TARGET_GROUPS
from forecasting.needs.settings import SETTING_DTYPES, SETTING_NAMES, IndicativeWastage, Parameters
from forecasting.needs.workings import facility_workings
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


def build_facility_lines(lines: pl.LazyFrame, period: SupplyPeriod, parameters: Parameters) -> pl.LazyFrame:
    months, days = period.months, period.days
    preferred = "target_population" if period.kind in ("year", "years") else "consumption"
    share = pl.lit(None, dtype=pl.Float64)
    for group in reversed(TARGET_GROUPS):
        share = pl.when(pl.col("target_group") == group).then(pl.col(f"share_{group}")).otherwise(share)

    used = pl.col("doses_used")
    measured = (used - pl.col("doses_administered")) / used
    has_measure = (used > 0) & measured.is_between(0.0, 1.0, closed="left")
    indicative = _indicative_rate_expr(parameters.indicative_wastage)
    wf_exact = 1.0 / (1.0 - pl.col("wastage_rate"))
    wf = (
        wf_exact
        if parameters.wf_decimals is None
        else wf_exact.round(parameters.wf_decimals, mode="half_away_from_zero")
    )
    months_stocked = pl.col("history_months") - pl.col("stockout_days") / parameters.days_per_month
    method = pl.when(pl.col("method") == "auto").then(pl.lit(preferred)).otherwise(pl.col("method"))
    other = (
        pl.when(method == "consumption").then(pl.lit("target_population")).otherwise(pl.lit("consumption"))
    )

    def need_of(name: pl.Expr) -> pl.Expr:
        return (
            pl.when(name == "target_population")
            .then(pl.col("need_target_population"))
            .when(name == "consumption")
            .then(pl.col("need_consumption"))
        )

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
            .otherwise(round_int(pl.col("population") * pl.col("target_share")))
            .alias("target_population"),
            pl.when(pl.col("persons").is_not_null())
            .then(pl.lit("target_list"))
            .when(pl.col("population").is_not_null() & pl.col("target_share").is_not_null())
            .then(pl.lit("population"))
            .alias("target_population_source"),
            pl.when(pl.col("wastage_rate").is_not_null())
            .then(pl.lit("setting"))
            .when(has_measure)
            .then(pl.lit("measured"))
            .when(indicative.is_not_null())
            .then(pl.lit("indicative"))
            .otherwise(pl.lit("none"))
            .alias("wastage_source"),
            pl.coalesce(pl.col("wastage_rate"), pl.when(has_measure).then(measured), indicative).alias(
                "wastage_rate"
            ),
            pl.when((pl.col("history_months") > 0) & (months_stocked > 0))
            .then(pl.col("doses_used") / months_stocked)
            .alias("monthly_consumption"),
        )
        .with_columns(wf.alias("wastage_factor"))
        .with_columns(
            round_int(
                pl.col("target_population")
                * pl.col("doses_in_schedule")
                * pl.col("coverage")
                * pl.col("wastage_factor")
                / 12
                * months
            ).alias("need_target_population"),
            round_int(pl.col("monthly_consumption") * months * (1 + pl.col("consumption_growth"))).alias(
                "need_consumption"
            ),
            round_int(
                pl.col("backlog_doses")
                * pl.col("wastage_factor")
                * pl.min_horizontal(pl.lit(1.0), months / pl.col("catchup_months"))
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
            round_int(pl.col("need_routine") * pl.col("reserve_share")).alias("reserve_doses"),
            round_int(pl.col("need_routine") * pl.col("lead_time_days") / days).alias("lead_time_doses"),
        )
        .with_columns(
            (pl.col("need_doses") + pl.col("reserve_doses")).alias("max_stock_doses"),
            (pl.col("lead_time_doses") + pl.col("reserve_doses")).alias("reorder_level_doses"),
        )
    )
    return with_order(lines, parameters).with_columns(
        facility_workings(months, days, parameters.days_per_month)
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
