from datetime import date

import pytest

from forecasting.periods import (
    ForecastParameterError,
    annual_estimates_due,
    parse_period,
    require_not_past,
    submission_deadline,
    year_period,
    years_period,
)


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "months", "days", "label_vi"),
    [
        ("2026-12", "month", date(2026, 12, 1), date(2026, 12, 31), 1, 31, "tháng 12/2026"),
        ("2028-02", "month", date(2028, 2, 1), date(2028, 2, 29), 1, 29, "tháng 02/2028"),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31), 3, 92, "quý IV/2026"),
        ("2027-q1", "quarter", date(2027, 1, 1), date(2027, 3, 31), 3, 90, "quý I/2027"),
        ("2027", "year", date(2027, 1, 1), date(2027, 12, 31), 12, 365, "năm 2027"),
        ("2027-2029", "years", date(2027, 1, 1), date(2029, 12, 31), 36, 1096, "giai đoạn 2027-2029"),
    ],
)
def test_a_period_label_parses_into_its_calendar_span(text, kind, start, end, months, days, label_vi):
    period = parse_period(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert (period.months, period.days, period.label_vi) == (months, days, label_vi)
    assert parse_period(period.label) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26", "2029-2027", "next year", ""])
def test_a_label_that_is_not_a_period_is_refused_naming_the_period(text):
    with pytest.raises(ForecastParameterError) as error:
        parse_period(text)
    assert error.value.field == "period"


def test_a_period_that_ended_before_today_is_refused():
    with pytest.raises(ForecastParameterError, match="2026-04") as error:
        require_not_past(parse_period("2026-04"), today=date(2026, 5, 15))
    assert error.value.field == "period"


def test_the_current_and_future_periods_are_accepted():
    today = date(2026, 5, 15)
    for text in ("2026-05", "2026-Q2", "2026", "2026-06", "2027-2029"):
        assert require_not_past(parse_period(text), today=today).label == text


def test_the_annual_estimate_is_due_by_30_may_of_the_year_before():
    assert submission_deadline(year_period(2027)) == date(2026, 5, 30)
    assert submission_deadline(years_period(2027)) == date(2026, 5, 30)
    assert submission_deadline(parse_period("2026-12")) is None


def test_from_2026_the_three_year_estimate_is_due_with_the_annual_one():
    assert [p.label for p in annual_estimates_due(date(2025, 4, 1))] == ["2026"]
    assert [p.label for p in annual_estimates_due(date(2026, 5, 30))] == ["2027", "2027-2029"]
    assert [p.label for p in annual_estimates_due(date(2026, 6, 1))] == ["2028", "2028-2030"]


def test_the_first_multi_year_and_its_span_are_parameters():
    due = annual_estimates_due(date(2025, 4, 1), multi_year_from=2025, span=5)
    assert [p.label for p in due] == ["2026", "2026-2030"]
