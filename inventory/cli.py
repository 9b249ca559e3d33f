"""The `vaxstock` command: a thin shell over the same services the API uses."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.errors import InventoryError
from inventory.settings import Settings

T = TypeVar("T")
console = Console()
CLI = Principal.system("cli")


def run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one use case in one transaction and commit it."""

    async def go() -> T:
        engine = create_engine(settings)
        try:
            async with unit_of_work(session_factory(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except InventoryError as exc:  # a refusal, not a crash: say which argument and why
        console.print(f"[red]{exc.field or 'error'}: {exc.detail}")
        sys.exit(1)


def prepare_database(settings: Settings) -> dict[str, int]:
    """Migrate to head and load any missing reference catalogue rows."""
    from inventory.catalog.seed import load_catalogue
    from inventory.migrate import upgrade

    upgrade(settings)
    return run_in_session(settings, load_catalogue)


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
    console.print(f"database at head; catalogue rows added: {added}")


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from inventory.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the web app and API (the database must be migrated)."""
    _serve(settings, host or settings.host, port or settings.port)


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
    console.print(f"demo data: {summary}")
    console.print("[bold]DEMO ONLY sign-ins (change or remove them before real use):")
    for username, role, facility, password in DEMO_USERS:
        console.print(f"  {username:<9} {password:<18} {role}{' at ' + facility if facility else ''}")
    if not no_serve:
        host, port = host or settings.host, port or settings.port
        console.print(f"serving on http://{host}:{port}  (API /api/v1, docs /schema)")
        _serve(settings, host, port)


@main.group()
def user() -> None:
    """Users and API tokens."""


@user.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["admin", "store_keeper", "commune_worker", "viewer"]), required=True
)
@click.option("--facility", default=None, help="Facility code (store keepers and commune workers).")
@click.option("--name", "full_name", default=None, help="Full name shown on pages.")
@click.password_option(help="Password (asked twice when not given).")
@click.pass_obj
def user_add(
    settings: Settings, username: str, role: str, facility: str | None, full_name: str | None, password: str
) -> None:
    """Add a user."""
    from inventory.users.service import UserService

    async def work(session: AsyncSession) -> None:
        await UserService(session).add(
            username=username,
            full_name=full_name or username,
            role=role,
            facility_code=facility,
            password=password,
            by=CLI,
        )

    run_in_session(settings, work)
    console.print(f"user {username} added ({role}{', ' + facility if facility else ''})")


@user.command("passwd")
@click.argument("username")
@click.password_option(help="New password (asked twice when not given).")
@click.pass_obj
def user_passwd(settings: Settings, username: str, password: str) -> None:
    """Set a user's password; their open sessions end."""
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).set_password(username, password, by=CLI))
    console.print(f"password of {username} changed")


@user.command("token")
@click.argument("username")
@click.option("--name", default="api", help="What the token is for.")
@click.pass_obj
def user_token(settings: Settings, username: str, name: str) -> None:
    """Make an API bearer token for a user (shown once)."""
    from inventory.users.service import UserService

    token = run_in_session(settings, lambda session: UserService(session).issue_token(username, name, by=CLI))
    console.print(token)


@main.group()
def register() -> None:
    """The children's register."""


@register.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def register_import(settings: Settings, path: Path) -> None:
    """Import children and their doses from CSV or Excel, all or nothing; a newer export updates."""
    from inventory.register.service import RegisterService
    from inventory.tabular import ImportFailed

    try:
        result = run_in_session(settings, lambda s: RegisterService(s, CLI).import_file(path, progress=True))
    except ImportFailed as exc:
        console.print(f"[red]nothing imported from {path.name}:")
        for problem in exc.problems:
            console.print(f"  {problem}")
        sys.exit(1)
    console.print(
        f"{result.children_added} children added, {result.children_updated} updated, "
        f"{result.doses} doses, communes {', '.join(result.communes)}"
    )


@main.command()
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
    default=None,
    help="Date of the backlog (default today).",
)
@click.option("--commune", default=None, help="Only this commune code.")
@click.pass_obj
def backlog(settings: Settings, as_of: object, commune: str | None) -> None:
    """The catch-up backlog by commune × antigen × dose: due, overdue, zero-dose, doses needed."""
    from inventory.register.service import RegisterService

    day = as_of.date() if as_of is not None else None  # type: ignore[attr-defined]
    result = run_in_session(settings, lambda s: RegisterService(s, CLI).backlog(day or _today()))
    table = Table(
        title=f"Tồn đọng tiêm chủng / catch-up backlog — {result.as_of:%d/%m/%Y} ({result.schedule_version})"
    )
    for col in ("commune", "antigen", "dose", "product", "due", "overdue", "zero-dose", "doses needed"):
        table.add_column(
            col, justify="right" if col in {"dose", "due", "overdue", "zero-dose", "doses needed"} else "left"
        )
    for row in result.rows:
        if commune and row.commune_code != commune:
            continue
        table.add_row(
            f"{row.commune_code} {row.commune}",
            row.antigen,
            str(row.dose_number),
            row.product,
            str(row.due),
            str(row.overdue),
            str(row.zero_dose),
            str(row.doses_needed),
        )
    console.print(table)


@main.group()
def schedule() -> None:
    """The EPI schedule table (versioned by circular)."""


@schedule.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def schedule_export(settings: Settings, path: Path) -> None:
    """Write the schedule in force to a CSV file for editing."""
    from inventory.register.service import RegisterService

    table = run_in_session(settings, lambda s: RegisterService(s, CLI).schedule())
    table.write_csv(path)
    console.print(f"{table.height} schedule rows written to {path}")


@schedule.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default=None, help="Why the schedule changed.")
@click.pass_obj
def schedule_load(settings: Settings, path: Path, note: str | None) -> None:
    """Replace the schedule in force with an edited CSV (checked whole; the old one is kept)."""
    from inventory.register.service import RegisterService
    from inventory.tabular import ImportFailed

    text = path.read_text(encoding="utf-8")
    try:
        version = run_in_session(
            settings, lambda s: RegisterService(s, CLI).load_schedule_csv(text, note=note)
        )
    except ImportFailed as exc:
        console.print("[red]schedule not loaded:")
        for problem in exc.problems:
            console.print(f"  {problem}")
        sys.exit(1)
    console.print(f"schedule loaded; in force today: {version}")


@main.command()
@click.option("--period", required=True, help="2026-12 (month), 2026-Q4 (quarter), 2027 (year) or 2027-2029.")
@click.option("--facility", default="TTYT-MT", show_default=True, help="The store making the request.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the Excel workbook here (.xlsx).",
)
@click.option(
    "--letter",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the proposal letter here (.docx).",
)
@click.option("--signer", default="", help="Name printed under the signature.")
@click.pass_obj
def forecast(
    settings: Settings, period: str, facility: str, out: Path | None, letter: Path | None, signer: str
) -> None:
    """Vaccine needs for a period and the request to the provincial CDC (workbook and letter)."""
    import polars as pl

    from inventory.forecast.service import ForecastService

    async def work(session: AsyncSession) -> tuple[Any, bytes | None, bytes | None]:
        service = ForecastService(session, CLI)
        result = await service.run(period, facility)
        xlsx = service.workbook(result) if out else None
        docx = None
        if letter:
            issuer, recipient, place = await service.letter_names(result.root)
            docx = service.letter(result, issuer=issuer, recipient=recipient, place=place, signer_name=signer)
        return result, xlsx, docx

    result, xlsx, docx = run_in_session(settings, work)
    table = Table(title=f"Dự trù vắc xin / vaccine request — {result.root} — {result.period.label_vi}")
    for col in (
        "product",
        "routine",
        "catch-up",
        "reserve",
        "max",
        "on hand",
        "in transit",
        "order doses",
        "vials",
        "packs",
    ):
        table.add_column(col, justify="left" if col == "product" else "right")
    for line in result.lines.filter(pl.col("scope") == "total").iter_rows(named=True):
        table.add_row(
            line["product_code"],
            *(
                str(line[k])
                for k in (
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
            ),
        )
    console.print(table)
    if out and xlsx:
        out.write_bytes(xlsx)
        console.print(f"workbook written to {out}")
    if letter and docx:
        letter.write_bytes(docx)
        console.print(f"letter written to {letter}")


def _today() -> date:
    from inventory.timeutil import today_vn

    return today_vn()


@main.command()
@click.pass_obj
def verify(settings: Settings) -> None:
    """Prove every balance equals the sum of its movements; exit 1 if not."""
    from inventory.stock.service import StockService

    report = run_in_session(settings, lambda session: StockService(session, settings, CLI).verify())
    for m in report.mismatches:
        console.print(f"[red]location {m.location_id} lot {m.lot_id}: balance {m.balance}, ledger {m.ledger}")
    for line in report.transit_mismatches:
        console.print(f"[red]{line}")
    if report.ok:
        console.print(
            f"ledger verified: {report.pairs_checked} (location, lot) balances equal their movements"
        )
    else:
        console.print(
            f"[red]ledger NOT verified: {len(report.mismatches) + len(report.transit_mismatches)} problems"
        )
        sys.exit(1)


@main.command()
@click.argument("facility")
@click.pass_obj
def stock(settings: Settings, facility: str) -> None:
    """Stock on hand at FACILITY (a facility code such as TTYT-MT), by product, lot and location."""
    from inventory.stock.service import StockService

    soh = run_in_session(
        settings, lambda session: StockService(session, settings, CLI).stock_on_hand(facility)
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
    from inventory.importer import ImportFailed, import_opening_stock

    day: date | None = on.date() if on is not None else None  # type: ignore[attr-defined]
    try:
        result = run_in_session(
            settings,
            lambda session: import_opening_stock(session, settings, CLI, path, facility, day, progress=True),
        )
    except ImportFailed as exc:
        console.print(f"[red]nothing imported from {path.name}:")
        for problem in exc.problems:
            console.print(f"  {problem}")
        sys.exit(1)
    ids = ", ".join(str(d.id) for d in result)
    console.print(f"imported {sum(len(d.movements) for d in result)} lines as document(s) {ids}")


if __name__ == "__main__":
    main()
