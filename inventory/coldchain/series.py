"""Reading a generic logger series: a CSV of (timestamp, temperature) rows from a remote temperature
monitoring device or a USB logger, with a column mapping and an explicit time zone.

A timestamp with its own offset (`2026-02-03T10:00:00+07:00`, `...Z`) is taken as written; one without is
read in the file's time zone (Asia/Ho_Chi_Minh unless told). Formats: ISO 8601 (`T` or a space),
`dd/mm/yyyy HH:MM[:SS]`. Temperatures in °C, or °F when the file says so (the unit option, or a header with
°F / (F)); a decimal comma is accepted. An empty temperature cell is a missing reading (a gap), never 0 °C.
Every problem names its row and column; any problem refuses the whole file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inventory.coldchain.evaluation import Reading
from inventory.errors import ValidationFailed

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
TIME_COLUMNS = ("timestamp", "time", "datetime", "date_time", "thoi_gian", "thời gian")
TEMPERATURE_COLUMNS = ("temperature", "temp", "celsius", "temperature_c", "nhiet_do", "nhiệt độ")
MAX_PROBLEMS = 50
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds the time and which the temperature (header names, any case); None: guess from the
    usual names."""

    time: str | None = None
    temperature: str | None = None
    unit: str | None = None
    """"C" or "F"; None: °F if the temperature header says so, else °C."""
    zone: str = DEFAULT_ZONE


@dataclass(frozen=True)
class Series:
    readings: list[Reading]
    rows: int
    empty_cells: int
    """Rows whose temperature cell is empty (no reading: a gap, never 0 °C)."""
    unit: str


def _problem(row: int, column: str, case: str, **params: object) -> dict[str, object]:
    return {"row": row, "column": column, "message": f"error.coldchain.csv.{case}", "params": params}


def _refuse(problems: list[dict[str, object]]) -> ValidationFailed:
    first = problems[0]
    return ValidationFailed(
        message=str(first["message"]),
        params={"row": first["row"], "column": first["column"], **dict(first["params"])},  # type: ignore[arg-type]
        field="file",
        problems=problems[:MAX_PROBLEMS],
    )


def looks_like_csv(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "," in first or ";" in first


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(
            message="error.coldchain.csv.zone", params={"zone": name}, field="zone"
        ) from exc


def parse_instant(text: str, local: ZoneInfo) -> datetime:
    """An instant (aware, UTC) from an ISO or dd/mm/yyyy timestamp; local time when it carries no offset."""
    value = text.strip()
    match = _DMY.match(value)
    if match:
        day, month, year, hour, minute, second = match.groups()
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    else:
        if not re.match(r"^\d{4}-\d\d-\d\d[ T]\d", value):
            raise ValueError(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local)
    return moment.astimezone(UTC)


def _pick(header: list[str], chosen: str | None, usual: tuple[str, ...], what: str) -> int:
    names = [h.strip().lower() for h in header]
    if chosen is not None:
        if chosen.strip().lower() in names:
            return names.index(chosen.strip().lower())
        raise _refuse([_problem(1, chosen, "column_missing", found=", ".join(header))])
    for index, name in enumerate(names):
        bare = re.sub(r"\s*\((°?[cf]|°[cf])\)\s*$|\s*°[cf]$", "", name).strip()
        if bare in usual:
            return index
    raise _refuse([_problem(1, what, "column_missing", found=", ".join(header))])


def parse_series(text: str, mapping: ColumnMapping = ColumnMapping()) -> Series:
    """The readings of a CSV file, sorted by time; refuses the file with every problem (row, column, why)."""
    local = zone(mapping.zone)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error:
        raise _refuse([_problem(reader.line_num, "", "syntax")]) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise _refuse([_problem(1, "", "empty")])
    header = rows[0]
    time_index = _pick(header, mapping.time, TIME_COLUMNS, "timestamp")
    temperature_index = _pick(header, mapping.temperature, TEMPERATURE_COLUMNS, "temperature")
    temperature_name = header[temperature_index]
    unit = mapping.unit or ("F" if re.search(r"°f|\(f\)", temperature_name.lower()) else "C")
    if unit not in ("C", "F"):
        raise _refuse([_problem(1, temperature_name, "unit", value=unit)])
    problems: list[dict[str, object]] = []
    seen: dict[datetime, int] = {}
    readings: list[Reading] = []
    empty = 0
    data_rows = 0
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        data_rows += 1
        if len(row) <= max(time_index, temperature_index):
            problems.append(_problem(number, "", "short_row", cells=len(row)))
            continue
        stamp, value = row[time_index].strip(), row[temperature_index].strip()
        try:
            at = parse_instant(stamp, local)
        except ValueError:
            problems.append(_problem(number, header[time_index], "time", value=stamp))
            continue
        if at in seen:
            problems.append(_problem(number, header[time_index], "duplicate", value=stamp, first=seen[at]))
            continue
        seen[at] = number
        if not value:
            empty += 1
            continue
        if not _NUMBER.match(value):
            problems.append(_problem(number, temperature_name, "temperature", value=value))
            continue
        degrees = float(value.replace(",", "."))
        celsius = round((degrees - 32) * 5 / 9, 2) if unit == "F" else degrees
        if not -90.0 <= celsius <= 70.0:
            problems.append(_problem(number, temperature_name, "implausible", value=value))
            continue
        readings.append(Reading(at, celsius))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise _refuse(problems)
    if data_rows == 0:
        raise _refuse([_problem(2, "", "no_rows")])
    readings.sort(key=lambda r: r.at)
    return Series(readings, data_rows, empty, unit)
