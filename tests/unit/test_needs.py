"""WHO forecasting formulas: published worked examples (who-rules.md §5), rounding policy, pipeline."""

import ast
import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from forecasting.needs import (
    BACKLOG,
    COMMUNE_FACILITIES,
    CONSUMPTION,
    FACILITIES,
    FORECAST,
    PRODUCTS,
    REGISTER_BACKLOG,
    STOCK,
    SUPPLIES,
    TARGETS,
    ForecastParameterError,
    Parameters,
    Settings,
    adjusted_monthly_consumption,
    annual_need_target_population,
    bundled_quantity,
    bundled_supplies,
    catchup_backlog,
    catchup_need,
    default_bundle_ratios,
    forecast_needs,
    indicative_wastage_rate,
    maximum_stock,
    order_quantity,
    packs_for,
    reorder_level,
    reserve_stock,
    round_doses,
    session_size_need,
    supply_period_need,
    target_population,
    usage_rate,
    vials_for,
    wastage_factor,
    wastage_rate,
)
from forecasting.periods import parse_period
from tests.unit import forecast_samples as sample

YEAR = parse_period("2027")
MONTH = parse_period("2026-06")


def run(period=YEAR, parameters=None, **frames) -> pl.DataFrame:
    inputs = {
        "products": sample.products(),
        "facilities": sample.facilities(),
        "history": sample.history(),
        "stock": sample.stock(),
        "backlog": sample.backlog(),
        "targets": sample.targets(),
    }
    inputs.update(frames)
    return forecast_needs(period=period, today=sample.TODAY, parameters=parameters, **inputs).collect()


def line(df: pl.DataFrame, scope: str, facility: str | None, product: str) -> dict:
    rows = df.filter(
        (pl.col("scope") == scope)
        & (pl.col("product_code") == product)
        & (pl.col("facility_code").is_null() if facility is None else pl.col("facility_code") == facility)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


def single_commune(
    *, population=None, target=None, history_rows=(), stock_row=(0, 0), backlog_doses=0, product=None
) -> dict[str, pl.LazyFrame]:
    product_row = product or (
        "PENTA",
        "DPT-VGB-Hib",
        1,
        50,
        False,
        None,
        True,
        "liquid",
        3,
        "surviving_infants",
    )
    code = product_row[0]
    return {
        "products": pl.LazyFrame([product_row], schema=PRODUCTS, orient="row"),
        "facilities": pl.LazyFrame(
            [("X", "Trạm Y tế xã X", "commune", None, population)], schema=FACILITIES, orient="row"
        ),
        "history": pl.LazyFrame([("X", code, *r) for r in history_rows], schema=CONSUMPTION, orient="row"),
        "stock": pl.LazyFrame([("X", code, *stock_row)], schema=STOCK, orient="row"),
        "backlog": pl.LazyFrame([("X", code, backlog_doses)], schema=BACKLOG, orient="row"),
        "targets": pl.LazyFrame(
            [] if target is None else [("X", product_row[9], target)], schema=TARGETS, orient="row"
        ),
    }


# --- Published worked examples (who-rules.md §5) -----------------------------------------------------


def test_a_wastage_rate_of_30_percent_gives_a_wastage_factor_of_1_43():  # E1
    assert wastage_factor(0.30) == 1.43
    assert wastage_factor(0.30, decimals=None) == pytest.approx(1.428571, abs=1e-6)


@pytest.mark.parametrize(
    ("rate", "printed"), [(0.05, 1.05), (0.10, 1.11), (0.20, 1.25), (0.25, 1.33), (0.40, 1.67), (0.50, 2.00)]
)
def test_wastage_factors_match_the_two_decimal_values_the_sources_print(rate, printed):  # §1.1 table
    assert wastage_factor(rate) == printed


def test_a_15_percent_wastage_rounds_to_1_18_where_msf_truncates_to_1_17():  # §6 pitfall 2
    assert wastage_factor(0.15) == 1.18
    assert math.floor(wastage_factor(0.15, decimals=None) * 100) / 100 == 1.17


def test_the_target_population_need_for_pentavalent_is_718_doses():  # E2
    annual = annual_need_target_population(200, 3, 0.9, 1.33)
    assert annual == pytest.approx(718.2)
    assert round_doses(annual) == 718


def test_rounding_the_wastage_factor_first_gives_808_doses_and_the_exact_factor_810():  # E3 (derived inputs)
    # 285 × 3 × 0.9 = 769.5 doses before wastage reproduces the two results E3 reports for 5 % wastage.
    rounded = annual_need_target_population(285, 3, 0.9, wastage_factor(0.05))
    exact = annual_need_target_population(285, 3, 0.9, wastage_factor(0.05, decimals=None))
    assert (round_doses(rounded), round_doses(exact)) == (808, 810)


def test_the_session_size_method_gives_960_doses_a_year():  # E4
    assert session_size_need(1, 48, 2, 1, 10) == 960


def test_a_two_week_supply_period_of_2000_doses_a_year_needs_83_doses():  # E5
    need = supply_period_need(2000, weeks=2)
    assert need == pytest.approx(83.33, abs=0.005)
    assert round_doses(need) == 83
    assert supply_period_need(2000, months=3) == 500


def test_reserve_and_maximum_for_a_supply_period_need_of_80_doses_are_20_and_100():  # E6
    reserve = reserve_stock(80, 0.25)
    assert (reserve, maximum_stock(80, reserve)) == (20, 100)


@pytest.mark.parametrize(("period_days", "expected"), [(10, 36), (14, 31)])
def test_the_reorder_level_adds_lead_time_use_to_the_reserve(period_days, expected):  # E7
    assert reorder_level(80, lead_time_days=2, period_days=period_days, reserve=20) == expected


@pytest.mark.parametrize(
    ("used", "administered", "usage", "wastage", "wf_1dp", "wf_exact"),
    [(8595, 6043, 70.3, 29.7, 1.4, 1.422), (5931, 4741, 79.9, 20.1, 1.3, 1.251)],
)
def test_usage_and_wastage_rates_from_issued_and_administered_doses(
    used, administered, usage, wastage, wf_1dp, wf_exact
):  # E11
    assert round(usage_rate(used, administered) * 100, 1) == usage
    assert round(wastage_rate(used, administered) * 100, 1) == wastage
    assert wastage_factor(wastage_rate(used, administered), decimals=1) == wf_1dp
    assert wastage_factor(wastage_rate(used, administered), decimals=None) == pytest.approx(
        wf_exact, abs=5e-4
    )


def test_the_monthly_ideal_stock_for_pentavalent_is_134_doses():  # E14
    monthly = annual_need_target_population(target_population(10_000, 0.039), 3, 1.0, 1.1) / 12
    assert monthly * 1.25 == pytest.approx(134.06, abs=0.005)
    need = round_doses(monthly)
    assert need + reserve_stock(monthly, 0.25) == 134


def test_adjusted_monthly_consumption_discounts_stockout_days():  # S12
    assert adjusted_monthly_consumption(1200, 12, 0) == 100
    assert adjusted_monthly_consumption(1100, 12, 30) == pytest.approx(1100 / (12 - 30 / 30.4))


def test_catchup_doses_spread_the_backlog_over_the_chosen_months():
    assert catchup_need(120, 1.05, period_months=1, catchup_months=6) == pytest.approx(21)
    assert catchup_need(120, 1.05, period_months=12, catchup_months=6) == pytest.approx(126)


# --- Rounding policy ------------------------------------------------------------------------------


def test_the_pipeline_rounds_wastage_factors_exactly_as_the_scalar_formula():
    rates = [i / 1000 for i in range(0, 1000)]
    frame = pl.DataFrame({"w": rates}).select(
        (1 / (1 - pl.col("w"))).round(2, mode="half_away_from_zero").alias("wf")
    )
    assert frame["wf"].to_list() == [wastage_factor(w) for w in rates]


def test_needs_are_rounded_half_up_to_whole_doses():
    assert [round_doses(x) for x in (718.2, 83.33, 179.5, 0.5, 2.5)] == [718, 83, 180, 1, 3]


@pytest.mark.parametrize(
    ("doses_per_vial", "presentation", "rate"),
    [
        (1, "liquid", 0.05),
        (1, "lyophilised", 0.05),
        (2, "lyophilised", 0.10),
        (6, "liquid", 0.10),
        (10, "lyophilised", 0.50),
        (20, "liquid", 0.25),
        (8, "liquid", 0.10),  # between the published bands: the 2-6 rate
        (25, "lyophilised", 0.50),  # above the published bands: the 10-20 rate
    ],
)
def test_indicative_wastage_follows_vial_size_and_presentation(doses_per_vial, presentation, rate):
    assert indicative_wastage_rate(doses_per_vial, presentation) == rate


def test_orders_round_up_to_whole_vials_then_whole_packs():
    net = order_quantity(296, 0, 0)
    assert (vials_for(net, 10), packs_for(vials_for(net, 10), 20)) == (30, 2)
    assert (vials_for(300, 10), packs_for(30, 20)) == (30, 2)
    assert (vials_for(0, 10), packs_for(0, 20)) == (0, 0)


@given(
    max_stock=st.integers(0, 10**7),
    on_hand=st.integers(0, 10**7),
    in_transit=st.integers(0, 10**7),
    doses_per_vial=st.integers(1, 20),
    vials_per_pack=st.integers(1, 500),
)
def test_an_order_is_never_negative_and_covers_the_gap_in_whole_vials_and_packs(
    max_stock, on_hand, in_transit, doses_per_vial, vials_per_pack
):
    net = order_quantity(max_stock, on_hand, in_transit)
    vials = vials_for(net, doses_per_vial)
    packs = packs_for(vials, vials_per_pack)
    assert net >= 0
    assert net >= max_stock - on_hand - in_transit
    assert vials * doses_per_vial >= net > (vials - 1) * doses_per_vial or net == vials == 0
    assert packs * vials_per_pack >= vials > (packs - 1) * vials_per_pack or vials == packs == 0


@given(max_stock=st.integers(0, 10**6), on_hand=st.integers(0, 10**6), in_transit=st.integers(1, 10**6))
def test_stock_in_transit_is_subtracted_once_like_stock_on_hand(max_stock, on_hand, in_transit):
    assert order_quantity(max_stock, on_hand, in_transit) == order_quantity(
        max_stock, on_hand + in_transit, 0
    )


# --- The pipeline ----------------------------------------------------------------------------------


def test_the_forecast_has_the_declared_schema_and_a_line_per_facility_product_aggregate_and_total():
    lazy = forecast_needs(
        products=sample.products(),
        facilities=sample.facilities(),
        history=sample.history(),
        stock=sample.stock(),
        backlog=sample.backlog(),
        period=YEAR,
        today=sample.TODAY,
    )
    assert lazy.collect_schema() == FORECAST
    df = lazy.collect()
    counts = dict(df.group_by("scope").len().iter_rows())
    assert counts == {"facility": 4 * 4, "aggregate": 4, "total": 4}  # 4 vaccines, diluent excluded
    assert "BCG-DIL" not in df["product_code"].to_list()


def test_the_pipeline_reproduces_the_pentavalent_target_population_example():  # E2 through the pipeline
    frames = single_commune(target=200)
    df = run(parameters=Parameters(by_product={"PENTA": {"wastage_rate": 0.25}}), **frames)
    row = line(df, "facility", "X", "PENTA")
    assert (row["target_population"], row["target_population_source"]) == (200, "target_list")
    assert (row["wastage_factor"], row["wastage_source"]) == (1.33, "setting")
    assert row["need_target_population"] == 718
    assert (row["need_method"], row["need_doses"]) == ("target_population", 718)
    assert (row["reserve_doses"], row["max_stock_doses"]) == (180, 898)
    assert row["reorder_level_doses"] == round_doses(718 * 14 / 365) + 180
    assert (row["order_doses_net"], row["order_vials_net"], row["order_packs"]) == (898, 898, 18)
    assert (row["order_vials"], row["order_doses"]) == (900, 900)
    assert "200 đối tượng (danh sách đối tượng) × 3 liều × 90,0% bao phủ × 1,33 HSHP" in row["workings"]
    assert "= 718" in row["workings"]


def test_every_facility_line_matches_the_scalar_formulas():
    df = run()
    for row in df.filter(pl.col("scope") == "facility").iter_rows(named=True):
        wf = row["wastage_factor"]
        assert wf == wastage_factor(row["wastage_rate"])
        if row["target_population"] is not None:
            annual = annual_need_target_population(
                row["target_population"], row["doses_in_schedule"], row["coverage"], wf
            )
            assert row["need_target_population"] == round_doses(supply_period_need(annual, months=12))
        if row["history_months"]:
            monthly = adjusted_monthly_consumption(
                row["doses_used"], row["history_months"], row["stockout_days"]
            )
            assert row["need_consumption"] == round_doses(monthly * 12)
        assert row["need_catchup"] == round_doses(
            catchup_need(row["backlog_doses"], wf, period_months=12, catchup_months=6)
        )
        reserve = reserve_stock(row["need_routine"], 0.25)
        assert row["reserve_doses"] == reserve
        assert row["max_stock_doses"] == maximum_stock(row["need_doses"], reserve)
        assert row["reorder_level_doses"] == reorder_level(
            row["need_routine"], lead_time_days=14, period_days=365, reserve=reserve
        )
        net = order_quantity(row["max_stock_doses"], row["stock_on_hand"], row["stock_in_transit"])
        assert row["order_doses_net"] == net
        assert row["order_packs"] == packs_for(vials_for(net, row["doses_per_vial"]), row["vials_per_pack"])
        assert row["order_doses"] == row["order_packs"] * row["vials_per_pack"] * row["doses_per_vial"]


def test_measured_wastage_is_used_where_there_is_history_and_the_indicative_rate_elsewhere():
    df = run()
    measured = line(df, "facility", "03451", "BCG")
    assert measured["wastage_source"] == "measured"
    assert measured["wastage_rate"] == pytest.approx(0.6)  # 12 months × (10 − 4) ÷ (12 × 10)
    assert measured["wastage_factor"] == 2.5
    indicative = line(df, "facility", "03466", "BCG")
    assert (indicative["wastage_source"], indicative["wastage_rate"]) == ("indicative", 0.5)
    assert indicative["wastage_factor"] == 2.0


def test_a_wastage_setting_overrides_the_measured_rate():
    df = run(parameters=Parameters(by_facility_product={("03451", "BCG"): {"wastage_rate": 0.2}}))
    row = line(df, "facility", "03451", "BCG")
    assert (row["wastage_source"], row["wastage_factor"]) == ("setting", 1.25)


def test_consumption_is_averaged_over_the_review_window_and_adjusted_for_stockout_days():
    df = run(period=MONTH)
    row = line(df, "facility", "03463", "PENTA")
    assert (row["history_months"], row["doses_used"], row["stockout_days"]) == (12, 360, 3)
    assert row["monthly_consumption"] == pytest.approx(360 / (12 - 3 / 30.4))
    assert row["need_consumption"] == 30
    assert row["need_method"] == "consumption"


def test_auto_uses_consumption_for_a_month_and_the_target_population_for_a_year():
    assert line(run(period=MONTH), "facility", "03451", "PENTA")["need_method"] == "consumption"
    assert line(run(period=YEAR), "facility", "03451", "PENTA")["need_method"] == "target_population"


def test_a_chosen_method_falls_back_to_the_other_when_its_inputs_are_missing():
    df = run(period=MONTH)
    row = line(df, "facility", "03466", "PENTA")  # no history at Bum Nưa: the target list is used
    assert (row["need_method"], row["target_population"]) == ("target_population", 95)
    store = line(df, "facility", "107", "PENTA")  # the district store neither vaccinates nor serves people
    assert (store["need_method"], store["need_doses"]) == ("none", 0)


def test_the_target_population_comes_from_population_times_the_group_share():
    df = run(parameters=Parameters(by_facility={"03451": {"share_surviving_infants": 0.018}}))
    row = line(df, "facility", "03451", "PENTA")
    assert (row["target_population"], row["target_population_source"]) == (72, "population")
    assert line(df, "facility", "03463", "PENTA")["target_population"] == 120  # 6,000 × 2 %


def test_the_catchup_term_uses_the_backlog_computed_by_the_register():
    df = run(period=MONTH)
    row = line(df, "facility", "03466", "PENTA")
    assert row["backlog_doses"] == 60
    assert row["need_catchup"] == round_doses(60 * row["wastage_factor"] / 6)
    assert row["need_doses"] == row["need_routine"] + row["need_catchup"]
    assert line(df, "total", None, "PENTA")["backlog_doses"] == 24 + 60


def test_the_catchup_term_takes_the_overdue_doses_the_register_computes():
    from forecasting.backlog import backlog as register_backlog
    from forecasting.register_synth import synth_register
    from forecasting.schedule import load_schedule

    as_of = date(2026, 4, 30)
    children, doses = synth_register(births_per_year=150, cohorts=3, as_of=as_of)
    register = register_backlog(children, doses, schedule=load_schedule(), as_of=as_of).collect()
    df = run(period=parse_period("2026-Q3"), backlog=catchup_backlog(register.lazy()))
    overdue = register.group_by("commune_code", "product_code").agg(pl.col("overdue").sum())
    checked = 0
    for row in df.filter((pl.col("scope") == "facility") & (pl.col("level") == "commune")).iter_rows(
        named=True
    ):
        expected = overdue.filter(
            (pl.col("commune_code") == row["facility_code"]) & (pl.col("product_code") == row["product_code"])
        )["overdue"].sum()
        assert row["backlog_doses"] == expected
        assert row["need_catchup"] == round_doses(expected * row["wastage_factor"] * 3 / 6)
        checked += expected > 0
    assert checked > 0


def test_the_register_backlog_maps_communes_to_facilities_and_can_include_due_doses():
    register = pl.LazyFrame(
        [("03451", "PENTA", 2, 5), ("03451", "PENTA", 0, 3), ("03469", "BCG", 4, 0), ("03451", None, 1, 1)],
        schema=REGISTER_BACKLOG,
        orient="row",
    )
    mapping = pl.LazyFrame(
        [("03451", "TYT-MUCA"), ("03469", "TYT-BUMTO")], schema=COMMUNE_FACILITIES, orient="row"
    )
    overdue = catchup_backlog(register, facilities=mapping).collect()
    assert overdue.schema == BACKLOG
    assert overdue.rows() == [("TYT-MUCA", "PENTA", 8)]
    both = catchup_backlog(register, facilities=mapping, include_due=True).collect()
    assert both.rows() == [("TYT-BUMTO", "BCG", 4), ("TYT-MUCA", "PENTA", 10)]


def test_the_catchup_backlog_is_cleared_within_the_chosen_months():
    params = Parameters(defaults=Settings(catchup_months=3))
    quarter = line(run(period=parse_period("2026-Q3"), parameters=params), "facility", "03466", "PENTA")
    assert quarter["need_catchup"] == round_doses(60 * quarter["wastage_factor"])
    assert "min(1; 3/3 tháng)" in quarter["workings"]


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


def test_a_wastage_of_100_percent_is_refused_by_the_scalar_formula_too():
    with pytest.raises(ForecastParameterError, match="wastage_rate"):
        wastage_factor(1.0)


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


def test_bundled_quantities_round_up_without_floating_point_surprises():
    assert bundled_quantity(1000, 1.11) == 1110  # 1000 × 1.11 is 1110.0000000000002 in binary
    assert bundled_quantity(1001, 1.11) == 1112
    assert bundled_quantity(0, 1.11) == 0


def test_forecasting_never_imports_pyplot():
    # test_architecture.py covers inventory, SQLAlchemy and Litestar; pyplot leaks state in a server.
    banned = {"matplotlib.pyplot"}
    package = Path(__file__).resolve().parents[2] / "forecasting"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for name in names:
                assert not any(name == b or name.startswith(b + ".") for b in banned), f"{path.name}: {name}"


def test_the_forecast_uses_native_expressions_only():
    source = (Path(__file__).resolve().parents[2] / "forecasting" / "needs.py").read_text(encoding="utf-8")
    assert "map_elements" not in source and ".apply(" not in source


def test_a_commune_without_any_data_still_gets_a_line():
    frames = single_commune(population=None)
    row = line(run(**frames), "facility", "X", "PENTA")
    assert (row["need_method"], row["need_doses"], row["order_doses"]) == ("none", 0, 0)
    assert row["wastage_source"] == "indicative"


def test_workings_show_each_formula_with_its_numbers():
    row = line(run(period=MONTH), "facility", "03466", "PENTA")
    text = row["workings"]
    assert "Hệ số hao phí (HSHP) = 1/(1 − 5,0%) = 1,05 (chỉ số WHO)" in text
    assert f"Tiêm bù = 60 liều tồn đọng × 1,05 HSHP × min(1; 1/6 tháng) = {row['need_catchup']}" in text
    assert f"Dự trữ = 25,0% × {row['need_routine']} = {row['reserve_doses']}" in text
    assert f"max(0; {row['max_stock_doses']} − 0 tồn kho − 0 đang vận chuyển)" in text


def test_history_before_the_review_window_is_ignored():
    today = date(2026, 5, 15)
    rows = [(date(2024, 1, 1), 1000, 1000, 0, None), (date(2026, 4, 1), 10, 10, 0, None)]
    frames = single_commune(history_rows=rows)
    row = line(run(period=MONTH, **frames), "facility", "X", "PENTA")
    assert today == sample.TODAY
    assert (row["history_months"], row["doses_used"], row["need_consumption"]) == (1, 10, 10)


def test_the_three_year_estimate_covers_36_months_by_target_population():
    year = line(run(period=YEAR), "facility", "03451", "PENTA")
    three = line(run(period=parse_period("2027-2029")), "facility", "03451", "PENTA")
    assert (three["period"], three["period_months"], three["need_method"]) == (
        "2027-2029",
        36,
        "target_population",
    )
    annual = annual_need_target_population(80, 3, 0.9, three["wastage_factor"])
    assert three["need_target_population"] == round_doses(supply_period_need(annual, months=36))
    assert three["need_target_population"] == pytest.approx(3 * year["need_target_population"], abs=2)
