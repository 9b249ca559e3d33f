"""The reports' indicators reproduce the published examples of reference/who-rules.md §5, with their exact
values, and the one rounding (half-up) the reports state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from inventory.reports import domain


def test_e9_coverage_is_93_658_percent_shown_93_7_rounded_half_up() -> None:
    exact = domain.coverage(192, 205)
    assert exact == Fraction(19200, 205)
    assert domain.round_half_up(exact, 3) == Decimal("93.659")
    # the module prints 93.6 (truncated); the reports round half-up once: 93.7
    assert domain.shown(exact) == 93.7


def test_e10_dropout_dtp1_to_dtp3_matches_the_paho_rows_to_three_decimals() -> None:
    assert domain.round_half_up(domain.dropout(2607, 1491), 3) == Decimal("42.808")
    assert domain.round_half_up(100 - domain.dropout(2607, 1491), 3) == Decimal("57.192")
    assert domain.round_half_up(domain.share(2270, 7574), 3) == Decimal("29.971")
    assert domain.round_half_up(domain.share(1337, 4040), 3) == Decimal("33.094")
    assert domain.shown(domain.dropout(2607, 1491)) == 42.8


def test_e11_usage_wastage_and_factor_from_issued_and_administered() -> None:
    assert domain.shown(domain.usage_rate(6043, 8595)) == 70.3
    assert domain.shown(domain.wastage_rate(6043, 8595)) == 29.7
    assert domain.round_half_up(domain.wastage_factor(6043, 8595), 3) == Decimal("1.422")
    assert domain.round_half_up(domain.wastage_factor(6043, 8595), 1) == Decimal("1.4")
    assert domain.shown(domain.usage_rate(4741, 5931)) == 79.9
    assert domain.shown(domain.wastage_rate(4741, 5931)) == 20.1
    assert domain.round_half_up(domain.wastage_factor(4741, 5931), 3) == Decimal("1.251")
    assert domain.round_half_up(domain.wastage_factor(4741, 5931), 1) == Decimal("1.3")


def test_e1_wastage_of_30_percent_gives_a_factor_of_1_43() -> None:
    # 70 given of 100 used: wastage 30 %, factor 100/70
    assert domain.wastage_rate(70, 100) == 30
    assert domain.shown(domain.wastage_factor(70, 100), domain.FACTOR_DECIMALS) == 1.43


def test_usage_and_wastage_rates_add_up_to_100_exactly() -> None:
    for given, used in ((6043, 8595), (1, 3), (130, 160), (50, 40)):
        assert domain.usage_rate(given, used) + domain.wastage_rate(given, used) == 100
        assert domain.wastage_factor(given, used) == Fraction(100) / (100 - domain.wastage_rate(given, used))


def test_open_vial_wastage_is_cumulative_from_january_and_a_negative_month_stays_negative() -> None:
    # multi-dose vials kept 28 days: January opens 100 doses and gives 80; February opens 40 and gives 50
    monthly = [100 - 80, 40 - 50, 60 - 60]
    assert monthly == [20, -10, 0]
    assert domain.running_totals(monthly) == [20, 10, 10]


def test_rounding_is_half_up_at_an_exact_tie_not_to_even() -> None:
    assert domain.round_half_up(Fraction(8125, 100), 1) == Decimal("81.3")
    assert domain.round_half_up(Fraction(1875, 100), 1) == Decimal("18.8")
    assert domain.round_half_up(Fraction(-25, 1000), 2) == Decimal("-0.03")
    assert domain.round_half_up(Fraction(1, 8), 2) == Decimal("0.13")
    assert domain.round_half_up(Fraction(2, 3), 1) == Decimal("0.7")


def test_no_rate_without_a_denominator() -> None:
    assert domain.usage_rate(0, 0) is None
    assert domain.wastage_factor(0, 10) is None
    assert domain.dropout(0, 0) is None
    assert domain.coverage(5, 0) is None
    assert domain.shown(None) is None


def test_the_calendar_defaults_follow_tt_34_2018() -> None:
    due = {(d.route, d.period_kind): domain.due_on(d, date(2026, 12, 31)) for d in domain.DEFAULT_CALENDAR}
    assert due[("station_to_district", "month")] == date(2027, 1, 5)
    assert due[("district_to_cdc", "month")] == date(2027, 1, 10)
    assert due[("station_to_district", "year")] == date(2027, 1, 15)
    assert due[("district_to_cdc", "year")] == date(2027, 1, 25)
    quarter = next(
        d for d in domain.DEFAULT_CALENDAR if d.period_kind == "quarter" and d.route == "district_to_cdc"
    )
    assert domain.due_on(quarter, date(2026, 9, 30)) == date(2026, 10, 10)
    changed = domain.calendar_from({**domain.DEFAULT_SETTINGS, "deadline.station_to_district.month": 3})
    month = next(d for d in changed if d.route == "station_to_district" and d.period_kind == "month")
    assert domain.due_on(month, date(2026, 11, 30)) == date(2026, 12, 3)


def test_the_vectorised_rounding_agrees_with_the_exact_helper_on_every_pair() -> None:
    import random

    import polars as pl

    from inventory.reports.tables import half_up

    rng = random.Random(14)
    pairs = [(rng.randint(-500, 5000), rng.randint(-50, 5000)) for _ in range(5000)]
    pairs += [(8125, 10000), (1875, 10000), (6043, 8595), (1, 8), (0, 0), (5, 0)]
    frame = pl.DataFrame(pairs, schema={"n": pl.Int64, "d": pl.Int64}, orient="row")
    got = frame.select(
        half_up(pl.col("n"), pl.col("d"), places=1).alias("pct"),
        half_up(pl.col("n"), pl.col("d"), places=2, times=1).alias("factor"),
    )
    for (n, d), pct, factor in zip(pairs, got["pct"], got["factor"], strict=True):
        expected_pct = None if d == 0 else float(domain.round_half_up(Fraction(100 * n, d), 1))
        expected_factor = None if d == 0 else float(domain.round_half_up(Fraction(n, d), 2))
        assert (pct, factor) == (expected_pct, expected_factor), (n, d)
