"""Reading CSV and Excel files row by row, and parsing their cells with errors a person can act on.

A refusal names its row and column and carries a catalogue key with its parameters (`RowProblem`); the text
is rendered at the edge in the reader's language (a page, the API's problem document, the CLI)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from inventory.errors import ValidationFailed
from inventory.i18n import DEFAULT_LANGUAGE, translate

SHOWN_IN_SUMMARY = 3
"""Problems a one-line summary names (the detail of the API's problem document, a page); all are listed."""


@dataclass(frozen=True)
class RowProblem:
    """Why one row (or the file) was refused: a catalogue key and its parameters, and where."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None

    def where(self, lang: str) -> str | None:
        if self.row is not None and self.column:
            return translate("import.where.row_column", lang, {"row": self.row, "column": self.column})
        if self.row is not None:
            return translate("import.where.row", lang, {"row": self.row})
        if self.column:
            return translate("import.where.column", lang, {"column": self.column})
        return None

    def text(self, lang: str) -> str:
        """`dòng 3, cột doses: …` / `row 3, column doses: …` in the language."""
        reason = translate(self.message, lang, self.params)
        where = self.where(lang)
        return f"{where}: {reason}" if where else reason

    def to_dict(self, lang: str) -> dict[str, Any]:
        plain = {k: v if isinstance(v, str | int | float | bool) else str(v) for k, v in self.params.items()}
        return {
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "params": plain,
            "detail": self.text(lang),
        }


class CellError(ValueError):
    """A cell (or a row) refused: the catalogue key and its parameters; the reader adds row and column."""

    def __init__(self, message: str, column: str | None = None, **params: Any) -> None:
        super().__init__(translate(message, "en", params))
        self.message = message
        self.column = column
        self.params = params

    def at(self, row: int | None, column: str | None = None) -> RowProblem:
        return RowProblem(self.message, self.params, row, self.column or column)


class ImportFailed(ValidationFailed):
    """Nothing was imported; `problems` says where and why, each rendered in the reader's language. As an
    API answer: 422 naming the field `file`, with every problem (row, column, message, params, detail)."""

    def __init__(self, problems: list[RowProblem], *, field: str = "file") -> None:
        self.problems = problems
        super().__init__(
            field=field,
            message="error.import.failed",
            params={"count": len(problems), "first": problems[0].text("en") if problems else ""},
        )

    def texts(self, lang: str = DEFAULT_LANGUAGE) -> list[str]:
        return [p.text(lang) for p in self.problems]

    def text(self, lang: str) -> str:
        shown = "; ".join(self.texts(lang)[:SHOWN_IN_SUMMARY])
        return translate("error.import.failed", lang, {"count": len(self.problems), "first": shown})

    def to_problem(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        body = super().to_problem(lang)
        body["params"] = {"count": len(self.problems)}
        body["problems"] = [p.to_dict(lang) for p in self.problems]
        return body


def file_problem(path: Path, case: str, row: int | None = None, **params: Any) -> ImportFailed:
    return ImportFailed([RowProblem(f"error.import.file.{case}", {"file": path.name, **params}, row)])


def missing_columns(missing: list[str], needed: tuple[str, ...]) -> ImportFailed:
    return ImportFailed(
        [
            RowProblem(
                "error.import.columns_missing",
                {"missing": ", ".join(missing), "needed": ", ".join(needed)},
                1,
            )
        ]
    )


def stopped(problems: list[RowProblem], limit: int) -> bool:
    """Adds the 'stopped after N problems' line once the limit is reached; True then."""
    if len(problems) >= limit:
        problems.append(RowProblem("error.import.stopped", {"count": limit}))
        return True
    return False


def read_rows(path: Path) -> tuple[list[str], list[list[object]]]:
    """The header (lower-cased) and the data rows of a .csv or .xlsx file."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # a corrupt or renamed file: openpyxl raises zip, XML and key errors
            raise file_problem(path, "not_excel", error=type(exc).__name__) from None
        sheet = workbook.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        workbook.close()
    elif path.suffix.lower() in {".csv", ".txt"}:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise file_problem(path, "not_utf8", raw[: exc.start].count(b"\n") + 1) from None
        if "\x00" in text:  # a binary file renamed .csv, or a broken export: PostgreSQL cannot store NUL
            raise file_problem(path, "nul", text[: text.index("\x00")].count("\n") + 1)
        reader = csv.reader(io.StringIO(text, newline=""))  # any line ending: \n, \r\n or an old Mac's \r
        try:
            rows = [list(r) for r in reader]
        except csv.Error as exc:
            raise file_problem(path, "csv", reader.line_num, error=str(exc)) from None
    else:
        raise file_problem(path, "kind")
    if not rows:
        raise file_problem(path, "empty")
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
    raise CellError("error.import.cell.date", value=text)


def parse_int(value: object, *, minimum: int) -> int:
    """A whole number at least `minimum` (12 and 12.0 are fine; 12.5 is not)."""
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    elif re.fullmatch(r"[+-]?\d+", text):
        number = int(text)
    else:
        raise CellError("error.import.cell.whole", value=text)
    if number < minimum:
        raise CellError("error.import.cell.minimum", value=number, minimum=minimum)
    return number


def blank(value: object) -> bool:
    return value is None or not str(value).strip()
