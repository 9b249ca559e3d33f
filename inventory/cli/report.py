"""`vaxstock report usage|results|stock`: a monthly report as a table, a workbook, a Word report, CSV; submit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.cli import i18nclick as ic
from inventory.cli.common import CLI, console, run_in_session
from inventory.i18n import cli_language, translate
from inventory.settings import Settings


@ic.command(help="help.report")
@ic.argument("kind", type=click.Choice(["usage", "results", "stock"]), help="help.report.arg.kind")
@ic.option("--period", required=True, help="help.report.period")
@ic.option("--facility", default=None, help="help.report.facility")
@ic.option("--out", type=ic.Path(dir_okay=False, path_type=Path), default=None, help="help.report.out")
@ic.option("--doc", type=ic.Path(dir_okay=False, path_type=Path), default=None, help="help.report.doc")
@ic.option(
    "--csv", "csv_dir", type=ic.Path(file_okay=False, path_type=Path), default=None, help="help.report.csv"
)
@ic.option("--signer", default="", help="help.report.signer")
@ic.option("--submit", is_flag=True, help="help.report.submit")
@ic.option("--note", default=None, help="help.report.note")
@click.pass_obj
def report(
    settings: Settings,
    kind: str,
    period: str,
    facility: str | None,
    out: Path | None,
    doc: Path | None,
    csv_dir: Path | None,
    signer: str,
    submit: bool,
    note: str | None,
) -> None:
    from inventory.reports import documents
    from inventory.reports.service import ReportsService

    lang = cli_language()

    async def work(session: AsyncSession) -> tuple[Any, bytes | None, bytes | None, dict | None]:
        service = ReportsService(session, CLI)
        result = await service.report(kind, period, facility)
        xlsx = service.workbook(result, lang) if out else None
        docx = await service.word(result, lang, signer) if doc else None
        done = await service.submit(kind, period, result.facility, note) if submit else None
        return result, xlsx, docx, done

    result, xlsx, docx, done = run_in_session(settings, work)
    label = result.period.label_vi if lang == "vi" else result.period.label
    title = f"{translate(f'reports.title.{kind}', lang)} — {result.facility_name} — {label}"
    table = Table(title=title, caption=translate("reports.rounding", lang))
    frame = result.tables[kind]
    columns = documents.table_columns(kind, frame.columns, facility="facility_code")
    for column in columns:
        table.add_column(
            documents.label(column, lang), justify="left" if column.endswith(("code", "number")) else "right"
        )
    for row in frame.iter_rows(named=True):
        table.add_row(*(documents.cell_text(c, row[c], lang) for c in columns))
    console.print(table)
    for path, body in ((out, xlsx), (doc, docx)):
        if path and body:
            path.write_bytes(body)
            console.print(translate("reports.cli.written", lang, {"path": str(path)}))
    if csv_dir:
        csv_dir.mkdir(parents=True, exist_ok=True)
        for name, frame in result.tables.items():
            path = csv_dir / f"{name}-{result.facility}-{result.period.label}.csv"
            path.write_text(documents.csv_text(frame), encoding="utf-8")
            console.print(translate("reports.cli.written", lang, {"path": str(path)}))
    if done:
        console.print(translate("reports.cli.submitted", lang, {**done, "facility": done["facility"]}))
