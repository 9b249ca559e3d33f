"""Reading CSV and Excel files row by row, and parsing their cells with errors a person can act on."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path


class ImportFailed(Exception):
    """Nothing was imported; `problems` says where and why (row N, column C: reason)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:3]))
        self.problems = problems


def read_rows(path: Path) -> tuple[list[str], list[list[object]]]:
    """The header (lower-cased) and the data rows of a .csv or .xlsx file."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # a corrupt or renamed file: openpyxl raises zip, XML and key errors
            raise ImportFailed(
                [f"{path.name}: not a readable Excel workbook ({type(exc).__name__})"]
            ) from None
        sheet = workbook.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        workbook.close()
    elif path.suffix.lower() in {".csv", ".txt"}:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ImportFailed(
                [f"{path.name}: row {line} is not UTF-8 text; save the file as CSV UTF-8 and import it again"]
            ) from None
        if "\x00" in text:  # a binary file renamed .csv, or a broken export: PostgreSQL cannot store NUL
            line = text[: text.index("\x00")].count("\n") + 1
            raise ImportFailed(
                [f"{path.name}: row {line} contains a NUL character; is this really a CSV file?"]
            )
        reader = csv.reader(io.StringIO(text, newline=""))  # any line ending: \n, \r\n or an old Mac's \r
        try:
            rows = [list(r) for r in reader]
        except csv.Error as exc:
            raise ImportFailed([f"{path.name}: row {reader.line_num}: {exc}"]) from None
    else:
        raise ImportFailed([f"{path.name}: only .csv and .xlsx files can be imported"])
    if not rows:
        raise ImportFailed([f"{path.name}: the file is empty"])
    header = [str(h or "").strip().lower() for h in rows[0]]
    return header, rows[1:]


def parse_date(value: object) -> date:
    """A date from a date cell, dd/mm/yyyy or yyyy-mm-dd."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date (dd/mm/yyyy or yyyy-mm-dd)")


def parse_int(value: object, *, minimum: int) -> int:
    """A whole number at least `minimum` (12 and 12.0 are fine; 12.5 is not)."""
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    elif re.fullmatch(r"[+-]?\d+", text):
        number = int(text)
    else:
        raise ValueError(f"{text!r} is not a whole number")
    if number < minimum:
        raise ValueError(f"{number} is less than {minimum}")
    return number


def blank(value: object) -> bool:
    return value is None or not str(value).strip()
