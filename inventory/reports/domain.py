"""The reports' rules: WHO indicator formulas on exact fractions, one half-up rounding, the reporting calendar.

Standard library only. Every rate is computed from its counts as a :class:`fractions.Fraction` and rounded
once, for display, half-up (``decimal.ROUND_HALF_UP``) by :func:`round_half_up`: percentages to one decimal,
the wastage factor to two (who-rules.md §4, §5 E9-E11).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PERCENT_DECIMALS = 1
"""Percentages (coverage, dropout, usage, wastage) are shown with one decimal, rounded half-up once."""
FACTOR_DECIMALS = 2
"""The wastage factor is shown with two decimals, rounded half-up once (as the published examples print)."""

CLOSED_VIAL_REASONS = ("expired", "vvm_discard", "frozen", "broken", "lost", "cold_chain_failure")
"""Adjustment reasons that are closed-vial wastage (doses lost in unopened vials), one column each."""


def round_half_up(value: Fraction | int, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals, exactly: integer arithmetic on the
    fraction, so no binary float or limited-precision division decides a tie."""
    value = Fraction(value)
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(-whole if value < 0 else whole) * quantum).quantize(quantum, rounding=ROUND_HALF_UP)


def share(part: int, whole: int) -> Fraction | None:
    """part ÷ whole × 100 as an exact fraction; None when the whole is zero (no rate, not 0 %)."""
    if whole == 0:
        return None
    return Fraction(100 * part, whole)


def usage_rate(administered: int, used: int) -> Fraction | None:
    """Vaccine usage rate = doses administered ÷ doses used × 100 (S31)."""
    return share(administered, used)


def wastage_rate(administered: int, used: int) -> Fraction | None:
    """Wastage rate = (doses used − doses administered) ÷ doses used × 100 = 100 − usage rate (S31, S33)."""
    return share(used - administered, used)


def wastage_factor(administered: int, used: int) -> Fraction | None:
    """Wastage factor = 100 ÷ (100 − wastage rate) = doses used ÷ doses administered (S1, S31)."""
    if administered == 0:
        return None
    return Fraction(used, administered)


def coverage(doses: int | Fraction, target: int | Fraction) -> Fraction | None:
    """Coverage = doses given ÷ target population × 100 (S7 §10.2.1)."""
    if not target:
        return None
    return Fraction(doses) * 100 / Fraction(target)


def dropout(first: int, last: int) -> Fraction | None:
    """Dropout = (initial dose − final dose) ÷ initial dose × 100, e.g. DTP1→DTP3, DTP1→MCV1 (S7, S30)."""
    return share(first - last, first)


def shown(value: Fraction | None, places: int = PERCENT_DECIMALS) -> float | None:
    """The display value of a rate: rounded half-up once; a float only to carry the rounded decimal."""
    return None if value is None else float(round_half_up(value, places))


def running_totals(values: Iterable[int]) -> list[int]:
    """Cumulative sums from the first value (open-vial wastage from the start of the year)."""
    total, out = 0, []
    for v in values:
        total += v
        out.append(total)
    return out


# ---- the reporting calendar ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a report of a period kind is due on one route: day ``day`` of the month ``months_after`` the
    period's last month (or, for a year, on ``month``/``day`` of the next year)."""

    route: str
    period_kind: str
    day: int
    months_after: int = 1
    month: int | None = None


DEFAULT_CALENDAR: tuple[Deadline, ...] = (
    # TT 34/2018 Art 21 (vietnam-epi.md §2.5): facility → district before the 5th, district → CDC before
    # the 10th; quarterly the same days of the first month of the next quarter; annual 15/01 and 25/01.
    Deadline("station_to_district", "month", 5),
    Deadline("station_to_district", "quarter", 5),
    Deadline("station_to_district", "year", 15, month=1),
    Deadline("district_to_cdc", "month", 10),
    Deadline("district_to_cdc", "quarter", 10),
    Deadline("district_to_cdc", "year", 25, month=1),
)
"""Defaults of the reporting calendar; each can be overridden as a setting (inventory.reports.models)."""

ROUTES = ("station_to_district", "district_to_cdc")


def route_of(level: str) -> str | None:
    """Which route a facility's report travels: a commune station's to the district, a district's to the CDC."""
    return {"commune": "station_to_district", "district": "district_to_cdc"}.get(level)


def due_on(deadline: Deadline, period_end: date) -> date:
    """The day a report of the period ending on ``period_end`` is due."""
    if deadline.month is not None:
        return date(period_end.year + 1, deadline.month, deadline.day)
    month_index = period_end.year * 12 + period_end.month - 1 + deadline.months_after
    return date(month_index // 12, month_index % 12 + 1, deadline.day)


def calendar_with(overrides: Mapping[tuple[str, str], int]) -> tuple[Deadline, ...]:
    """The default calendar with the days of some (route, period kind) pairs changed."""
    return tuple(
        Deadline(
            d.route, d.period_kind, overrides.get((d.route, d.period_kind), d.day), d.months_after, d.month
        )
        for d in DEFAULT_CALENDAR
    )


# ---- settings -----------------------------------------------------------------------------------------------

DEFAULT_SETTINGS: dict[str, int] = {
    "dropout_threshold": 10,
    "coverage_threshold": 80,
    "zero_dose_min_age_months": 3,
    "zero_dose_max_age_months": 24,
    **{f"deadline.{d.route}.{d.period_kind}": d.day for d in DEFAULT_CALENDAR},
}
"""Report settings and their defaults. A commune is a "problem" commune when a dropout is above
``dropout_threshold`` % or DTP3 coverage below ``coverage_threshold`` % (the WHO RED/REC categories; their
values are UNVERIFIED in who-rules.md §4, hence settings). Zero-dose children: born between
``zero_dose_max_age_months`` and ``zero_dose_min_age_months`` months before the period's end (DTP1 is
due at 2 months; one more month of grace) with no DTP1 by then (S28). ``deadline.ROUTE.KIND``: the day of
the month a report is due (vietnam-epi.md §2.5)."""


def check_setting(name: str, value: object) -> int:
    """The value as an int, or ValueError naming what is wrong."""
    if name not in DEFAULT_SETTINGS:
        raise ValueError("unknown")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("whole_number")
    if name.startswith("deadline.") and not 1 <= value <= 28:
        raise ValueError("day_of_month")
    if name.endswith("_threshold") and not 0 <= value <= 100:
        raise ValueError("percent")
    if name.startswith("zero_dose") and not 0 <= value <= 120:
        raise ValueError("months")
    return value


def calendar_from(settings: Mapping[str, int]) -> tuple[Deadline, ...]:
    """The reporting calendar with the days held in the settings."""
    return calendar_with(
        {
            (d.route, d.period_kind): settings.get(f"deadline.{d.route}.{d.period_kind}", d.day)
            for d in DEFAULT_CALENDAR
        }
    )
