"""`vaxstock temps`: temperature files for a storage location."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from inventory.cli.common import CLI, console, run_in_session
from inventory.i18n import cli_language, translate
from inventory.settings import Settings


@click.group()
def temps() -> None:
    """Cold-chain temperatures: Fridge-tag reports and logger files."""


@temps.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--location", required=True, help="The storage location: CODE (with --facility) or FACILITY/CODE."
)
@click.option("--facility", default=None, help="The facility of the location, e.g. TTYT-MT.")
@click.option(
    "--time-column", default=None, help="CSV: the column with the time (default: timestamp, time...)."
)
@click.option("--temperature-column", default=None, help="CSV: the column with the temperature.")
@click.option(
    "--unit", type=click.Choice(["C", "F"]), default=None, help="CSV: °C or °F (default: from the header)."
)
@click.option(
    "--zone", default="Asia/Ho_Chi_Minh", show_default=True, help="CSV: the time zone of times without one."
)
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
    """Import a Fridge-tag 2 report or a logger CSV (told apart by content) for a location, all or nothing."""
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
