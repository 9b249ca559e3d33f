"""The frames' schemas, the rules' constants and the dose state codes shared by the backlog modules."""

from __future__ import annotations

import polars as pl

CHILDREN = pl.Schema(
    {"child_id": pl.String, "sex": pl.String, "birth_date": pl.Date, "commune_code": pl.String}
)
DOSES = pl.Schema({"child_id": pl.String, "antigen": pl.String, "dose_number": pl.Int16, "given_on": pl.Date})
COMMUNE_MAP = pl.Schema({"old_code": pl.String, "new_code": pl.String})
PRODUCTS = pl.Schema({"product_code": pl.String, "doses_per_vial": pl.Int64, "keep_opened_vial": pl.Boolean})

DOSE_STATE = pl.Enum(["received", "due", "overdue", "not_yet", "aged_out"])
CHILD_STATUS_KIND = pl.Enum(["zero_dose", "under_immunized", "up_to_date", "fully_immunized", "aged_out"])

DOSE_PLAN = pl.Schema(
    {
        "child_id": pl.String,
        "commune_code": pl.String,
        "birth_date": pl.Date,
        "antigen": pl.String,
        "dose_number": pl.Int16,
        "product_code": pl.String,
        "state": DOSE_STATE,
        "given_on": pl.Date,
        "recommended_on": pl.Date,
        "earliest_on": pl.Date,
        "upper_on": pl.Date,
        "is_next": pl.Boolean,
    }
)
CHILD_STATUS = pl.Schema(
    {
        "child_id": pl.String,
        "sex": pl.String,
        "birth_date": pl.Date,
        "commune_code": pl.String,
        "status": CHILD_STATUS_KIND,
        "doses_received": pl.Int64,
        "doses_due": pl.Int64,
        "doses_overdue": pl.Int64,
        "doses_aged_out": pl.Int64,
        "next_dose_on": pl.Date,
    }
)
BACKLOG = pl.Schema(
    {
        "commune_code": pl.String,
        "antigen": pl.String,
        "dose_number": pl.Int16,
        "product_code": pl.String,
        "due": pl.Int64,
        "overdue": pl.Int64,
        "zero_dose": pl.Int64,
        "doses_needed": pl.Int64,
    }
)
DUE_LIST = pl.Schema(
    {
        "session_on": pl.Date,
        "commune_code": pl.String,
        "child_id": pl.String,
        "sex": pl.String,
        "birth_date": pl.Date,
        "antigen": pl.String,
        "dose_number": pl.Int16,
        "product_code": pl.String,
        "state": DOSE_STATE,
        "recommended_on": pl.Date,
        "earliest_on": pl.Date,
    }
)
SESSION_PLAN = pl.Schema(
    {
        "commune_code": pl.String,
        "product_code": pl.String,
        "sessions": pl.Int64,
        "doses": pl.Int64,
        "doses_per_vial": pl.Int64,
        "keep_opened_vial": pl.Boolean,
        "vials": pl.Int64,
    }
)

DEFAULT_GRACE_DAYS = 28
"""A dose is overdue once the child is past its recommended age by more than this many days."""

DEFAULT_OPEN_VIAL_DAYS = 28
"""WHO multi-dose vial policy (2014): an opened vial that may be kept is usable for up to 28 days."""

LIVE_ANTIGENS = frozenset({"BCG", "MEASLES"})
"""Injectable live vaccines of the schedule (measles-containing: MEASLES dose 1 and MR dose 2)."""

LIVE_SPACING_DAYS = 28
"""WHO (DAK decision tables): BCG and measles-containing vaccine wait until 4 weeks after another live vaccine;
the same day is allowed (co-administration). Only doses already given count."""

MAX_DOSE_NUMBER = 63
"""Dose records numbered outside 1..63 are data errors and are ignored (no series has more than a few doses)."""

_RECEIVED, _DUE, _OVERDUE, _NOT_YET, _AGED_OUT = range(5)
_OPEN = (_DUE, _OVERDUE, _NOT_YET)
