"""Hand-worked children and the helpers shared by the backlog unit tests (``test_backlog_*.py``).

Ages are calendar months ("đủ 2 tháng" = same day two months later); "1 month" intervals are 28 days
unless a test says otherwise. Every expected date below was worked out by hand from the schedule rows.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.backlog import CHILDREN, DOSES, child_status, dose_plan, due_list
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

# An interrupted series: DTP1 and DTP2 on time, then nothing for seven months (TT 10/2024).
INTERRUPTED = children(("gap", "M", date(2024, 1, 5), "03445"))
INTERRUPTED_DOSES = doses(
    ("gap", "DTP", 1, date(2024, 3, 5)),
    ("gap", "DTP", 2, date(2024, 4, 10)),
    ("gap", "BOPV", 1, date(2024, 3, 5)),
    ("gap", "BOPV", 2, date(2024, 4, 10)),
)

# The WHO case: a child who starts DTP at 17 months (WHO Table 3, late starter > 12 months).
DTP17 = children(("who", "F", date(2024, 1, 15), "03439"))
DTP17_DOSES = doses(("who", "DTP", 1, date(2025, 6, 15)))

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
