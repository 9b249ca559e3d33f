"""The `vaxstock` command: a thin shell over the same services the API uses."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from rich.table import Table

from inventory.cli import i18nclick as ic
from inventory.cli.alerts import alerts
from inventory.cli.backups import backup, restore
from inventory.cli.coldchain import temps
from inventory.cli.common import CLI, console, prepare_database, print_wide, run_in_session
from inventory.cli.report import report
from inventory.cli.reports import backlog, forecast, register, schedule
from inventory.cli.routes import route
from inventory.cli.users import user
from inventory.cli.verifying import verify_lines
from inventory.i18n import cli_language, format_number, translate
from inventory.settings import Settings


@click.group(cls=ic.Group, help="help.vaxstock")
@ic.option(
    "--database", "database_url", envvar="VAXSTOCK_DATABASE_URL", default=None, help="help.vaxstock.database"
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    # the help texts of every command are catalogue keys, said in the CLI's language (inventory.cli.i18nclick)
    settings = Settings.from_env()
    if database_url:
        settings = replace(settings, database_url=database_url)
    ctx.obj = settings


@main.group(help="help.db")
def db() -> None:
    pass


@db.command("upgrade", help="help.db.upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    added = prepare_database(settings)
    console.print(translate("cli.db.upgraded", cli_language(), {"added": sum(added.values())}))


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


@main.command(help="help.serve")
@ic.option("--host", default=None, help="help.serve.host")
@ic.option("--port", type=ic.INT, default=None, help="help.serve.port")
@ic.option("--workers", type=ic.IntRange(min=1), default=None, help="help.serve.workers")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    _serve(settings, host or settings.host, port or settings.port, workers or default_workers(settings))


@main.command(help="help.demo")
@ic.option("--host", default=None, help="help.demo.host")
@ic.option("--port", type=ic.INT, default=None, help="help.demo.port")
@ic.option("--no-serve", is_flag=True, help="help.demo.no-serve")
@click.pass_obj
def demo(settings: Settings, host: str | None, port: int | None, no_serve: bool) -> None:
    from inventory.demo import DEMO_USERS, load_demo

    prepare_database(settings)
    summary = run_in_session(settings, lambda session: load_demo(session, settings))
    lang = cli_language()
    console.print(translate("cli.demo.loaded", lang, {"summary": demo_summary(summary, lang)}))
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


def demo_summary(counts: dict[str, int], lang: str) -> str:
    """What the demo added, in words: "12 phiếu nhập, 40 phiếu xuất, …" (or that it was already there)."""
    if "already_loaded" in counts:
        return translate("cli.demo.already", lang, {"documents": counts["already_loaded"]})
    return ", ".join(translate(f"cli.demo.count.{name}", lang, {"n": n}) for name, n in counts.items())


@main.command(help="help.verify")
@click.pass_obj
def verify(settings: Settings) -> None:
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


@main.command(help="help.stock")
@ic.argument("facility", help="help.stock.arg.facility")
@click.pass_obj
def stock(settings: Settings, facility: str) -> None:
    from inventory.stock.context import StockContext
    from inventory.stock.use_cases.views import stock_on_hand

    soh = run_in_session(
        settings, lambda session: stock_on_hand(StockContext(session, settings, CLI), facility)
    )
    lang = cli_language()
    table = Table(title=f"{translate('stock.title', lang)} — {soh.facility} — {soh.as_of:%d/%m/%Y}")
    for key in STOCK_COLUMNS:
        table.add_column(translate(key, lang), justify="right" if key in STOCK_FIGURES else "left")
    for r in soh.rows:
        usable = "yes" if r.usable else ("on_hold" if r.on_hold else "no")
        vials = format_number(r.vials, lang)
        table.add_row(
            r.product,
            r.lot_number,
            f"{r.expires_on:%d/%m/%Y}",
            str(r.vvm_stage),
            r.location,
            format_number(r.doses, lang),
            f"{vials} +{format_number(r.part_vial_doses, lang)}" if r.part_vial_doses else vials,
            translate(usable, lang),
        )
    if not soh.rows:
        table.caption = translate("none", lang)
    print_wide(table)


STOCK_COLUMNS = (
    "field.product",
    "field.lot_number",
    "field.expires_on",
    "field.vvm_stage",
    "field.location",
    "field.doses",
    "field.vials",
    "field.usable",
)
STOCK_FIGURES = {"field.vvm_stage", "field.doses", "field.vials"}


@main.command("import", help="help.import")
@ic.argument("path", type=ic.Path(exists=True, dir_okay=False, path_type=Path), help="help.import.arg.path")
@ic.option("--facility", required=True, help="help.import.facility")
@ic.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
    default=None,
    help="help.import.date",
)
@click.pass_obj
def import_(settings: Settings, path: Path, facility: str, on: object) -> None:
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
