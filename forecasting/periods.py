"""Supply periods for vaccine requests: a month, a quarter, a year, and the multi-year estimate.

Labels, as typed by users and stored in settings:

- ``"2026-12"``: a month (the monthly request to the provincial CDC);
- ``"2026-Q4"``: a quarter;
- ``"2027"``: a year (the annual estimate, due by 30 May of the year before, NĐ 104/2016 Art 7 as amended);
- ``"2027-2029"``: a multi-year estimate (from 2026 the province also submits the next three years,
  NĐ 165/2026 Art 58.1.a; the first year and the span are UNVERIFIED, so both are parameters of
  :func:`annual_estimates_due`).

A period is refused when it ended before ``today``: a request is made for the present or the future.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

PeriodKind = Literal["month", "quarter", "year", "years"]

SUBMISSION_DAY = (5, 30)
"""Month and day of the annual deadline: the estimate for the next year is due by 30 May."""

MULTI_YEAR_FROM = 2026
"""First year in which the multi-year estimate is also due (NĐ 165/2026; UNVERIFIED)."""

MULTI_YEAR_SPAN = 3
"""Number of years in the multi-year estimate (NĐ 165/2026 "3 năm tiếp theo"; UNVERIFIED)."""

_ROMAN = ("I", "II", "III", "IV")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_YEARS = re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$")


class ForecastParameterError(ValueError):
    """An impossible forecast parameter; ``field`` names it so a form can point at it."""

    def __init__(
        self,
        field: str,
        message: str,
        *,
        value: object = None,
        scope: str = "default",
        code: str | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.value = value
        self.scope = scope
        self.code = code
        """What kind of refusal this is, for a catalogue message (``error.forecast.<code>``) with ``params``;
        the English ``message`` is for logs and scripts."""
        self.params = {"value": value, "scope": scope, **(params or {})}


@dataclass(frozen=True, slots=True)
class SupplyPeriod:
    """A supply period: first and last day (inclusive) and its kind."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def label(self) -> str:
        """Canonical label: "2026-12", "2026-Q4", "2027" or "2027-2029"."""
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.year}-{self.end.year}"

    @property
    def label_vi(self) -> str:
        """Vietnamese label: "tháng 12/2026", "quý IV/2026", "năm 2027", "giai đoạn 2027-2029"."""
        if self.kind == "month":
            return f"tháng {self.start.month:02d}/{self.start.year}"
        if self.kind == "quarter":
            return f"quý {_ROMAN[(self.start.month - 1) // 3]}/{self.start.year}"
        if self.kind == "year":
            return f"năm {self.start.year}"
        return f"giai đoạn {self.start.year}-{self.end.year}"

    @property
    def months(self) -> int:
        """Number of calendar months in the period."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return (self.end - self.start).days + 1

    def is_past(self, today: date) -> bool:
        """True when the period ended before ``today``."""
        return self.end < today

    def __str__(self) -> str:
        return self.label


def month_period(year: int, month: int) -> SupplyPeriod:
    """The supply period of one calendar month."""
    if not 1 <= month <= 12:
        raise ForecastParameterError(
            "period", f"month {month} does not exist (1-12)", value=month, code="period.month"
        )
    last = calendar.monthrange(year, month)[1]
    return SupplyPeriod("month", date(year, month, 1), date(year, month, last))


def quarter_period(year: int, quarter: int) -> SupplyPeriod:
    """The supply period of one calendar quarter (1-4)."""
    if not 1 <= quarter <= 4:
        raise ForecastParameterError(
            "period", f"quarter {quarter} does not exist (1-4)", value=quarter, code="period.quarter"
        )
    first = 3 * (quarter - 1) + 1
    return SupplyPeriod("quarter", date(year, first, 1), month_period(year, first + 2).end)


def year_period(year: int) -> SupplyPeriod:
    """The supply period of one calendar year (the annual estimate)."""
    return SupplyPeriod("year", date(year, 1, 1), date(year, 12, 31))


def years_period(first_year: int, span: int = MULTI_YEAR_SPAN) -> SupplyPeriod:
    """The multi-year estimate covering ``span`` calendar years from ``first_year``."""
    if span < 2:
        raise ForecastParameterError(
            "period",
            f"a multi-year estimate spans 2 or more years, not {span}",
            value=span,
            code="period.span",
        )
    return SupplyPeriod("years", date(first_year, 1, 1), date(first_year + span - 1, 12, 31))


def parse_period(text: str) -> SupplyPeriod:
    """Parse "2026-12", "2026-Q4", "2027" or "2027-2029" into a supply period."""
    cleaned = text.strip()
    if m := _MONTH.match(cleaned):
        return month_period(int(m[1]), int(m[2]))
    if m := _QUARTER.match(cleaned):
        return quarter_period(int(m[1]), int(m[2]))
    if m := _YEAR.match(cleaned):
        return year_period(int(m[1]))
    if m := _YEARS.match(cleaned):
        first, last = int(m[1]), int(m[2])
        if last <= first:
            raise ForecastParameterError(
                "period", f"'{text}' ends before it starts", value=text, code="period.backwards"
            )
        return years_period(first, last - first + 1)
    raise ForecastParameterError(
        "period",
        f"'{text}' is not a period; use 2026-12, 2026-Q4, 2027 or 2027-2029",
        value=text,
        code="period.unknown",
    )


def require_not_past(period: SupplyPeriod, *, today: date) -> SupplyPeriod:
    """Return the period, or refuse it when it ended before ``today``."""
    if period.is_past(today):
        raise ForecastParameterError(
            "period",
            f"period {period.label} ended on {period.end.isoformat()}, before {today.isoformat()}; "
            "a request is made for the present or a future period",
            value=period.label,
            code="period.past",
            params={"end": period.end, "today": today},
        )
    return period


def submission_deadline(period: SupplyPeriod) -> date | None:
    """Legal deadline of an annual or multi-year estimate (30 May of the year before); None otherwise."""
    if period.kind in ("year", "years"):
        return date(period.start.year - 1, *SUBMISSION_DAY)
    return None


def annual_estimates_due(
    today: date, *, multi_year_from: int = MULTI_YEAR_FROM, span: int = MULTI_YEAR_SPAN
) -> list[SupplyPeriod]:
    """Estimates due at the next 30 May: next year, plus the multi-year estimate from ``multi_year_from``."""
    deadline_year = today.year if today <= date(today.year, *SUBMISSION_DAY) else today.year + 1
    due = [year_period(deadline_year + 1)]
    if deadline_year >= multi_year_from:
        due.append(years_period(deadline_year + 1, span))
    return due
