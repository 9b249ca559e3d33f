"""Vietnam EPI (TCMR) schedules as versioned data with effective dates.

The bundled table (``data/epi_schedule.csv``) holds TT 38/2017, TT 10/2024 and TT 52/2025. The inventory
side stores it in the database, lets an admin edit it, and hands it back as a frame of the ``SCHEDULE``
schema. Each row is one dose of one antigen series; values the reference marks UNVERIFIED carry
``unverified = true`` and a ``note``.

Conventions:
- Ages and intervals are calendar spans, ``*_months`` completed calendar months then ``*_days`` days
  ("đủ 2 tháng" = birth date + 2 calendar months; a month end clamps, 31 Jan + 1 month = 28/29 Feb).
- ``upper_age_*`` is exclusive: the dose is given only *before* the child reaches that age
  ("trẻ < 1 tuổi" = upper age 12 months). Null means no upper age.
- ``min_interval_legal_month`` marks the circulars' "≥ 01 tháng". Whether that means 28 days or one
  calendar month is UNVERIFIED, so it is the ``one_month_days`` setting (default 28 days) and the row's
  ``min_interval_months/days`` stay null.
- ``late_start_age_months``: when the series' first dose is (or will be) given at or after this age, the
  ``late_interval_*`` replaces the minimum interval (WHO Table 3, e.g. DTP3 ≥ 6 months after DTP2 for a
  series started after 12 months).
- ``requires_previous``: the dose cannot be given if the previous dose of the series can no longer be given
  (Rota dose 2); when false, a dose whose predecessor aged out is still given (MR after a missed measles-1).
- ``born_from``: the dose applies only to children born on or after this date (introduction cohorts).
- ``fully_immunized``: the dose is part of the "fully immunized child" set; ``zero_dose_marker``: the
  dose whose absence makes a child zero-dose (DTP1, WHO IA2030).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from itertools import pairwise
from typing import Any

import polars as pl

SCHEDULE = pl.Schema(
    {
        "version": pl.String,
        "effective_from": pl.Date,
        "effective_to": pl.Date,
        "antigen": pl.String,
        "dose_number": pl.Int16,
        "product_code": pl.String,
        "rec_age_months": pl.Int16,
        "rec_age_days": pl.Int16,
        "min_age_months": pl.Int16,
        "min_age_days": pl.Int16,
        "upper_age_months": pl.Int16,
        "upper_age_days": pl.Int16,
        "min_interval_months": pl.Int16,
        "min_interval_days": pl.Int16,
        "min_interval_legal_month": pl.Boolean,
        "late_start_age_months": pl.Int16,
        "late_interval_months": pl.Int16,
        "late_interval_days": pl.Int16,
        "requires_previous": pl.Boolean,
        "born_from": pl.Date,
        "fully_immunized": pl.Boolean,
        "zero_dose_marker": pl.Boolean,
        "unverified": pl.Boolean,
        "note": pl.String,
    }
)

PRODUCT_CODES = ("BCG", "HEPB", "PENTA", "BOPV", "IPV", "MEASLES", "MR", "DTP", "JE", "TD", "ROTA", "PCV")

DEFAULT_ONE_MONTH_DAYS = 28
"""The circulars' "≥ 01 tháng" minimum interval, in days (UNVERIFIED: 28 days or one calendar month)."""


class ScheduleError(ValueError):
    """The schedule table cannot answer the question (no version in force, unknown version, bad rows).

    ``code`` says what kind of refusal it is, for a catalogue message (``error.schedule.<code>``) with
    ``params``; the English text is for logs and scripts (this package knows no catalogue)."""

    status_code = 422

    def __init__(
        self, message: str, *, code: str = "problems", params: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params = params or {"problems": message}


@dataclass(frozen=True, slots=True)
class Span:
    """A calendar span: whole calendar months, then days."""

    months: int = 0
    days: int = 0


@dataclass(frozen=True, slots=True)
class DoseRule:
    """One dose of one antigen series, resolved from a schedule row for computation."""

    antigen: str
    dose_number: int
    product_code: str
    recommended_age: Span
    minimum_age: Span
    upper_age: Span | None
    min_interval: Span | None
    late_start_age: Span | None
    late_interval: Span | None
    requires_previous: bool
    born_from: date | None
    fully_immunized: bool
    zero_dose_marker: bool


def load_schedule() -> pl.DataFrame:
    """The bundled EPI schedule table (all versions), in the ``SCHEDULE`` schema."""
    source = resources.files("forecasting").joinpath("data/epi_schedule.csv").read_bytes()
    return pl.read_csv(source, schema=SCHEDULE)


def version_in_force(schedule: pl.DataFrame, *, on: date, version: str | None = None) -> str:
    """The schedule version to apply on a date: the one given, else the latest one in force that day."""
    versions = schedule.select("version", "effective_from", "effective_to").unique()
    if version is not None:
        if version not in versions["version"]:
            raise ScheduleError(
                f"unknown schedule version {version!r}", code="unknown_version", params={"version": version}
            )
        return version
    in_force = versions.filter(
        (pl.col("effective_from") <= on) & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= on))
    ).sort("effective_from")
    if in_force.is_empty():
        raise ScheduleError(
            f"no schedule version is in force on {on.isoformat()}", code="none_in_force", params={"day": on}
        )

    return in_force["version"][-1]


def schedule_in_force(schedule: pl.DataFrame, *, on: date, version: str | None = None) -> pl.DataFrame:
    """The rows of the version in force on a date (or of the version given), sorted by antigen and dose."""
    chosen = version_in_force(schedule, on=on, version=version)
    return schedule.filter(pl.col("version") == chosen).sort("antigen", "dose_number")


def dose_rules(
    schedule: pl.DataFrame,
    *,
    on: date,
    version: str | None = None,
    one_month_days: int | None = DEFAULT_ONE_MONTH_DAYS,
) -> tuple[DoseRule, ...]:
    """The dose rules of the version in force on a date; ``one_month_days=None`` means one calendar month."""
    rows = schedule_in_force(schedule, on=on, version=version)
    problems = check_schedule(rows)
    if problems:
        raise ScheduleError("; ".join(problems))
    legal_month = Span(days=one_month_days) if one_month_days is not None else Span(months=1)
    return tuple(_rule_from_row(row, legal_month) for row in rows.iter_rows(named=True))


def series_of(rules: tuple[DoseRule, ...]) -> dict[str, tuple[DoseRule, ...]]:
    """The rules grouped by antigen series, each series in dose order."""
    series: dict[str, list[DoseRule]] = {}
    for rule in sorted(rules, key=lambda r: (r.antigen, r.dose_number)):
        series.setdefault(rule.antigen, []).append(rule)
    return {antigen: tuple(doses) for antigen, doses in series.items()}


def check_schedule(schedule: pl.DataFrame) -> list[str]:
    """Problems that make a schedule table unusable (empty list when it is fine); for admin edits."""
    if schedule.schema != SCHEDULE:
        return [f"schedule columns/types differ from SCHEDULE: {dict(schedule.schema)}"]
    problems: list[str] = []
    versions: dict[str, list[dict[str, Any]]] = {}
    for row in schedule.iter_rows(named=True):
        versions.setdefault(row["version"], []).append(row)
        problems.extend(_row_problems(row))
    ranges = []
    for version, rows in versions.items():
        effective = {(row["effective_from"], row["effective_to"]) for row in rows}
        if len(effective) != 1:
            problems.append(f"{version}: rows disagree on effective dates")
        ranges += [(start, end, version) for start, end in effective]
        if sum(bool(row["zero_dose_marker"]) for row in rows) != 1:
            problems.append(f"{version}: exactly one dose must be the zero-dose marker")
        series: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            series.setdefault(row["antigen"], []).append(row)
        for antigen, doses in series.items():
            numbers = sorted(row["dose_number"] for row in doses)
            if numbers != list(range(1, len(numbers) + 1)):
                problems.append(f"{version} {antigen}: dose numbers must run 1..n, got {numbers}")
            for row in doses:
                has_interval = row["min_interval_legal_month"] or row["min_interval_months"] is not None
                if row["dose_number"] == 1 and has_interval:
                    problems.append(
                        f"{version} {antigen}: dose 1 has no previous dose to take an interval from"
                    )
                if row["dose_number"] > 1 and not has_interval:
                    problems.append(f"{version} {antigen} {row['dose_number']}: needs a minimum interval")
    ranges.sort(key=lambda r: r[0])
    for (_, earlier_end, earlier), (later_start, _, later) in pairwise(ranges):
        if earlier_end is None or earlier_end >= later_start:
            problems.append(f"{earlier} and {later} overlap")
    return problems


def _row_problems(row: dict[str, Any]) -> list[str]:
    where = f"{row['version']} {row['antigen']} {row['dose_number']}"
    problems = []
    required = ["product_code", "rec_age_months", "rec_age_days", "min_age_months", "min_age_days"]
    required += ["min_interval_legal_month", "requires_previous", "fully_immunized", "zero_dose_marker"]
    missing = [name for name in required if row[name] is None]
    if missing:
        return [f"{where}: missing {', '.join(missing)}"]
    if row["product_code"] not in PRODUCT_CODES:
        problems.append(f"{where}: unknown product code {row['product_code']!r}")
    for prefix in ("upper_age", "min_interval", "late_interval"):
        if (row[f"{prefix}_months"] is None) != (row[f"{prefix}_days"] is None):
            problems.append(f"{where}: {prefix}_months and {prefix}_days must be both set or both null")
    if row["min_interval_legal_month"] and row["min_interval_months"] is not None:
        problems.append(f"{where}: a legal-month interval leaves min_interval_months/days null")
    if (row["late_start_age_months"] is None) != (row["late_interval_months"] is None):
        problems.append(f"{where}: late_start_age_months and late_interval_* go together")
    spans = [(row[f"{p}_months"], row[f"{p}_days"]) for p in ("rec_age", "min_age", "upper_age")]
    if any(v is not None and v < 0 for pair in spans for v in pair):
        problems.append(f"{where}: ages cannot be negative")
    if spans[1] > spans[0]:
        problems.append(f"{where}: minimum age is after the recommended age")
    if spans[2][0] is not None and spans[2] <= spans[1]:
        problems.append(f"{where}: upper age must be after the minimum age")
    return problems


def _span(months: int | None, days: int | None) -> Span | None:
    return None if months is None else Span(months=months, days=days or 0)


def _rule_from_row(row: dict[str, Any], legal_month: Span) -> DoseRule:
    interval = (
        legal_month
        if row["min_interval_legal_month"]
        else _span(row["min_interval_months"], row["min_interval_days"])
    )
    return DoseRule(
        antigen=row["antigen"],
        dose_number=row["dose_number"],
        product_code=row["product_code"],
        recommended_age=Span(row["rec_age_months"], row["rec_age_days"]),
        minimum_age=Span(row["min_age_months"], row["min_age_days"]),
        upper_age=_span(row["upper_age_months"], row["upper_age_days"]),
        min_interval=interval,
        late_start_age=_span(row["late_start_age_months"], 0),
        late_interval=_span(row["late_interval_months"], row["late_interval_days"]),
        requires_previous=row["requires_previous"],
        born_from=row["born_from"],
        fully_immunized=row["fully_immunized"],
        zero_dose_marker=row["zero_dose_marker"],
    )
