"""The register and forecast subcommands: register import, backlog, schedule table, vaccine forecast."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.cli import i18nclick as ic
from inventory.cli.common import CLI, console, print_wide, run_in_session
from inventory.i18n import cli_language, format_number, translate
from inventory.settings import Settings


@ic.group(help="help.register")
def register() -> None:
    pass


@register.command("import", help="help.register.import")
@ic.argument(
    "path", type=ic.Path(exists=True, dir_okay=False, path_type=Path), help="help.register.import.arg.path"
)
@click.pass_obj
def register_import(settings: Settings, path: Path) -> None:
    from inventory.register.service import RegisterService

    result = run_in_session(
        settings, lambda s: RegisterService(s, CLI, settings=settings).import_file(path, progress=True)
    )
    console.print(
        translate(
            "cli.register.imported",
            cli_language(),
            {
                "added": result.children_added,
                "updated": result.children_updated,
                "doses": result.doses,
                "communes": ", ".join(result.communes),
            },
        )
    )


@ic.command(help="help.backlog")
@ic.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
    default=None,
    help="help.backlog.as-of",
)
@ic.option("--commune", default=None, help="help.backlog.commune")
@click.pass_obj
def backlog(settings: Settings, as_of: object, commune: str | None) -> None:
    from inventory.register.service import RegisterService

    day = as_of.date() if as_of is not None else None  # type: ignore[attr-defined]
    result = run_in_session(
        settings, lambda s: RegisterService(s, CLI, settings=settings).backlog(day or _today())
    )
    lang = cli_language()
    schedule = translate("cli.backlog.schedule", lang, {"version": result.schedule_version})
    table = Table(title=f"{translate('backlog.title', lang)} — {result.as_of:%d/%m/%Y} ({schedule})")
    for key in BACKLOG_COLUMNS:
        table.add_column(translate(key, lang), justify="left" if key in BACKLOG_WORDS else "right")
    for row in result.rows:
        if commune and row.commune_code != commune:
            continue
        figures = (row.due, row.overdue, row.zero_dose, row.doses_needed)
        table.add_row(
            f"{row.commune_code} {row.commune}",
            row.antigen,
            format_number(row.dose_number, lang),
            row.product,
            *(format_number(n, lang) for n in figures),
        )
    if not table.row_count:
        table.caption = translate("none", lang)
    print_wide(table)


BACKLOG_COLUMNS = (
    "cli.col.commune",
    "field.antigen",
    "field.dose_number",
    "field.product",
    "state.due",
    "state.overdue",
    "field.zero_dose",
    "field.doses_needed",
)
BACKLOG_WORDS = {"cli.col.commune", "field.antigen", "field.product"}


@ic.group(help="help.schedule")
def schedule() -> None:
    pass


@schedule.command("export", help="help.schedule.export")
@ic.argument("path", type=ic.Path(dir_okay=False, path_type=Path), help="help.schedule.export.arg.path")
@click.pass_obj
def schedule_export(settings: Settings, path: Path) -> None:
    from inventory.register.service import RegisterService

    table = run_in_session(settings, lambda s: RegisterService(s, CLI, settings=settings).schedule())
    table.write_csv(path)
    console.print(
        translate("cli.schedule.written", cli_language(), {"rows": table.height, "path": str(path)})
    )


@schedule.command("load", help="help.schedule.load")
@ic.argument(
    "path", type=ic.Path(exists=True, dir_okay=False, path_type=Path), help="help.schedule.load.arg.path"
)
@ic.option("--note", default=None, help="help.schedule.load.note")
@click.pass_obj
def schedule_load(settings: Settings, path: Path, note: str | None) -> None:
    from inventory.register.service import RegisterService

    text = path.read_text(encoding="utf-8")
    version = run_in_session(
        settings, lambda s: RegisterService(s, CLI, settings=settings).load_schedule_csv(text, note=note)
    )
    console.print(translate("cli.schedule.loaded", cli_language(), {"version": version}))


@ic.command(help="help.forecast")
@ic.option("--period", default=None, help="help.forecast.period")
@ic.option("--facility", default="TTYT-MT", show_default=True, help="help.forecast.facility")
@ic.option(
    "--out", "out", type=ic.Path(dir_okay=False, path_type=Path), default=None, help="help.forecast.out"
)
@ic.option(
    "--letter", type=ic.Path(dir_okay=False, path_type=Path), default=None, help="help.forecast.letter"
)
@ic.option("--signer", default="", help="help.forecast.signer")
@ic.option("--signer-title", default="", help="help.forecast.signer-title")
@click.pass_obj
def forecast(
    settings: Settings,
    period: str | None,
    facility: str,
    out: Path | None,
    letter: Path | None,
    signer: str,
    signer_title: str,
) -> None:
    import polars as pl

    from inventory.forecast.service import ForecastService

    period = period or next_quarter(_today())

    async def work(session: AsyncSession) -> tuple[Any, bytes | None, bytes | None]:
        service = ForecastService(session, CLI, settings=settings)
        result = await service.run(period, facility)
        xlsx = service.workbook(result) if out else None
        docx = None
        if letter:
            issuer, recipient, place = await service.letter_names(result.root)
            docx = service.letter(
                result,
                issuer=issuer,
                recipient=recipient,
                place=place,
                signer_name=signer,
                signer_title=signer_title,
            )

        return result, xlsx, docx

    result, xlsx, docx = run_in_session(settings, work)
    lang = cli_language()
    label = result.period.label_vi if lang == "vi" else result.period.label
    table = Table(title=translate("forecast.cli.title", lang, {"facility": result.root, "period": label}))
    for key in FORECAST_COLUMNS:
        table.add_column(translate(key, lang), justify="left" if key == "field.product" else "right")
    for line in result.lines.filter(pl.col("scope") == "total").sort("product_code").iter_rows(named=True):
        table.add_row(line["product_code"], *(format_number(line[k], lang) for k in FORECAST_FIGURES))
    print_wide(table)
    if out and xlsx:
        out.write_bytes(xlsx)
        console.print(translate("cli.forecast.workbook", lang, {"path": str(out)}))
    if letter and docx:
        letter.write_bytes(docx)
        console.print(translate("cli.forecast.letter", lang, {"path": str(letter)}))


FORECAST_COLUMNS = (
    "field.product",
    "forecast.routine",
    "forecast.catchup",
    "forecast.reserve",
    "forecast.max",
    "nav.stock",
    "forecast.in_transit",
    "forecast.order_doses",
    "field.vials",
    "forecast.packs",
)
FORECAST_FIGURES = (
    "need_routine",
    "need_catchup",
    "reserve_doses",
    "max_stock_doses",
    "stock_on_hand",
    "stock_in_transit",
    "order_doses",
    "order_vials",
    "order_packs",
)


def next_quarter(today: date) -> str:
    """The quarter after today's: what a store usually requests next ("2027-Q1" on 3 December 2026)."""
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year + 1, 1) if quarter == 4 else (today.year, quarter + 1)
    return f"{year}-Q{quarter}"


def _today() -> date:
    from inventory.timeutil import today_vn

    return today_vn()
