"""WHO forecasting formulas: published worked examples (who-rules.md §5) and the rounding policy."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecasting.needs import (
    ForecastParameterError,
    adjusted_monthly_consumption,
    annual_need_target_population,
    bundled_quantity,
    catchup_need,
    indicative_wastage_rate,
    maximum_stock,
    measured_wastage_factor,
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
from forecasting.numbers import half_up, percent_half_up, ratio_half_up

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
    [(8595, 6043, "70.3", "29.7", 1.4, 1.422), (5931, 4741, "79.9", "20.1", 1.3, 1.251)],
)
def test_usage_and_wastage_rates_from_issued_and_administered_doses(
    used, administered, usage, wastage, wf_1dp, wf_exact
):  # E11
    assert percent_half_up(administered, used, 1) == Decimal(usage)
    assert percent_half_up(used - administered, used, 1) == Decimal(wastage)
    assert half_up(usage_rate(used, administered) * 100, 1) == Decimal(usage)
    assert half_up(wastage_rate(used, administered) * 100, 1) == Decimal(wastage)
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


def test_a_wastage_factor_of_exactly_1_225_rounds_half_up_to_1_23():  # 490 doses used, 400 given
    # 1 ÷ (1 − 90/490) in binary floating point is 1.2249999…, which rounds to 1.22
    assert 1 / (1 - (490 - 400) / 490) < 1.225
    assert wastage_factor(wastage_rate(490, 400)) == 1.23
    assert measured_wastage_factor(490, 400) == 1.23
    assert ratio_half_up(490, 400, 2) == Decimal("1.23")


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Fraction(49, 40), 2, "1.23"),
        (Fraction(-49, 40), 2, "-1.23"),
        (Fraction(1, 2), 0, "1"),
        (Fraction(5, 2), 0, "3"),  # half-up, not to even
        (1.15 * 10, 0, "12"),  # 11.499999999999998 in binary: the exact product is 11.5
        (Decimal("93.658"), 1, "93.7"),  # E9: 192 ÷ 205
        (Fraction(1116 * 100, 2607), 3, "42.808"),  # E10
    ],
)
def test_exact_values_round_half_up_once(value, decimals, expected):
    assert half_up(value, decimals) == Decimal(expected)


def test_coverage_and_dropout_rates_from_counts_match_the_published_values():  # E9, E10
    assert percent_half_up(192, 205, 1) == Decimal("93.7")  # published 93.6 (truncated); half-up is 93.7
    assert percent_half_up(2607 - 1491, 2607, 3) == Decimal("42.808")
    assert percent_half_up(1491, 2607, 3) == Decimal("57.192")
    assert percent_half_up(2270, 7574, 3) == Decimal("29.971")
    assert percent_half_up(1337, 4040, 3) == Decimal("33.094")


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


def test_a_wastage_of_100_percent_is_refused_by_the_scalar_formula_too():
    with pytest.raises(ForecastParameterError, match="wastage_rate"):
        wastage_factor(1.0)


def test_bundled_quantities_round_up_without_floating_point_surprises():
    assert bundled_quantity(1000, 1.11) == 1110  # 1000 × 1.11 is 1110.0000000000002 in binary
    assert bundled_quantity(1001, 1.11) == 1112
    assert bundled_quantity(0, 1.11) == 0
