"""`vaxstock temps`: temperature files for a storage location."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from inventory.cli import i18nclick as ic
from inventory.cli.common import CLI, console, run_in_session
from inventory.i18n import cli_language, translate
from inventory.settings import Settings


@ic.group(help="help.temps")
def temps() -> None:
    pass


@temps.command("import", help="help.temps.import")
@ic.argument(
    "path", type=ic.Path(exists=True, dir_okay=False, path_type=Path), help="help.temps.import.arg.path"
)
@ic.option("--location", required=True, help="help.temps.import.location")
@ic.option("--facility", default=None, help="help.temps.import.facility")
@ic.option("--time-column", default=None, help="help.temps.import.time-column")
@ic.option("--temperature-column", default=None, help="help.temps.import.temperature-column")
@ic.option("--unit", type=click.Choice(["C", "F"]), default=None, help="help.temps.import.unit")
@ic.option("--zone", default="Asia/Ho_Chi_Minh", show_default=True, help="help.temps.import.zone")
@click.pass_obj
def temps_import(
    settings: Settings,
    path: Path,
    location: str,
    facility: str | None,
    time_column: str | None,
    temperature_column: str | None,
    unit: str | None,
    zone: str,
) -> None:
    from inventory.coldchain.series import ColumnMapping
    from inventory.coldchain.use_cases.imports import import_file
    from inventory.stock.context import StockContext

    if facility is None:
        if "/" not in location:
            raise click.UsageError(translate("error.coldchain.cli_facility", cli_language()))
        facility, location = location.split("/", 1)
    content = path.read_bytes()
    key = f"temps:{hashlib.sha256(content).hexdigest()}:{facility}:{location}"  # the same file again: once
    mapping = ColumnMapping(time_column, temperature_column, unit, zone)

    async def work(session):  # type: ignore[no-untyped-def]
        return await import_file(
            StockContext(session, settings, CLI),
            facility,
            location,
            path.name,
            content,
            mapping=mapping,
            key=key,
        )

    result = run_in_session(settings, work)
    lang = cli_language()
    key = "cli.temps.already" if result.already_imported else f"cli.temps.{result.kind}"
    console.print(
        translate(
            key,
            lang,
            {
                "file": path.name,
                "place": f"{result.facility}/{result.location}",
                "days": result.days_added,
                "known": result.days_already_known + result.readings_already_known,
                "readings": result.readings_added,
                "excursions": len(result.excursions),
            },
        )
    )
