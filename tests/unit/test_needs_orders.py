"""The forecast pipeline's orders, aggregate and total lines, parameters and bundled supplies."""

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecasting.needs import (
    FACILITIES,
    STOCK,
    SUPPLIES,
    ForecastParameterError,
    Parameters,
    Settings,
    bundled_quantity,
    bundled_supplies,
    default_bundle_ratios,
    forecast_needs,
)
from forecasting.periods import parse_period
from tests.unit import forecast_samples as sample
from tests.unit.forecast_samples import YEAR, line, run, single_commune


def test_an_overstocked_facility_orders_nothing():
    row = line(run(), "facility", "03463", "PENTA")
    assert row["max_stock_doses"] < row["stock_on_hand"]
    assert (row["order_doses_net"], row["order_vials"], row["order_packs"], row["order_doses"]) == (
        0,
        0,
        0,
        0,
    )


def test_stock_in_transit_is_counted_exactly_once_in_every_line():
    moved = pl.LazyFrame(
        [
            ("107", "PENTA", 100, 200),
            ("107", "BCG", 0, 100),
            ("03451", "PENTA", 0, 40),
            ("03463", "PENTA", 900, 0),
            ("03463", "BOPV", 160, 0),
        ],
        schema=STOCK,
        orient="row",
    )
    before, after = run(), run(stock=moved)
    # Moving doses between "on hand" and "in transit" changes no order.
    assert_frame_equal(
        before.select("scope", "facility_code", "product_code", "order_doses_net"),
        after.select("scope", "facility_code", "product_code", "order_doses_net"),
    )
    total = line(after, "total", None, "PENTA")
    assert total["stock_in_transit"] == 240
    assert total["order_doses_net"] == max(0, total["max_stock_doses"] - total["stock_on_hand"] - 240)


def test_the_pipeline_rounds_orders_up_to_whole_vials_then_packs():
    product = ("BCG", "BCG", 10, 20, False, None, False, "lyophilised", 1, "births")
    frames = single_commune(target=100, product=product, stock_row=(0, 0))
    packs = line(run(**frames), "facility", "X", "BCG")
    # 100 births × 1 × 90 % × WF 2.0 = 180; reserve 45; max 225 → 23 vials → 2 packs of 20 → 400 doses.
    assert (packs["order_doses_net"], packs["order_vials_net"], packs["order_packs"]) == (225, 23, 2)
    assert (packs["order_vials"], packs["order_doses"]) == (40, 400)
    vials = line(run(parameters=Parameters(order_rounding="vial"), **frames), "facility", "X", "BCG")
    assert (vials["order_vials"], vials["order_doses"]) == (23, 230)


def test_aggregate_and_total_lines_add_up_their_facility_lines():
    df = run()
    for code in ("PENTA", "BCG", "BOPV", "TD"):
        facilities = df.filter((pl.col("scope") == "facility") & (pl.col("product_code") == code))
        total = line(df, "total", None, code)
        aggregate = line(df, "aggregate", "107", code)
        for column in ("need_routine", "need_catchup", "need_doses", "reserve_doses", "max_stock_doses"):
            assert total[column] == aggregate[column] == facilities[column].sum()
        assert total["stock_on_hand"] == facilities["stock_on_hand"].sum()
        assert total["facilities"] == 4
        expected = max(0, total["max_stock_doses"] - total["stock_on_hand"] - total["stock_in_transit"])
        assert total["order_doses_net"] == expected


def test_a_province_tree_has_an_aggregate_line_per_district():
    facilities = pl.LazyFrame(
        [
            ("12", "CDC Lai Châu", "province", None, None),
            ("107", "TTYT Mường Tè", "district", "12", None),
            ("108", "TTYT Sìn Hồ", "district", "12", None),
            ("03451", "Mù Cả", "commune", "107", 4000),
            ("03500", "Xã A", "commune", "108", 3000),
        ],
        schema=FACILITIES,
        orient="row",
    )
    df = run(facilities=facilities)
    assert line(df, "aggregate", "12", "PENTA")["facilities"] == 5
    assert line(df, "aggregate", "107", "PENTA")["facilities"] == 2
    assert line(df, "aggregate", "108", "PENTA")["target_population"] == 60
    assert df.filter((pl.col("scope") == "aggregate") & (pl.col("facility_code") == "03451")).is_empty()


def test_overrides_apply_from_the_most_specific_scope():
    params = Parameters(
        defaults=Settings(coverage=0.8),
        by_product={"PENTA": {"coverage": 0.85, "lead_time_days": 30}},
        by_facility={"03451": {"coverage": 0.9}},
        by_facility_product={("03451", "PENTA"): {"coverage": 0.95}},
    )
    df = run(parameters=params)
    assert line(df, "facility", "03451", "PENTA")["coverage"] == 0.95
    assert line(df, "facility", "03451", "BCG")["coverage"] == 0.9
    assert line(df, "facility", "03463", "PENTA")["coverage"] == 0.85
    assert line(df, "facility", "03463", "PENTA")["lead_time_days"] == 30
    assert line(df, "facility", "03463", "BCG")["coverage"] == 0.8
    assert params.settings_for("03451", "PENTA").coverage == 0.95
    assert params.settings_for("03463", "BCG").lead_time_days == 14


@pytest.mark.parametrize(
    ("build", "field", "scope"),
    [
        (lambda: Parameters(defaults=Settings(coverage=1.2)), "coverage", "default"),
        (lambda: Parameters(defaults=Settings(coverage=float("nan"))), "coverage", "default"),
        (lambda: Parameters(defaults=Settings(wastage_rate=1.0)), "wastage_rate", "default"),
        (lambda: Parameters(defaults=Settings(lead_time_days=-1)), "lead_time_days", "default"),
        (lambda: Parameters(defaults=Settings(reserve_share=-0.1)), "reserve_share", "default"),
        (lambda: Parameters(defaults=Settings(catchup_months=0)), "catchup_months", "default"),
        (lambda: Parameters(by_product={"BCG": {"coverage": 1.5}}), "coverage", "product BCG"),
        (lambda: Parameters(by_facility={"03451": {"wastage_rate": 1.2}}), "wastage_rate", "facility 03451"),
        (
            lambda: Parameters(by_facility_product={("X", "BCG"): {"lead_time_days": -3}}),
            "lead_time_days",
            None,
        ),
        (lambda: Parameters(by_product={"BCG": {"covrage": 0.9}}), "covrage", "product BCG"),
        (lambda: Parameters(by_product={"BCG": {"method": "guess"}}), "method", "product BCG"),
        (lambda: Parameters(review_months=0), "review_months", "default"),
    ],
)
def test_impossible_parameters_are_refused_with_a_message_naming_them(build, field, scope):
    with pytest.raises(ForecastParameterError) as error:
        build()
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}:")
    if scope is not None:
        assert error.value.scope == scope


def test_a_forecast_for_a_period_in_the_past_is_refused():
    with pytest.raises(ForecastParameterError) as error:
        run(period=parse_period("2026-04"))
    assert error.value.field == "period"


def test_bundled_supplies_follow_the_ratio_data():
    forecast = forecast_needs(
        products=sample.products(),
        facilities=sample.facilities(),
        history=sample.history(),
        stock=sample.stock(),
        backlog=sample.backlog(),
        period=YEAR,
        today=sample.TODAY,
    )
    ratios = default_bundle_ratios(sample.products(), oral_product_codes={"BOPV"})
    supplies = bundled_supplies(forecast, ratios)
    assert supplies.collect_schema() == SUPPLIES
    got = supplies.filter(pl.col("scope") == "total").collect()
    totals = forecast.filter(pl.col("scope") == "total").collect()
    penta = line(totals, "total", None, "PENTA")
    bcg = line(totals, "total", None, "BCG")

    def quantity(product: str, item: str) -> int:
        rows = got.filter((pl.col("product_code") == product) & (pl.col("item_code") == item))
        return rows["quantity"].item()

    assert quantity("PENTA", "AD") == bundled_quantity(penta["order_doses"], 1.11)
    assert quantity("PENTA", "SB") == bundled_quantity(penta["order_doses"], 1.11 / 100)
    assert quantity("BCG", "BCG-DIL") == bcg["order_vials"]
    assert quantity("BCG", "RUP") == bundled_quantity(bcg["order_vials"], 1.11)
    assert quantity("BCG", "SB") == bundled_quantity(
        bcg["order_doses"] * 1.11 + bcg["order_vials"] * 1.11, 1 / 100
    )
