"""The EPI schedule as versioned data: loading, version choice, validation, rule resolution."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from forecasting.schedule import (
    SCHEDULE,
    ScheduleError,
    Span,
    check_schedule,
    dose_rules,
    load_schedule,
    schedule_in_force,
    series_of,
    version_in_force,
)


@pytest.fixture(scope="module")
def schedule() -> pl.DataFrame:
    return load_schedule()


def test_the_bundled_schedule_has_the_declared_schema_and_no_problems(schedule: pl.DataFrame) -> None:
    assert schedule.schema == SCHEDULE
    assert check_schedule(schedule) == []
    assert set(schedule["version"]) == {"TT38/2017", "TT10/2024", "TT52/2025"}


def test_the_version_in_force_follows_the_effective_dates(schedule: pl.DataFrame) -> None:
    assert version_in_force(schedule, on=date(2018, 1, 1)) == "TT38/2017"
    assert version_in_force(schedule, on=date(2024, 7, 31)) == "TT38/2017"
    assert version_in_force(schedule, on=date(2024, 8, 1)) == "TT10/2024"
    assert version_in_force(schedule, on=date(2026, 2, 14)) == "TT10/2024"
    assert version_in_force(schedule, on=date(2026, 2, 15)) == "TT52/2025"
    assert version_in_force(schedule, on=date(2030, 1, 1)) == "TT52/2025"


def test_a_version_can_be_chosen_explicitly_whatever_the_date(schedule: pl.DataFrame) -> None:
    assert version_in_force(schedule, on=date(2026, 3, 1), version="TT10/2024") == "TT10/2024"
    with pytest.raises(ScheduleError, match="unknown schedule version"):
        version_in_force(schedule, on=date(2026, 3, 1), version="TT99/2030")


def test_no_version_is_in_force_before_tt38_took_effect(schedule: pl.DataFrame) -> None:
    with pytest.raises(ScheduleError, match="no schedule version is in force on 2017-12-31"):
        version_in_force(schedule, on=date(2017, 12, 31))


def test_each_version_holds_its_own_antigens(schedule: pl.DataFrame) -> None:
    def antigens(on: date) -> set[str]:
        return set(schedule_in_force(schedule, on=on)["antigen"])

    base = {"HEPB", "BCG", "DTP", "BOPV", "IPV", "MEASLES", "JE"}
    assert antigens(date(2020, 1, 1)) == base
    assert antigens(date(2025, 1, 1)) == base | {"TD"}
    assert antigens(date(2026, 3, 1)) == base | {"TD", "ROTA", "PCV"}


def test_every_schedule_row_names_a_catalogue_product(schedule: pl.DataFrame) -> None:
    tt52 = schedule_in_force(schedule, on=date(2026, 3, 1))
    products = dict(
        zip(zip(tt52["antigen"], tt52["dose_number"], strict=True), tt52["product_code"], strict=True)
    )
    assert products[("HEPB", 1)] == "HEPB"
    assert [products[("DTP", n)] for n in (1, 2, 3, 4)] == ["PENTA", "PENTA", "PENTA", "DTP"]
    assert [products[("MEASLES", n)] for n in (1, 2)] == ["MEASLES", "MR"]
    assert products[("TD", 1)] == "TD"
    assert products[("ROTA", 2)] == "ROTA"


def test_unverified_values_are_flagged_and_explained(schedule: pl.DataFrame) -> None:
    unverified = schedule.filter("unverified")
    assert unverified.height > 0
    assert unverified["note"].str.contains("UNVERIFIED").all()
    rota = schedule.filter(pl.col("antigen") == "ROTA")
    assert rota["unverified"].all()
    assert rota.select("upper_age_months", "upper_age_days").unique().rows() == [(6, 0)]


def test_tt38_upper_ages_are_its_target_groups_and_tt10_widens_them(schedule: pl.DataFrame) -> None:
    def upper_months(version: str, antigen: str, dose: int) -> int:
        row = schedule.filter(version=version, antigen=antigen, dose_number=dose)
        return row["upper_age_months"].item()

    assert upper_months("TT38/2017", "DTP", 1) == 12
    assert upper_months("TT38/2017", "MEASLES", 2) == 24
    assert upper_months("TT38/2017", "JE", 1) == 72
    assert upper_months("TT10/2024", "DTP", 1) == 60


def test_the_legal_month_is_28_days_by_default_and_a_calendar_month_on_request(
    schedule: pl.DataFrame,
) -> None:
    by_default = {(r.antigen, r.dose_number): r for r in dose_rules(schedule, on=date(2025, 1, 1))}
    calendar = {
        (r.antigen, r.dose_number): r for r in dose_rules(schedule, on=date(2025, 1, 1), one_month_days=None)
    }
    assert by_default[("DTP", 2)].min_interval == Span(days=28)
    assert calendar[("DTP", 2)].min_interval == Span(months=1)
    assert by_default[("JE", 3)].min_interval == Span(months=12) == calendar[("JE", 3)].min_interval
    assert by_default[("DTP", 3)].late_interval == Span(months=6)
    assert by_default[("DTP", 3)].late_start_age == Span(months=12)


def test_series_of_groups_rules_by_antigen_in_dose_order(schedule: pl.DataFrame) -> None:
    series = series_of(dose_rules(schedule, on=date(2025, 1, 1)))
    assert [rule.dose_number for rule in series["DTP"]] == [1, 2, 3, 4]
    assert [rule.dose_number for rule in series["BCG"]] == [1]


def test_check_schedule_reports_gaps_markers_and_overlaps(schedule: pl.DataFrame) -> None:
    broken = pl.concat(
        [
            schedule.remove(version="TT38/2017", antigen="JE", dose_number=2),
            schedule.filter(pl.col("version") == "TT10/2024", pl.col("antigen") == "BCG").with_columns(
                pl.lit("TT99/2025").alias("version"), pl.lit(date(2025, 1, 1)).alias("effective_from")
            ),
        ]
    ).with_columns(
        pl.when(pl.col("version") == "TT52/2025")
        .then(False)
        .otherwise(pl.col("zero_dose_marker"))
        .alias("zero_dose_marker")
    )
    problems = check_schedule(broken)
    assert "TT38/2017 JE: dose numbers must run 1..n, got [1, 3]" in problems
    assert "TT52/2025: exactly one dose must be the zero-dose marker" in problems
    assert "TT10/2024 and TT99/2025 overlap" in problems


def test_dose_rules_refuse_an_edited_schedule_with_problems(schedule: pl.DataFrame) -> None:
    edited = schedule.with_columns(
        pl.when(pl.col("antigen") == "BCG")
        .then(pl.lit("BCG-X"))
        .otherwise(pl.col("product_code"))
        .alias("product_code")
    )
    with pytest.raises(ScheduleError, match="unknown product code 'BCG-X'"):
        dose_rules(edited, on=date(2025, 1, 1))
