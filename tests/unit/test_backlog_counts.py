"""The backlog by commune × antigen × dose, the declared schemas, due lists and session plans.

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
    COMMUNE_MAP,
    DOSE_PLAN,
    DUE_LIST,
    PRODUCTS,
    SESSION_PLAN,
    backlog,
    child_status,
    dose_plan,
    due_list,
    session_plan,
)
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
)

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
