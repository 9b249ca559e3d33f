"""The forecast pipeline: facility lines, wastage, methods, catch-up and workings."""

import ast
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from forecasting.needs import (
    BACKLOG,
    COMMUNE_FACILITIES,
    FORECAST,
    REGISTER_BACKLOG,
    Parameters,
    Settings,
    adjusted_monthly_consumption,
    annual_need_target_population,
    catchup_backlog,
    catchup_need,
    forecast_needs,
    maximum_stock,
    order_quantity,
    packs_for,
    reorder_level,
    reserve_stock,
    round_doses,
    supply_period_need,
    vials_for,
    wastage_factor,
)
from forecasting.periods import parse_period
from tests.unit import forecast_samples as sample
from tests.unit.forecast_samples import MONTH, YEAR, line, run, single_commune

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


def test_forecasting_never_imports_pyplot():
    # test_architecture.py covers inventory, SQLAlchemy and Litestar; pyplot leaks state in a server.
    banned = {"matplotlib.pyplot"}
    package = Path(__file__).resolve().parents[2] / "forecasting"
    for path in package.rglob("*.py"):  # rglob: forecasting.needs and .documents are packages
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for name in names:
                assert not any(name == b or name.startswith(b + ".") for b in banned), f"{path.name}: {name}"


def test_the_forecast_uses_native_expressions_only():
    package = Path(__file__).resolve().parents[2] / "forecasting" / "needs"  # was needs.py, now a package
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(package.glob("*.py")))
    assert "map_elements" not in source and ".apply(" not in source


# --- Wastage measured from counts, rounded once (forecasting.numbers) ------------------------------


def _measured(used: int, given: int, parameters: Parameters | None = None) -> dict:
    frames = single_commune(target=100, history_rows=[(date(2026, 4, 1), used, given, 0, None)])
    return line(run(parameters=parameters, **frames), "facility", "X", "PENTA")


@pytest.mark.parametrize(
    ("used", "given", "shown_rate", "factor"),
    [
        (490, 400, "18,4%", 1.23),  # 490 ÷ 400 = 1.225 exactly: half-up gives 1.23 (floats gave 1.22)
        (8595, 6043, "29,7%", 1.42),  # E11 row 1: wastage 29.7 % as published, WF 1.422
        (5931, 4741, "20,1%", 1.25),  # E11 row 2: wastage 20.1 % as published, WF 1.251
    ],
)
def test_the_pipeline_measures_wastage_from_the_counts_as_the_published_examples(
    used, given, shown_rate, factor
):
    row = _measured(used, given)
    assert (row["wastage_source"], row["wastage_factor"]) == ("measured", factor)
    assert (
        f"1/(1 − {shown_rate}) = "
        + f"{used:,} liều sử dụng ÷ {given:,} liều đã tiêm = ".replace(",", ".")
        + f"{factor:.2f}".replace(".", ",")
        in row["workings"]
    )


@pytest.mark.parametrize(("used", "given", "factor"), [(8595, 6043, 1.4), (5931, 4741, 1.3)])
def test_with_one_decimal_the_pipeline_prints_the_published_factors(used, given, factor):  # E11, WF 1 dp
    assert _measured(used, given, Parameters(wf_decimals=1))["wastage_factor"] == factor


@pytest.mark.parametrize(
    ("rate", "factor"),
    [(0.05, 1.05), (0.10, 1.11), (0.15, 1.18), (0.25, 1.33), (0.30, 1.43), (0.40, 1.67), (0.50, 2.0)],
)
def test_the_pipeline_turns_a_wastage_setting_into_the_factors_the_sources_print(rate, factor):  # E1, §1.1
    # 15 %: 1.1765 rounds half-up to 1.18 (MSF truncates to 1.17, who-rules §6 pitfall 2)
    row = line(
        run(parameters=Parameters(by_product={"PENTA": {"wastage_rate": rate}})), "facility", "03451", "PENTA"
    )
    assert (row["wastage_source"], row["wastage_factor"]) == ("setting", factor)


def test_a_catchup_need_of_exactly_11_5_doses_rounds_up_to_12():
    # WF 1.15 (from 115 doses used for 100 given) × 10 overdue doses = 11.5 exactly; 1.15 × 10 in binary
    # floating point is 11.4999…, which would round down
    frames = single_commune(
        target=100, backlog_doses=10, history_rows=[(date(2026, 4, 1), 115, 100, 0, None)]
    )
    row = line(run(**frames), "facility", "X", "PENTA")
    assert (row["wastage_factor"], row["need_catchup"]) == (1.15, 12)


def test_negative_measured_wastage_falls_back_to_the_indicative_rate_and_the_workings_say_so():
    row = _measured(100, 110)  # more doses given than used: wastage would be −10 %
    assert (row["wastage_source"], row["wastage_rate"], row["wastage_factor"]) == ("indicative", 0.05, 1.05)
    assert "Hao phí đo được âm (110 liều đã tiêm > 100 liều sử dụng trong 1 tháng)" in row["workings"]
    none_given = _measured(100, 0)
    assert (none_given["wastage_source"], none_given["wastage_factor"]) == ("indicative", 1.05)
    assert "Không tính được hao phí đo được (100 liều sử dụng, 0 liều đã tiêm)" in none_given["workings"]


def test_workings_write_whole_numbers_as_the_tables_do():
    """2.640, not 2640: the workings and the tables beside them print numbers the same way."""
    import re

    total = line(run(period=parse_period("2027-2029")), "total", None, "PENTA")
    need = total["need_doses"]
    assert need >= 1000, need  # the case worth checking
    text = total["workings"]
    assert f"nhu cầu kỳ {need:,}".replace(",", ".") in text
    assert re.search(r"(?<![\d.,])\d{4,}", text) is None, text  # no whole number left ungrouped
