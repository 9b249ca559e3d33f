"""Due / overdue doses, statuses, the backlog, due lists and session plans on hand-worked children.

Ages are calendar months ("đủ 2 tháng" = same day two months later); "1 month" intervals are 28 days
unless a test says otherwise. Every expected date below was worked out by hand from the schedule rows.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecasting.backlog import (
    BACKLOG,
    CHILD_STATUS,
    CHILDREN,
    COMMUNE_MAP,
    DOSE_PLAN,
    DOSES,
    DUE_LIST,
    PRODUCTS,
    SESSION_PLAN,
    backlog,
    child_status,
    dose_plan,
    due_list,
    session_plan,
)
from forecasting.schedule import load_schedule

EPI_SCHEDULE = load_schedule()
PLAN_COLUMNS = {"antigen": pl.String, "dose_number": pl.Int16, "state": pl.String, "earliest_on": pl.Date}


def children(*rows: tuple[str, str, date, str]) -> pl.LazyFrame:
    return pl.LazyFrame(rows, schema=CHILDREN, orient="row")


def doses(*rows: tuple[str, str, int, date]) -> pl.LazyFrame:
    return pl.LazyFrame(rows, schema=DOSES, orient="row")


def plan_rows(*rows: tuple[str, int, str, date | None]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=PLAN_COLUMNS, orient="row")


def plan_of(
    kids: pl.LazyFrame, given: pl.LazyFrame, *, as_of: date, antigens: tuple[str, ...], **settings: object
) -> pl.DataFrame:
    """The named antigens' rows of the (single) child's dose plan, as (antigen, dose, state, earliest)."""
    plan = dose_plan(kids, given, schedule=EPI_SCHEDULE, as_of=as_of, **settings)
    return (
        plan.filter(pl.col("antigen").is_in(antigens))
        .select(
            pl.col("antigen"), pl.col("dose_number"), pl.col("state").cast(pl.String), pl.col("earliest_on")
        )
        .collect()
    )


def status_of(kids: pl.LazyFrame, given: pl.LazyFrame, *, as_of: date, **settings: object) -> list[str]:
    statuses = child_status(kids, given, schedule=EPI_SCHEDULE, as_of=as_of, **settings).collect()
    return statuses["status"].cast(pl.String).to_list()


def due_on(kids: pl.LazyFrame, given: pl.LazyFrame, *, session_on: date) -> list[tuple[str, int]]:
    listed = due_list(kids, given, schedule=EPI_SCHEDULE, session_on=session_on).collect()
    return list(zip(listed["antigen"], listed["dose_number"], strict=True))


# A late starter: first seen at 7 months with no dose at all (TT 10/2024).
LATE = children(("late", "F", date(2024, 3, 10), "03433"))


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


# An interrupted series: DTP1 and DTP2 on time, then nothing for seven months (TT 10/2024).
INTERRUPTED = children(("gap", "M", date(2024, 1, 5), "03445"))
INTERRUPTED_DOSES = doses(
    ("gap", "DTP", 1, date(2024, 3, 5)),
    ("gap", "DTP", 2, date(2024, 4, 10)),
    ("gap", "BOPV", 1, date(2024, 3, 5)),
    ("gap", "BOPV", 2, date(2024, 4, 10)),
)


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


# The WHO case: a child who starts DTP at 17 months (WHO Table 3, late starter > 12 months).
DTP17 = children(("who", "F", date(2024, 1, 15), "03439"))
DTP17_DOSES = doses(("who", "DTP", 1, date(2025, 6, 15)))


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


# A fully immunized child for his age: everything up to 9 months, next dose (JE) at 12 months.
FULL = children(("full", "M", date(2024, 1, 15), "03433"))
FULL_DOSES = doses(
    ("full", "HEPB", 1, date(2024, 1, 15)),
    ("full", "BCG", 1, date(2024, 1, 16)),
    *(("full", a, n, date(2024, 2 + n, 15)) for a in ("DTP", "BOPV") for n in (1, 2, 3)),
    ("full", "IPV", 1, date(2024, 6, 15)),
    ("full", "IPV", 2, date(2024, 10, 15)),
    ("full", "MEASLES", 1, date(2024, 10, 15)),
)


def test_a_child_with_every_dose_for_his_age_is_fully_immunized_with_an_empty_backlog() -> None:
    as_of = date(2024, 12, 1)
    status = child_status(FULL, FULL_DOSES, schedule=EPI_SCHEDULE, as_of=as_of).collect()
    assert status.select("status", "doses_received", "doses_due", "doses_overdue", "next_dose_on").rows() == [
        ("fully_immunized", 11, 0, 0, date(2025, 1, 15))
    ]
    assert backlog(FULL, FULL_DOSES, schedule=EPI_SCHEDULE, as_of=as_of).collect().is_empty()


def test_a_fully_immunized_child_becomes_up_to_date_when_a_booster_falls_due() -> None:
    assert status_of(FULL, FULL_DOSES, as_of=date(2025, 1, 20)) == ["up_to_date"]  # JE1 due, in grace


# Children still registered under an old commune code (Mường Tè's 2025 merger).
MERGER_MAP = pl.LazyFrame([("03448", "03466"), ("03454", "03433")], schema=COMMUNE_MAP, orient="row")
MERGED = children(("old-code", "F", date(2025, 1, 5), "03448"), ("new-code", "M", date(2025, 1, 20), "03466"))


def test_a_child_under_an_old_commune_code_is_counted_in_the_new_commune() -> None:
    got = backlog(MERGED, doses(), schedule=EPI_SCHEDULE, as_of=date(2025, 4, 30), commune_map=MERGER_MAP)
    expected = pl.DataFrame([("03466", "DTP", 1, "PENTA", 0, 2, 2, 2)], schema=BACKLOG, orient="row")
    assert_frame_equal(got.filter(antigen="DTP", dose_number=1).collect(), expected)


def test_without_a_commune_map_the_old_code_stays_its_own_row() -> None:
    got = backlog(MERGED, doses(), schedule=EPI_SCHEDULE, as_of=date(2025, 4, 30)).filter(
        antigen="DTP", dose_number=1
    )
    assert got.select("commune_code", "overdue").collect().rows() == [("03448", 1), ("03466", 1)]


def test_the_backlog_counts_due_overdue_and_zero_dose_children_per_dose() -> None:
    kids = pl.concat([LATE, INTERRUPTED, DTP17]).with_columns(pl.lit("03433").alias("commune_code"))
    given = pl.concat([INTERRUPTED_DOSES, DTP17_DOSES])
    got = backlog(kids, given, schedule=EPI_SCHEDULE, as_of=date(2025, 6, 20)).filter(antigen="DTP").collect()
    expected = pl.DataFrame(
        [
            ("03433", "DTP", 1, "PENTA", 0, 1, 1, 1),  # the late starter, still zero-dose
            ("03433", "DTP", 2, "PENTA", 0, 2, 1, 2),
            ("03433", "DTP", 3, "PENTA", 0, 3, 1, 3),
        ],
        schema=BACKLOG,
        orient="row",
    )
    assert_frame_equal(got, expected)


def test_a_dose_of_an_unregistered_child_is_ignored() -> None:
    given = pl.concat([FULL_DOSES, doses(("stranger", "DTP", 1, date(2024, 3, 1)))])
    assert backlog(FULL, given, schedule=EPI_SCHEDULE, as_of=date(2024, 12, 1)).collect().is_empty()


def test_every_output_has_its_declared_schema() -> None:
    kwargs = {"schedule": EPI_SCHEDULE, "commune_map": MERGER_MAP}
    assert dose_plan(MERGED, doses(), as_of=date(2025, 4, 30), **kwargs).collect_schema() == DOSE_PLAN
    assert child_status(MERGED, doses(), as_of=date(2025, 4, 30), **kwargs).collect_schema() == CHILD_STATUS
    assert backlog(MERGED, doses(), as_of=date(2025, 4, 30), **kwargs).collect_schema() == BACKLOG
    due = due_list(MERGED, doses(), session_on=date(2025, 4, 30), **kwargs)
    assert due.collect_schema() == DUE_LIST
    products = pl.LazyFrame([("PENTA", 1, False)], schema=PRODUCTS, orient="row")
    assert session_plan(due, products).collect_schema() == SESSION_PLAN


# Session plans: three sessions in one commune, two within 28 days of each other and one later.
def due_rows(session_on: date, product_code: str, doses_: int) -> list[tuple[date, str, str]]:
    return [(session_on, "03433", product_code)] * doses_


SESSIONS = pl.LazyFrame(
    [
        *due_rows(date(2025, 3, 5), "BOPV", 3),
        *due_rows(date(2025, 3, 15), "BOPV", 4),
        *due_rows(date(2025, 4, 14), "BOPV", 5),
        *due_rows(date(2025, 3, 5), "BCG", 3),
        *due_rows(date(2025, 3, 15), "BCG", 4),
        *due_rows(date(2025, 4, 14), "BCG", 5),
        *due_rows(date(2025, 3, 5), "PENTA", 2),
        *due_rows(date(2025, 3, 5), "JE", 1),
    ],
    schema={"session_on": pl.Date, "commune_code": pl.String, "product_code": pl.String},
    orient="row",
)
PRODUCT_TABLE = pl.LazyFrame(
    [("BOPV", 20, True), ("BCG", 10, False), ("PENTA", 1, False)], schema=PRODUCTS, orient="row"
)


def test_a_session_plan_pools_kept_vials_within_28_days_and_opens_fresh_ones_otherwise() -> None:
    expected = pl.DataFrame(
        [
            ("03433", "BCG", 3, 12, 10, False, 3),  # one vial opened and discarded at each session
            ("03433", "BOPV", 3, 12, 20, True, 2),  # sessions 1–2 share a vial; session 3 is 40 days later
            ("03433", "JE", 1, 1, None, None, None),  # not in the product table: no vial count
            ("03433", "PENTA", 1, 2, 1, False, 2),
        ],
        schema=SESSION_PLAN,
        orient="row",
    )
    assert_frame_equal(session_plan(SESSIONS, PRODUCT_TABLE).collect(), expected)


def test_a_longer_open_vial_window_pools_all_three_sessions() -> None:
    plan = session_plan(SESSIONS, PRODUCT_TABLE, open_vial_days=60).filter(product_code="BOPV").collect()
    assert plan["vials"].to_list() == [1]


@pytest.mark.parametrize("session_on", [date(2024, 10, 20), date(2024, 11, 17)])
def test_a_due_list_feeds_a_session_plan(session_on: date) -> None:
    due = due_list(LATE, doses(), schedule=EPI_SCHEDULE, session_on=session_on)
    plan = session_plan(due, PRODUCT_TABLE).collect()
    assert plan.filter(product_code="PENTA")["doses"].to_list() == [1]


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
