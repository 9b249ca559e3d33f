"""Due and overdue doses per child, the backlog by commune × antigen × dose, due lists and session plans.

The rules (WHO interrupted-series logic over the versioned EPI schedule) are spelled out in
``forecasting.reference_backlog``, a plain per-child Python version used as the test oracle. This module
computes the same thing for millions of children at once: the doses are reduced to one row per child
(count, first and last date per antigen series), and every schedule dose becomes a few columns of that row,
built from the schedule version's rules as literal expressions. Nothing is ever materialised per
child × dose unless a per-dose listing is asked for (``dose_plan``, ``due_list``).

Inputs (LazyFrames of the declared schemas):
- ``children`` (``CHILDREN``), one row per child, ``child_id`` unique;
- ``doses`` (``DOSES``), one row per dose given, (child_id, antigen, dose_number) unique, antigens named as
  in the schedule (``HEPB``, ``BCG``, ``DTP`` 1–4, ``BOPV``, ``IPV``, ``MEASLES`` 1–2, ``JE``, ``TD``, ``ROTA``,
  ``PCV``); other antigens, doses given after the as-of date and dose numbers outside 1..63 are ignored.
  Handing them over ordered by child (``ORDER BY child_id``) makes the aggregation about 3x faster;
  the order never changes the result. All doses handed over are aggregated: for one commune's due list,
  pass that commune's children and their doses only;
- ``commune_map`` (``COMMUNE_MAP``, optional): old → new commune codes; codes not listed stay as they are.
The schedule is a small configuration table (``SCHEDULE``), taken as a DataFrame and read eagerly to build
the query. Every function returns a LazyFrame: the caller collects once (the default streaming engine is the
fast one here). Dates must lie in 1900–2199.

Live vaccines: a BCG or measles-containing dose is not valid within ``LIVE_SPACING_DAYS`` after a dose of the
other was given, except on that same day (its earliest date moves; doses only proposed do not count).

A dose's ``state`` as of a date: ``received``; ``aged_out`` (it cannot be given before its upper age, or its
series' previous dose cannot and it requires it); ``overdue`` (the child is past its recommended age plus the
grace period; counted even while it waits for an earlier dose of its series); ``due`` (recommended age
reached and valid today); else ``not_yet``. A child's ``status`` is the first that applies: ``zero_dose``
(the zero-dose marker, DTP1, overdue or aged out), ``under_immunized`` (a dose overdue), ``fully_immunized``
(every dose of the fully-immunized set received and nothing due), ``aged_out`` (a dose of that set can no
longer be given), ``up_to_date``.
"""

from __future__ import annotations

from forecasting.backlog.aggregate import backlog
from forecasting.backlog.plan import add_span, dose_plan
from forecasting.backlog.schemas import (
    BACKLOG,
    CHILD_STATUS,
    CHILD_STATUS_KIND,
    CHILDREN,
    COMMUNE_MAP,
    DEFAULT_GRACE_DAYS,
    DEFAULT_OPEN_VIAL_DAYS,
    DOSE_PLAN,
    DOSE_STATE,
    DOSES,
    DUE_LIST,
    LIVE_ANTIGENS,
    LIVE_SPACING_DAYS,
    MAX_DOSE_NUMBER,
    PRODUCTS,
    SESSION_PLAN,
)
from forecasting.backlog.sessions import due_list, session_plan
from forecasting.backlog.status import child_status

__all__ = [
    "BACKLOG",
    "CHILDREN",
    "CHILD_STATUS",
    "CHILD_STATUS_KIND",
    "COMMUNE_MAP",
    "DEFAULT_GRACE_DAYS",
    "DEFAULT_OPEN_VIAL_DAYS",
    "DOSES",
    "DOSE_PLAN",
    "DOSE_STATE",
    "DUE_LIST",
    "LIVE_ANTIGENS",
    "LIVE_SPACING_DAYS",
    "MAX_DOSE_NUMBER",
    "PRODUCTS",
    "SESSION_PLAN",
    "add_span",
    "backlog",
    "child_status",
    "dose_plan",
    "due_list",
    "session_plan",
]
