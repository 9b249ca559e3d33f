"""Plain per-child Python implementation of the catch-up rules in ``forecasting.backlog``.

It is the oracle for the property tests and the baseline for ``bench/backlog.py``: one child at a time,
one dose at a time, with ``datetime.date`` arithmetic. Keep it obvious rather than fast.

The rules, per child and antigen series, as of a date ``t`` (WHO: never restart a series):
- ``k`` = number of doses of the series on record, given on or before ``t`` (records numbered outside
  1..63 are data errors and ignored); doses 1..k are received (the count, not the recorded dose numbers,
  drives the next dose).
- Each later dose is placed at ``earliest = max(birth + minimum age, previous + interval)``, where
  ``previous`` is the last dose given, or the date the previous dose could be given if it is still to come
  (``max(its earliest, t)``). The interval is the late-start one when the series started at or after the
  rule's late-start age.
- A dose that cannot be given before its upper age (``max(earliest, t) >= birth + upper age``), or whose
  predecessor cannot be given while it ``requires_previous``, is ``aged_out`` and is skipped by the chain.
- Otherwise it is ``overdue`` when ``t > birth + recommended age + grace``, ``due`` when the recommended
  age is reached and ``earliest <= t``, else ``not_yet``.
- A dose whose ``born_from`` is after the birth date does not apply to the child.
- BCG and measles-containing doses (``LIVE_ANTIGENS``) wait ``LIVE_SPACING_DAYS`` after the last dose given
  of the other live antigen, unless that dose was given on ``t`` and this one is valid on ``t`` (same day).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from forecasting.backlog import LIVE_ANTIGENS, LIVE_SPACING_DAYS
from forecasting.schedule import DoseRule, Span, series_of

MAX_DOSE_NUMBER = 63
"""Dose records numbered outside 1..63 are data errors and are ignored (as in ``forecasting.backlog``)."""

RECEIVED, DUE, OVERDUE, NOT_YET, AGED_OUT = "received", "due", "overdue", "not_yet", "aged_out"


@dataclass(frozen=True, slots=True)
class PlannedDose:
    """One schedule dose of one child as of a date."""

    antigen: str
    dose_number: int
    product_code: str
    state: str
    given_on: date | None
    recommended_on: date
    earliest_on: date | None
    upper_on: date | None


def add_span(day: date, span: Span) -> date:
    """``day`` plus whole calendar months (clamped to the month's end), then days."""
    month_index = day.year * 12 + day.month - 1 + span.months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day)) + timedelta(days=span.days)


def plan_child(
    *,
    birth_date: date,
    given: Mapping[str, Sequence[date]],
    rules: Sequence[DoseRule],
    as_of: date,
    grace_days: int,
) -> list[PlannedDose]:
    """Every applicable schedule dose of one child, received or not, in antigen and dose order."""
    planned: list[PlannedDose] = []
    all_series = series_of(tuple(rules))
    live = [a for a in all_series if a in LIVE_ANTIGENS]
    last_live = {a: max(given[a]) for a in live if given.get(a)} if len(live) > 1 else {}
    for antigen, series in all_series.items():
        dates = sorted(given.get(antigen, ()))
        received = len(dates)
        previous = dates[-1] if dates else None
        started = dates[0] if dates else None
        blocked = False
        for rule in series:
            if rule.born_from is not None and birth_date < rule.born_from:
                continue
            recommended_on = add_span(birth_date, rule.recommended_age)
            upper_on = add_span(birth_date, rule.upper_age) if rule.upper_age else None
            if rule.dose_number <= received:
                planned.append(
                    _dose(rule, RECEIVED, dates[rule.dose_number - 1], recommended_on, None, upper_on)
                )
                blocked = False
                continue
            earliest = add_span(birth_date, rule.minimum_age)
            if previous is not None and rule.min_interval is not None:
                interval = rule.min_interval
                late = rule.late_start_age is not None and rule.late_interval is not None
                if late and started >= add_span(birth_date, rule.late_start_age):
                    interval = rule.late_interval
                earliest = max(earliest, add_span(previous, interval))
            other = max((d for a, d in last_live.items() if a != antigen), default=None)
            if antigen in live and other is not None and not (other == as_of and earliest <= as_of):
                earliest = max(earliest, other + timedelta(days=LIVE_SPACING_DAYS))
            proposed = max(earliest, as_of)
            if (blocked and rule.requires_previous) or (upper_on is not None and proposed >= upper_on):
                planned.append(_dose(rule, AGED_OUT, None, recommended_on, earliest, upper_on))
                blocked = True
                continue
            if as_of > recommended_on + timedelta(days=grace_days):
                state = OVERDUE
            elif recommended_on <= as_of and earliest <= as_of:
                state = DUE
            else:
                state = NOT_YET
            planned.append(_dose(rule, state, None, recommended_on, earliest, upper_on))
            blocked = False
            previous = proposed
            started = started or proposed
    return planned


def status_of(planned: Sequence[PlannedDose], rules: Sequence[DoseRule]) -> str:
    """The child's status: zero_dose, under_immunized, fully_immunized, aged_out or up_to_date."""
    marker = {(r.antigen, r.dose_number) for r in rules if r.zero_dose_marker}
    full = {(r.antigen, r.dose_number) for r in rules if r.fully_immunized}
    states = [(d.antigen, d.dose_number, d.state) for d in planned]
    if any((a, n) in marker and s in (OVERDUE, AGED_OUT) for a, n, s in states):
        return "zero_dose"
    if any(s == OVERDUE for _, _, s in states):
        return "under_immunized"
    if all(s == RECEIVED for a, n, s in states if (a, n) in full) and not any(s == DUE for *_, s in states):
        return "fully_immunized"
    if any((a, n) in full and s == AGED_OUT for a, n, s in states):
        return "aged_out"
    return "up_to_date"


def reference_plans(
    children: Iterable[tuple[str, str, date, str]],
    doses: Iterable[tuple[str, str, int, date]],
    *,
    rules: Sequence[DoseRule],
    as_of: date,
    grace_days: int = 28,
    commune_map: Mapping[str, str] | None = None,
) -> dict[str, tuple[str, str, list[PlannedDose]]]:
    """Per child id: (commune code after mapping, status, planned doses), from plain row tuples."""
    antigens = {rule.antigen for rule in rules}
    given: dict[str, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for child_id, antigen, dose_number, given_on in doses:
        if antigen in antigens and given_on <= as_of and 1 <= dose_number <= MAX_DOSE_NUMBER:
            given[child_id][antigen].append(given_on)
    plans = {}
    for child_id, _sex, birth_date, commune_code in children:
        commune = (commune_map or {}).get(commune_code, commune_code)
        planned = plan_child(
            birth_date=birth_date,
            given=given.get(child_id, {}),
            rules=rules,
            as_of=as_of,
            grace_days=grace_days,
        )
        plans[child_id] = (commune, status_of(planned, rules), planned)
    return plans


def reference_backlog(
    children: Iterable[tuple[str, str, date, str]],
    doses: Iterable[tuple[str, str, int, date]],
    *,
    rules: Sequence[DoseRule],
    as_of: date,
    grace_days: int = 28,
    commune_map: Mapping[str, str] | None = None,
) -> dict[tuple[str, str, int], tuple[int, int, int]]:
    """(commune, antigen, dose number) -> (due, overdue, zero-dose children among them), non-empty only."""
    plans = reference_plans(
        children, doses, rules=rules, as_of=as_of, grace_days=grace_days, commune_map=commune_map
    )
    counts: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for commune, status, planned in plans.values():
        for dose in planned:
            if dose.state in (DUE, OVERDUE):
                row = counts[(commune, dose.antigen, dose.dose_number)]
                row[0 if dose.state == DUE else 1] += 1
                row[2] += status == "zero_dose"
    return {key: (due, overdue, zero) for key, (due, overdue, zero) in counts.items()}


def _dose(
    rule: DoseRule,
    state: str,
    given_on: date | None,
    recommended_on: date,
    earliest_on: date | None,
    upper_on: date | None,
) -> PlannedDose:
    return PlannedDose(
        rule.antigen,
        rule.dose_number,
        rule.product_code,
        state,
        given_on,
        recommended_on,
        earliest_on,
        upper_on,
    )
