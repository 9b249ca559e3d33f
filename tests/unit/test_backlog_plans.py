"""Due / overdue doses and statuses on hand-worked children: dose plans, aged-out series, live vaccines.

Ages are calendar months ("đủ 2 tháng" = same day two months later); "1 month" intervals are 28 days
unless a test says otherwise. Every expected date below was worked out by hand from the schedule rows.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from forecasting.backlog import backlog, child_status, dose_plan
from tests.unit.backlog_samples import (
    DTP17,
    DTP17_DOSES,
    EPI_SCHEDULE,
    FULL,
    FULL_DOSES,
    INTERRUPTED,
    INTERRUPTED_DOSES,
    LATE,
    children,
    doses,
    due_on,
    plan_of,
    plan_rows,
    status_of,
)


def test_a_late_starter_gets_each_series_chained_from_today() -> None:
    expected = plan_rows(
        ("DTP", 1, "overdue", date(2024, 5, 10)),
        ("DTP", 2, "overdue", date(2024, 11, 17)),  # dose 1 today (20/10) + 28 days
        ("DTP", 3, "overdue", date(2024, 12, 15)),  # + 28 days: started before 12 months
        ("DTP", 4, "not_yet", date(2025, 9, 10)),  # 18 months beats dose 3 + 6 months (15/06/2025)
        ("HEPB", 1, "aged_out", date(2024, 3, 10)),  # birth dose only within 24 hours
        ("IPV", 1, "overdue", date(2024, 8, 10)),
        ("IPV", 2, "not_yet", date(2025, 2, 20)),  # IPV1 today + 4 months beats 9 months (10/12/2024)
        ("MEASLES", 1, "not_yet", date(2024, 12, 10)),
        ("MEASLES", 2, "not_yet", date(2025, 9, 10)),  # MR at 18 months
    )
    got = plan_of(LATE, doses(), as_of=date(2024, 10, 20), antigens=("DTP", "HEPB", "IPV", "MEASLES"))
    assert_frame_equal(got, expected)
    assert status_of(LATE, doses(), as_of=date(2024, 10, 20)) == ["zero_dose"]


def test_a_late_starter_is_called_for_the_first_dose_of_each_series_only() -> None:
    assert due_on(LATE, doses(), session_on=date(2024, 10, 20)) == [
        ("BCG", 1),
        ("BOPV", 1),
        ("DTP", 1),
        ("IPV", 1),
    ]


def test_an_interrupted_series_resumes_where_it_stopped_without_restarting() -> None:
    expected = plan_rows(
        ("DTP", 1, "received", None),
        ("DTP", 2, "received", None),
        ("DTP", 3, "overdue", date(2024, 5, 8)),  # dose 2 + 28 days, long past
        ("DTP", 4, "not_yet", date(2025, 7, 5)),
    )
    got = plan_of(INTERRUPTED, INTERRUPTED_DOSES, as_of=date(2024, 11, 20), antigens=("DTP",))
    assert_frame_equal(got, expected)
    assert status_of(INTERRUPTED, INTERRUPTED_DOSES, as_of=date(2024, 11, 20)) == ["under_immunized"]
    assert ("DTP", 3) in due_on(INTERRUPTED, INTERRUPTED_DOSES, session_on=date(2024, 11, 20))


def test_received_doses_carry_their_dates_in_the_dose_plan() -> None:
    plan = dose_plan(INTERRUPTED, INTERRUPTED_DOSES, schedule=EPI_SCHEDULE, as_of=date(2024, 11, 20))
    received = (
        plan.filter(pl.col("state") == "received", antigen="DTP").select("dose_number", "given_on").collect()
    )
    expected = pl.DataFrame(
        {"dose_number": [1, 2], "given_on": [date(2024, 3, 5), date(2024, 4, 10)]},
        schema={"dose_number": pl.Int16, "given_on": pl.Date},
    )
    assert_frame_equal(received, expected)


def test_doses_given_after_the_as_of_date_are_not_counted() -> None:
    later = pl.concat([INTERRUPTED_DOSES, doses(("gap", "DTP", 3, date(2024, 12, 1)))])
    got = plan_of(INTERRUPTED, later, as_of=date(2024, 11, 20), antigens=("DTP",))
    assert got.filter(dose_number=3)["state"].item() == "overdue"


# TT 38/2017 limited the infant series to "trẻ < 1 tuổi": a child first seen at 13 months aged out.
TT38_CHILD = children(("old", "F", date(2023, 1, 10), "03451"))


def test_under_tt38_a_child_past_one_year_has_aged_out_of_the_infant_series() -> None:
    expected = plan_rows(
        ("DTP", 1, "aged_out", date(2023, 3, 10)),
        ("DTP", 2, "aged_out", date(2023, 3, 10)),  # the chain skips an aged-out dose
        ("DTP", 3, "aged_out", date(2023, 3, 10)),
        ("DTP", 4, "aged_out", date(2024, 7, 10)),  # the booster needs the primary series
        ("JE", 1, "overdue", date(2024, 1, 10)),  # JE's target is 1–5 years: still open
        ("JE", 2, "overdue", date(2024, 3, 8)),  # JE1 today + 7 days
        ("JE", 3, "not_yet", date(2025, 3, 8)),  # JE2 + 1 year
        ("MEASLES", 1, "aged_out", date(2023, 10, 10)),
        ("MEASLES", 2, "not_yet", date(2024, 7, 10)),  # MR at 18 months even without measles-1
    )
    got = plan_of(TT38_CHILD, doses(), as_of=date(2024, 3, 1), antigens=("DTP", "MEASLES", "JE"))
    assert_frame_equal(got, expected)
    assert status_of(TT38_CHILD, doses(), as_of=date(2024, 3, 1)) == ["zero_dose"]


def test_a_child_who_can_no_longer_complete_the_full_set_is_aged_out() -> None:
    kid = children(("m1", "M", date(2023, 1, 10), "03433"))
    history = doses(
        ("m1", "BCG", 1, date(2023, 1, 11)),
        *(("m1", a, n, date(2023, 2 + n, 10)) for a in ("DTP", "BOPV") for n in (1, 2, 3)),
        ("m1", "IPV", 1, date(2023, 6, 10)),
    )
    as_of = date(2024, 2, 1)  # TT 38: measles-1 was due before the first birthday (10/01/2024)
    assert status_of(kid, history, as_of=as_of) == ["aged_out"]
    assert due_on(kid, history, session_on=as_of) == [("JE", 1)]


def test_japanese_encephalitis_ages_out_at_the_sixth_birthday() -> None:
    kid = children(("je", "F", date(2019, 9, 1), "03463"))
    got = plan_of(kid, doses(), as_of=date(2025, 9, 1), antigens=("JE",))
    assert got["state"].to_list() == ["aged_out", "aged_out", "aged_out"]
    before = plan_of(kid, doses(), as_of=date(2025, 8, 20), antigens=("JE",))
    assert before["state"].to_list() == ["overdue", "overdue", "aged_out"]  # JE3 needs a year after JE2


# Rota (TT 52/2025): two oral doses, the series must finish before 6 months (UNVERIFIED, data).
ROTA_CHILD = children(("rota", "M", date(2026, 3, 2), "03442"))


def test_rota_dose_two_is_overdue_until_the_child_turns_six_months_then_aged_out() -> None:
    given = doses(("rota", "ROTA", 1, date(2026, 5, 4)))
    on_day_before = plan_of(ROTA_CHILD, given, as_of=date(2026, 9, 1), antigens=("ROTA",))
    assert_frame_equal(
        on_day_before, plan_rows(("ROTA", 1, "received", None), ("ROTA", 2, "overdue", date(2026, 6, 1)))
    )
    at_six_months = plan_of(ROTA_CHILD, given, as_of=date(2026, 9, 2), antigens=("ROTA",))
    assert_frame_equal(
        at_six_months, plan_rows(("ROTA", 1, "received", None), ("ROTA", 2, "aged_out", date(2026, 6, 1)))
    )


def test_rota_dose_two_ages_out_at_once_when_dose_one_came_too_late_to_finish() -> None:
    given = doses(("rota", "ROTA", 1, date(2026, 8, 22)))
    got = plan_of(ROTA_CHILD, given, as_of=date(2026, 8, 25), antigens=("ROTA",))
    assert_frame_equal(
        got, plan_rows(("ROTA", 1, "received", None), ("ROTA", 2, "aged_out", date(2026, 9, 19)))
    )


def test_rota_does_not_apply_to_children_born_before_its_introduction_cohort() -> None:
    kid = children(("pre", "F", date(2025, 8, 1), "03442"))
    got = plan_of(kid, doses(), as_of=date(2026, 3, 1), antigens=("ROTA", "PCV"))
    assert got.is_empty()


def test_the_rota_upper_age_is_schedule_data_an_admin_can_change() -> None:
    edited = EPI_SCHEDULE.with_columns(
        pl.when(pl.col("antigen") == "ROTA")
        .then(8)
        .otherwise(pl.col("upper_age_months"))
        .alias("upper_age_months")
    )
    given = doses(("rota", "ROTA", 1, date(2026, 5, 4)))
    plan = dose_plan(ROTA_CHILD, given, schedule=edited, as_of=date(2026, 9, 2)).filter(
        antigen="ROTA", dose_number=2
    )
    assert plan.select("state", "upper_on").collect().rows() == [("overdue", date(2026, 11, 2))]


def test_a_child_starting_dtp_at_17_months_needs_six_months_before_dose_3_and_a_year_before_the_booster() -> (
    None
):
    expected = plan_rows(
        ("DTP", 1, "received", None),
        ("DTP", 2, "overdue", date(2025, 7, 13)),  # ≥ 4 weeks after dose 1
        ("DTP", 3, "overdue", date(2026, 1, 13)),  # ≥ 6 months after dose 2
        ("DTP", 4, "not_yet", date(2027, 1, 13)),  # ≥ 1 year after dose 3
    )
    assert_frame_equal(plan_of(DTP17, DTP17_DOSES, as_of=date(2025, 6, 20), antigens=("DTP",)), expected)


def test_with_a_calendar_month_setting_the_17_month_starter_shifts_to_calendar_dates() -> None:
    expected = plan_rows(
        ("DTP", 1, "received", None),
        ("DTP", 2, "overdue", date(2025, 7, 15)),
        ("DTP", 3, "overdue", date(2026, 1, 15)),
        ("DTP", 4, "not_yet", date(2027, 1, 15)),
    )
    got = plan_of(DTP17, DTP17_DOSES, as_of=date(2025, 6, 20), antigens=("DTP",), one_month_days=None)
    assert_frame_equal(got, expected)


def test_the_17_month_starter_is_not_called_before_dose_2_is_valid() -> None:
    assert ("DTP", 2) not in due_on(DTP17, DTP17_DOSES, session_on=date(2025, 7, 12))
    assert ("DTP", 2) in due_on(DTP17, DTP17_DOSES, session_on=date(2025, 7, 13))


def test_a_dose_is_due_within_the_grace_period_and_overdue_after_it() -> None:
    kid = children(("g", "M", date(2025, 1, 1), "03466"))

    def dtp1(as_of: date, grace_days: int = 28) -> str:
        return plan_of(kid, doses(), as_of=as_of, antigens=("DTP",), grace_days=grace_days)["state"][0]

    assert dtp1(date(2025, 2, 28)) == "not_yet"
    assert dtp1(date(2025, 3, 1)) == "due"
    assert dtp1(date(2025, 3, 29)) == "due"
    assert dtp1(date(2025, 3, 30)) == "overdue"
    assert dtp1(date(2025, 3, 2), grace_days=0) == "overdue"


def test_the_schedule_version_can_be_forced_over_the_one_in_force() -> None:
    kid = children(("v", "F", date(2024, 1, 5), "03445"))
    by_date = plan_of(kid, doses(), as_of=date(2024, 7, 31), antigens=("IPV", "TD"))
    forced = plan_of(kid, doses(), as_of=date(2024, 7, 31), antigens=("IPV", "TD"), version="TT10/2024")
    assert by_date["antigen"].to_list() == ["IPV"]
    assert forced["antigen"].to_list() == ["IPV", "IPV", "TD"]


def test_a_child_with_every_dose_for_his_age_is_fully_immunized_with_an_empty_backlog() -> None:
    as_of = date(2024, 12, 1)
    status = child_status(FULL, FULL_DOSES, schedule=EPI_SCHEDULE, as_of=as_of).collect()
    assert status.select("status", "doses_received", "doses_due", "doses_overdue", "next_dose_on").rows() == [
        ("fully_immunized", 11, 0, 0, date(2025, 1, 15))
    ]
    assert backlog(FULL, FULL_DOSES, schedule=EPI_SCHEDULE, as_of=as_of).collect().is_empty()


def test_a_fully_immunized_child_becomes_up_to_date_when_a_booster_falls_due() -> None:
    assert status_of(FULL, FULL_DOSES, as_of=date(2025, 1, 20)) == ["up_to_date"]  # JE1 due, in grace


def test_a_dose_record_numbered_outside_1_to_63_is_ignored_as_a_data_error() -> None:
    kid = children(("err", "F", date(2025, 1, 1), "03433"))
    given = doses(("err", "DTP", 0, date(2025, 3, 1)), ("err", "DTP", 99, date(2025, 4, 1)))
    assert plan_of(kid, given, as_of=date(2025, 5, 1), antigens=("DTP",))["state"][0] == "overdue"


# Live vaccines (WHO DAK): BCG and measles-containing vaccine wait 4 weeks after the other, unless same day.
LIVE = children(("live", "F", date(2026, 1, 10), "03451"))


def test_measles_waits_four_weeks_after_a_late_bcg() -> None:
    bcg_late = doses(("live", "BCG", 1, date(2026, 10, 20)))
    expected = plan_rows(
        ("BCG", 1, "received", None),
        ("MEASLES", 1, "not_yet", date(2026, 11, 17)),  # BCG 20/10 + 28 days, not 9 months (10/10)
        ("MEASLES", 2, "not_yet", date(2027, 7, 10)),  # MR at 18 months
    )
    got = plan_of(LIVE, bcg_late, as_of=date(2026, 11, 1), antigens=("BCG", "MEASLES"))
    assert_frame_equal(got, expected)
    assert ("MEASLES", 1) not in due_on(LIVE, bcg_late, session_on=date(2026, 11, 1))
    assert ("MEASLES", 1) in due_on(LIVE, bcg_late, session_on=date(2026, 11, 17))


def test_measles_may_be_given_the_same_day_as_bcg() -> None:
    bcg_today = doses(("live", "BCG", 1, date(2026, 11, 1)))
    got = plan_of(LIVE, bcg_today, as_of=date(2026, 11, 1), antigens=("MEASLES",))
    assert got.row(0) == ("MEASLES", 1, "due", date(2026, 10, 10))
    assert ("MEASLES", 1) in due_on(LIVE, bcg_today, session_on=date(2026, 11, 1))


def test_a_missed_bcg_waits_four_weeks_after_measles() -> None:
    measles = doses(("live", "MEASLES", 1, date(2026, 10, 12)))
    got = plan_of(LIVE, measles, as_of=date(2026, 10, 25), antigens=("BCG",))
    assert got.row(0) == ("BCG", 1, "overdue", date(2026, 11, 9))
    assert ("BCG", 1) not in due_on(LIVE, measles, session_on=date(2026, 10, 25))
