"""The `vaxstock` command: a thin shell over the same services the API uses."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from rich.table import Table

from inventory.cli.alerts import alerts
from inventory.cli.backups import backup, restore
from inventory.cli.coldchain import temps
from inventory.cli.common import CLI, console, prepare_database, run_in_session
from inventory.cli.report import report
from inventory.cli.reports import backlog, forecast, register, schedule
from inventory.cli.routes import route
from inventory.cli.users import user
from inventory.cli.verifying import verify_lines
from inventory.i18n import cli_language, translate
from inventory.settings import Settings


@click.group()
@click.option(
    "--database",
    "database_url",
    envvar="VAXSTOCK_DATABASE_URL",
    default=None,
    help="Database URL (default: a SQLite file vaxstock.sqlite3 here; postgresql://user@host/db works).",
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """VaxStock: vaccine stock and cold chain for the EPI (TCMR)."""
    settings = Settings.from_env()
    if database_url:
        settings = replace(settings, database_url=database_url)
    ctx.obj = settings


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Migrate the database to the latest schema and load the reference catalogue."""
    added = prepare_database(settings)
    console.print(translate("cli.db.upgraded", cli_language(), {"added": added}))


def default_workers(settings: Settings) -> int:
    """Server processes when none are asked for: one per CPU on PostgreSQL; one on SQLite, which has one
    writer at a time (more processes would only queue on its lock)."""
    return 1 if settings.is_sqlite else max(os.cpu_count() or 1, 1)


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from inventory.app import create_app

    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    # each process builds its own app from the environment: the same database and the same secret key
    # (CSRF tokens signed by one process are accepted by the others)
    os.environ["VAXSTOCK_DATABASE_URL"] = settings.database_url
    os.environ["VAXSTOCK_SECRET_KEY"] = settings.secret_key
    uvicorn.run(
        "inventory.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info"
    )


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes (default: one per CPU on PostgreSQL, one on SQLite).",
)
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web app and API (the database must be migrated)."""
    _serve(settings, host or settings.host, port or settings.port, workers or default_workers(settings))


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--no-serve", is_flag=True, help="Load the demo data and stop.")
@click.pass_obj
def demo(settings: Settings, host: str | None, port: int | None, no_serve: bool) -> None:
    """Migrate the default SQLite file, load the Mường Tè demo data (idempotently) and serve it."""
    from inventory.demo import DEMO_USERS, load_demo

    prepare_database(settings)
    summary = run_in_session(settings, lambda session: load_demo(session, settings))
    lang = cli_language()
    console.print(translate("cli.demo.loaded", lang, {"summary": summary}))
    console.print("[bold]" + translate("cli.demo.sign_ins", lang))
    for username, role, facility, password in DEMO_USERS:
        role_name = translate(f"role.{role}", lang)
        if facility:
            role_name = translate("cli.demo.user_at", lang, {"role": role_name, "facility": facility})
        console.print(f"  {username:<9} {password:<18} {role_name}")
    if not no_serve:
        host, port = host or settings.host, port or settings.port
        console.print(translate("cli.serving", lang, {"host": host, "port": str(port)}))
        _serve(settings, host, port)


@main.command()
@click.pass_obj
def verify(settings: Settings) -> None:
    """Prove every balance equals the sum of its movements; exit 1 if not."""
    from inventory.stock.context import StockContext
    from inventory.stock.use_cases.verification import verify

    report = run_in_session(settings, lambda session: verify(StockContext(session, settings, CLI)))
    for line in verify_lines(report, cli_language()):
        console.print(f"[red]{line}", highlight=False)
    if report.ok:
        console.print(
            translate(
                "verify.ok",
                cli_language(),
                {"pairs": report.pairs_checked, "chains": report.chains_checked, "rows": report.rows_chained},
            )
        )
    else:
        problems = len(verify_lines(report, cli_language()))
        console.print(f"[red]{translate('verify.failed', cli_language(), {'problems': problems})}")
        sys.exit(1)


@main.command()
@click.argument("facility")
@click.pass_obj
def stock(settings: Settings, facility: str) -> None:
    """Stock on hand at FACILITY (a facility code such as TTYT-MT), by product, lot and location."""
    from inventory.stock.context import StockContext
    from inventory.stock.use_cases.views import stock_on_hand

    soh = run_in_session(
        settings, lambda session: stock_on_hand(StockContext(session, settings, CLI), facility)
    )
    table = Table(title=f"Tồn kho / stock on hand — {soh.facility} — {soh.as_of:%d/%m/%Y}")
    for col in ("product", "lot", "expiry", "VVM", "location", "doses", "vials", "usable"):
        table.add_column(col, justify="right" if col in {"doses", "vials", "VVM"} else "left")
    for r in soh.rows:
        usable = "yes" if r.usable else ("on hold" if r.on_hold else "NO")
        table.add_row(
            r.product,
            r.lot_number,
            f"{r.expires_on:%d/%m/%Y}",
            str(r.vvm_stage),
            r.location,
            f"{r.doses:,}".replace(",", "."),
            f"{r.vials:,}".replace(",", "."),
            usable,
        )
    console.print(table)


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--facility", required=True, help="Facility code receiving the opening stock.")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
    default=None,
    help="Date of the opening stock (default today).",
)
@click.pass_obj
def import_(settings: Settings, path: Path, facility: str, on: object) -> None:
    """Import opening stock from CSV or Excel, all or nothing."""
    from inventory.importer import import_opening_stock

    day: date | None = on.date() if on is not None else None  # type: ignore[attr-defined]
    result = run_in_session(
        settings,
        lambda session: import_opening_stock(session, settings, CLI, path, facility, day, progress=True),
    )
    ids = ", ".join(str(d.id) for d in result)
    lines = sum(len(d.movements) for d in result)
    console.print(translate("cli.import.done", cli_language(), {"lines": lines, "ids": ids}))


# the subcommands that live in modules of their own
main.add_command(user)
main.add_command(route)
main.add_command(register)
main.add_command(backlog)
main.add_command(schedule)
main.add_command(forecast)
main.add_command(backup)
main.add_command(restore)
main.add_command(report)
main.add_command(alerts)
main.add_command(temps)
