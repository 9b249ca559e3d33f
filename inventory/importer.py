"""Opening stock from CSV or Excel: every row checked, every error naming row and column, all or nothing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from rich.progress import Progress
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.errors import InventoryError
from inventory.i18n import cli_language, translate
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.use_cases import receiving
from inventory.tabular import (
    CellError,
    ImportFailed,
    RowProblem,
    missing_columns,
    parse_date,
    parse_int,
    read_rows,
    stopped,
)

__all__ = ["ImportFailed", "import_opening_stock"]

REQUIRED = ("product", "lot_number", "expires_on", "location", "doses")
OPTIONAL = ("manufacturer", "vvm_stage", "gtin")
MAX_PROBLEMS = 50
RECEIPT_LINES = 500
"""Lines per receipt document (the API's limit); a larger file becomes several, posted together."""


def _lines(
    header: list[str], rows: list[list[object]], progress: bool
) -> Iterator[tuple[int, s.ReceiptLine | RowProblem]]:
    index = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    with Progress(disable=not progress or len(rows) < 200, transient=True) as bar:
        task = bar.add_task(translate("cli.progress.rows", cli_language()), total=len(rows))
        for n, row in enumerate(rows, start=2):
            bar.advance(task)
            if not any(str(v or "").strip() for v in row):
                continue

            def cell(name: str, row: list[object] = row) -> object:
                i = index.get(name)
                return row[i] if i is not None and i < len(row) else None

            try:
                values: dict[str, object] = {}
                for name in REQUIRED:
                    if cell(name) is None or not str(cell(name)).strip():
                        raise CellError("error.import.cell.empty", name)
                for name, parse in (
                    ("expires_on", parse_date),
                    ("doses", lambda v: parse_int(v, minimum=1)),
                ):
                    try:
                        values[name] = parse(cell(name))
                    except CellError as exc:
                        exc.column = name
                        raise
                vvm = cell("vvm_stage")
                try:
                    values["vvm_stage"] = parse_int(vvm, minimum=1) if vvm not in (None, "") else 1
                except CellError as exc:
                    exc.column = "vvm_stage"
                    raise
                if not 1 <= int(values["vvm_stage"]) <= 4:  # type: ignore[call-overload]
                    raise CellError("error.import.cell.vvm_stage", "vvm_stage", value=values["vvm_stage"])
                gtin = cell("gtin")
                yield (
                    n,
                    s.ReceiptLine(
                        product=str(cell("product")).strip(),
                        lot_number=str(cell("lot_number")).strip(),
                        expires_on=values["expires_on"],  # type: ignore[arg-type]
                        doses=values["doses"],  # type: ignore[arg-type]
                        location=str(cell("location")).strip(),
                        manufacturer=str(cell("manufacturer")).strip() if cell("manufacturer") else None,
                        gtin=str(gtin).strip() if gtin not in (None, "") else None,
                        vvm_stage=values["vvm_stage"],  # type: ignore[arg-type]
                    ),
                )
            except CellError as exc:
                yield n, exc.at(n)


async def import_opening_stock(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    path: Path,
    facility: str,
    on: date | None,
    *,
    progress: bool = False,
) -> list[s.DocumentRead]:
    """Post the file as receipt documents of up to 500 lines; re-importing the same file posts nothing more."""
    header, rows = read_rows(path)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise missing_columns(missing, REQUIRED)
    problems: list[RowProblem] = []
    lines: list[s.ReceiptLine] = []
    row_of: list[int] = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, item in _lines(header, rows, progress):
        if isinstance(item, RowProblem):
            problems.append(item)
        else:
            key = (item.product, item.lot_number, item.location)
            if key in seen:
                problems.append(
                    RowProblem(
                        "error.import.lot_repeats",
                        {"lot": item.lot_number, "location": item.location, "first": seen[key]},
                        n,
                        "lot_number",
                    )
                )
                continue
            seen[key] = n
            lines.append(item)
            row_of.append(n)
        if stopped(problems, MAX_PROBLEMS):
            break
    if problems:
        raise ImportFailed(problems)
    if not lines:
        raise ImportFailed([RowProblem("error.import.no_rows")])
    digest = hashlib.sha256(path.read_bytes() + facility.encode() + str(on).encode()).hexdigest()[:40]
    service = StockContext(session, settings, principal)
    documents: list[s.DocumentRead] = []
    # one receipt per RECEIPT_LINES rows, all in the caller's transaction: the file posts whole or not at all
    for part, first in enumerate(range(0, len(lines), RECEIPT_LINES)):
        chunk = lines[first : first + RECEIPT_LINES]
        # opening stock comes from no supplier: a direct receipt, with the import as its reason
        command = s.DirectReceiptCreate(
            facility=facility,
            lines=chunk,
            occurred_on=on,
            reference=f"opening stock: {path.name}"[:100],
            confirm_over_capacity=True,  # opening stock is already in the fridges: recorded as it is
            reason="opening stock import"
            + (
                f" (part {part + 1} of {-(-len(lines) // RECEIPT_LINES)})"
                if len(lines) > RECEIPT_LINES
                else ""
            ),
        )
        try:
            documents.append(await receiving.receive_direct(service, command, key=f"import:{digest}:{part}"))
        except InventoryError as exc:
            raise ImportFailed([_locate(exc, row_of[first : first + RECEIPT_LINES])]) from exc
    return documents


def _locate(exc: InventoryError, row_of: list[int]) -> RowProblem:
    """A service error on lines[i].column as the problem of row N, column C (its key and parameters kept,
    so it reads in the reader's language; an older English-only refusal keeps its text)."""
    message, params = (
        (exc.message, exc.params) if exc.message else ("error.import.refused", {"reason": exc.detail})
    )
    match = re.fullmatch(r"lines\[(\d+)\]\.(\w+)", exc.field or "")
    if match:
        return RowProblem(message, params, row_of[int(match.group(1))], match.group(2))
    return RowProblem(message, params, None, exc.field or "file")
