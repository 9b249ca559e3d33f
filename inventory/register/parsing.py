"""Reading a register export: its header and rows checked into children and doses (no database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from rich.progress import Progress

from inventory.i18n import cli_language, translate
from inventory.tabular import (
    CellError,
    ImportFailed,
    RowProblem,
    blank,
    missing_columns,
    parse_date,
    parse_int,
    stopped,
)

REQUIRED = ("child_id", "sex", "birth_date", "commune_code")
PERSON = ("name", "carer", "village", "phone")
"""Optional columns about the child and who to call; a blank cell is not known (never erases a value)."""
OPTIONAL = (*PERSON, "antigen", "dose_number", "given_on", "place")
DOSE_COLUMNS = ("antigen", "dose_number", "given_on")
OLDEST_BIRTH = date(1990, 1, 1)
"""Birth dates before this are typing errors: the EPI register holds children and young people."""
SEXES = {"m": "M", "nam": "M", "male": "M", "f": "F", "nữ": "F", "nu": "F", "female": "F"}
MAX_PROBLEMS = 50


def check_header(header: list[str]) -> None:
    """Refuse a file without the required columns, or with some dose columns but not all of them."""
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise missing_columns(missing, REQUIRED)
    dose_columns = [c for c in DOSE_COLUMNS if c in header]
    if dose_columns and len(dose_columns) < len(DOSE_COLUMNS):
        absent = [c for c in DOSE_COLUMNS if c not in header]
        params = {
            "present": ", ".join(dose_columns),
            "absent": ", ".join(absent),
            "needed": ", ".join(DOSE_COLUMNS),
            "others": ", ".join(c for c in header if c),
        }
        raise ImportFailed([RowProblem("error.register.dose_columns", params, 1)])


def parse_rows(
    header: list[str],
    rows: list[list[object]],
    antigens: set[str],
    mapping: dict[str, str],
    progress: bool,
    *,
    today: date,
) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, int], dict[str, Any]]]:
    """Children by code and doses by (child, antigen, dose number), or every problem found (up to 50)."""
    index = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    problems: list[RowProblem] = []
    children: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    doses: dict[tuple[str, str, int], dict[str, Any]] = {}
    given_days: dict[tuple[str, str, date], dict[str, Any]] = {}
    for n, cell in _cells(rows, index, progress):
        try:
            child = _child(n, cell, mapping, today)
            code = child["child_code"]
            if code in children:
                known = children[code]
                for field in ("sex", "birth_date", "commune_code_given", *PERSON):
                    if field in PERSON and not (child[field] and known[field]):
                        known[field] = known[field] or child[field]  # a blank cell is not known
                        continue
                    if child[field] != known[field]:
                        raise CellError(
                            "error.register.child_differs",
                            field.removesuffix("_given"),
                            child=code,
                            value=str(child[field]),
                            known=str(known[field]),
                            first=first_row[code],
                        )
            else:
                children[code] = child
                first_row[code] = n
            if not blank(cell("antigen")):
                dose = _dose(cell, antigens, child, today)
                key = (code, dose["antigen"], dose["dose_number"])
                if key in doses:
                    raise CellError(
                        "error.register.dose_repeats",
                        "dose_number",
                        antigen=dose["antigen"],
                        dose=dose["dose_number"],
                        child=code,
                        first=doses[key]["row"],
                    )
                same_day = (code, dose["antigen"], dose["given_on"])
                if same_day in given_days:
                    raise CellError(
                        "error.register.same_day",
                        "given_on",
                        child=code,
                        antigen=dose["antigen"],
                        dose=given_days[same_day]["dose_number"],
                        day=dose["given_on"],
                        first=given_days[same_day]["row"],
                    )
                doses[key] = given_days[same_day] = {**dose, "row": n}
            elif not blank(cell("dose_number")) or not blank(cell("given_on")):
                raise CellError("error.register.antigen_empty", "antigen")
        except CellError as exc:
            problems.append(exc.at(n))
            if stopped(problems, MAX_PROBLEMS):
                break
    if problems:
        raise ImportFailed(problems)
    if not children:
        raise ImportFailed([RowProblem("error.import.no_rows")])
    return children, doses


def _cells(rows: list[list[object]], index: dict[str, int], progress: bool) -> Iterator[tuple[int, Any]]:
    with Progress(disable=not progress or len(rows) < 2000, transient=True) as bar:
        task = bar.add_task(translate("cli.progress.rows", cli_language()), total=len(rows))
        for n, row in enumerate(rows, start=2):
            bar.advance(task)
            if all(blank(v) for v in row):
                continue

            def cell(name: str, row: list[object] = row) -> object:
                i = index.get(name)
                return row[i] if i is not None and i < len(row) else None

            yield n, cell


def _child(n: int, cell: Any, mapping: dict[str, str], today: date) -> dict[str, Any]:
    for name in REQUIRED:
        if blank(cell(name)):
            raise CellError("error.import.cell.empty", name)
    sex = SEXES.get(str(cell("sex")).strip().lower())
    if sex is None:
        raise CellError("error.register.sex", "sex", value=str(cell("sex")))
    try:
        birth = parse_date(cell("birth_date"))
    except CellError as exc:
        exc.column = "birth_date"
        raise
    if birth > today:
        raise CellError("error.register.birth_future", "birth_date", day=birth)
    if birth < OLDEST_BIRTH:
        raise CellError("error.register.birth_too_old", "birth_date", day=birth, oldest=OLDEST_BIRTH)
    given = str(cell("commune_code")).strip()
    if given.isdigit() and len(given) < 5:
        given = given.zfill(5)  # spreadsheets drop the leading zero of 03451
    if given not in mapping:
        raise CellError("error.register.commune", "commune_code", value=given)
    person = {field: None if blank(cell(field)) else str(cell(field)).strip() for field in PERSON}
    return {
        "child_code": str(cell("child_id")).strip(),
        **person,
        "sex": sex,
        "birth_date": birth,
        "commune_code_given": given,
        "commune_code": mapping[given],
    }


def _dose(cell: Any, antigens: set[str], child: dict[str, Any], today: date) -> dict[str, Any]:
    antigen = str(cell("antigen")).strip().upper()
    if antigen not in antigens:
        raise CellError("error.register.antigen", "antigen", value=antigen, known=", ".join(sorted(antigens)))
    try:
        number = parse_int(cell("dose_number"), minimum=1)
    except CellError as exc:
        exc.column = "dose_number"
        raise
    if blank(cell("given_on")):
        raise CellError("error.import.cell.empty", "given_on")
    try:
        given_on = parse_date(cell("given_on"))
    except CellError as exc:
        exc.column = "given_on"
        raise
    if given_on < child["birth_date"] or given_on > today:
        raise CellError("error.register.given_on", "given_on", day=given_on)
    place = None if blank(cell("place")) else str(cell("place")).strip()[:200]
    return {"antigen": antigen, "dose_number": number, "given_on": given_on, "place": place}
