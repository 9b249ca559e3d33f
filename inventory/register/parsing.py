"""Reading a register export: its header and rows checked into children and doses (no database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from rich.progress import Progress

from inventory.tabular import ImportFailed, blank, parse_date, parse_int

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
        raise ImportFailed([f"row 1: missing column(s) {', '.join(missing)} (needed: {', '.join(REQUIRED)})"])
    dose_columns = [c for c in DOSE_COLUMNS if c in header]
    if dose_columns and len(dose_columns) < len(DOSE_COLUMNS):
        absent = [c for c in DOSE_COLUMNS if c not in header]
        raise ImportFailed(
            [
                f"row 1: column(s) {', '.join(dose_columns)} without {', '.join(absent)}: doses need "
                f"all of {', '.join(DOSE_COLUMNS)} (other columns: {', '.join(c for c in header if c)})"
            ]
        )


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
    problems: list[str] = []
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
                        raise ValueError(
                            f"column {field}: child {code} has {child[field]!r} here but "
                            f"{known[field]!r} on row {first_row[code]}"
                        )
            else:
                children[code] = child
                first_row[code] = n
            if not blank(cell("antigen")):
                dose = _dose(cell, antigens, child, today)
                key = (code, dose["antigen"], dose["dose_number"])
                if key in doses:
                    raise ValueError(
                        f"column dose_number: {dose['antigen']} dose {dose['dose_number']} of "
                        f"child {code} repeats row {doses[key]['row']}"
                    )
                same_day = (code, dose["antigen"], dose["given_on"])
                if same_day in given_days:
                    raise ValueError(
                        f"column given_on: child {code} has {dose['antigen']} dose "
                        f"{given_days[same_day]['dose_number']} on {dose['given_on']:%d/%m/%Y} too "
                        f"(row {given_days[same_day]['row']}); one dose of a series per day"
                    )
                doses[key] = given_days[same_day] = {**dose, "row": n}
            elif not blank(cell("dose_number")) or not blank(cell("given_on")):
                raise ValueError("column antigen: empty, but the row has a dose number or date")
        except ValueError as exc:
            problems.append(f"row {n}, {exc}")
            if len(problems) >= MAX_PROBLEMS:
                problems.append("… stopped after 50 problems")
                break
    if problems:
        raise ImportFailed(problems)
    if not children:
        raise ImportFailed(["the file has no data rows"])
    return children, doses


def _cells(rows: list[list[object]], index: dict[str, int], progress: bool) -> Iterator[tuple[int, Any]]:
    with Progress(disable=not progress or len(rows) < 2000, transient=True) as bar:
        task = bar.add_task("checking rows", total=len(rows))
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
            raise ValueError(f"column {name}: empty")
    sex = SEXES.get(str(cell("sex")).strip().lower())
    if sex is None:
        raise ValueError(f"column sex: {cell('sex')!r} is not M/F (Nam/Nữ)")
    try:
        birth = parse_date(cell("birth_date"))
    except ValueError as exc:
        raise ValueError(f"column birth_date: {exc}") from None
    if birth > today:
        raise ValueError(f"column birth_date: {birth:%d/%m/%Y} is in the future")
    if birth < OLDEST_BIRTH:
        raise ValueError(f"column birth_date: {birth:%d/%m/%Y} is before {OLDEST_BIRTH:%d/%m/%Y}")
    given = str(cell("commune_code")).strip()
    if given.isdigit() and len(given) < 5:
        given = given.zfill(5)  # spreadsheets drop the leading zero of 03451
    if given not in mapping:
        raise ValueError(f"column commune_code: {given!r} is not a commune code (old or new)")
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
        raise ValueError(
            f"column antigen: {antigen!r} is not in the schedule ({', '.join(sorted(antigens))})"
        )
    try:
        number = parse_int(cell("dose_number"), minimum=1)
    except ValueError as exc:
        raise ValueError(f"column dose_number: {exc}") from None
    if blank(cell("given_on")):
        raise ValueError("column given_on: empty")
    try:
        given_on = parse_date(cell("given_on"))
    except ValueError as exc:
        raise ValueError(f"column given_on: {exc}") from None
    if given_on < child["birth_date"] or given_on > today:
        raise ValueError(f"column given_on: {given_on:%d/%m/%Y} is before birth or in the future")
    place = None if blank(cell("place")) else str(cell("place")).strip()[:200]
    return {"antigen": antigen, "dose_number": number, "given_on": given_on, "place": place}
