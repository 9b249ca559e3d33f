"""The `vaxstock route` subcommands: extra supply routes beyond the facility tree (allow, list, revoke)."""

from __future__ import annotations

import uuid

import click
from rich.table import Table

from inventory.cli import i18nclick as ic
from inventory.cli.common import CLI, console, run_in_session
from inventory.i18n import cli_language, translate
from inventory.settings import Settings
from inventory.timeutil import to_vietnam


def _t(key: str, **params: object) -> str:
    return translate(key, cli_language(), params)


@ic.group(help="help.route")
def route() -> None:
    pass


@route.command("allow", help="help.route.allow")
@ic.argument("from_facility", help="help.route.allow.arg.from_facility")
@ic.argument("to_facility", help="help.route.allow.arg.to_facility")
@ic.option("--reason", required=True, help="help.route.allow.reason")
@click.pass_obj
def route_allow(settings: Settings, from_facility: str, to_facility: str, reason: str) -> None:
    from inventory.routes.schemas import RouteCreate
    from inventory.routes.service import RouteService

    cmd = RouteCreate(from_facility=from_facility, to_facility=to_facility, reason=reason)
    allowed = run_in_session(
        settings, lambda session: RouteService(session, CLI).allow(cmd, key=f"cli:{uuid.uuid4()}")
    )
    console.print(
        _t(
            "route.cli.allowed",
            from_facility=allowed.from_facility,
            to_facility=allowed.to_facility,
            route=str(allowed.id),
        )
    )


@route.command("list", help="help.route.list")
@ic.option("--all", "include_revoked", is_flag=True, help="help.route.list.all")
@click.pass_obj
def route_list(settings: Settings, include_revoked: bool) -> None:
    from inventory.routes.service import RouteService

    routes = run_in_session(
        settings, lambda session: RouteService(session, CLI).routes(include_revoked=include_revoked)
    )
    if not routes:
        console.print(_t("route.cli.none"))
        return
    table = Table(
        *(
            _t(k)
            for k in (
                "route.col.id",
                "route.col.from",
                "route.col.to",
                "route.col.reason",
                "route.col.allowed",
                "route.col.state",
            )
        )
    )
    for r in routes:
        state = (
            _t("route.cli.active")
            if r.active
            else f"{_t('route.cli.revoked_state')} ({r.revoked_by}, "
            f"{to_vietnam(r.revoked_at):%d/%m/%Y %H:%M}): {r.revoke_reason}"  # type: ignore[arg-type]
        )
        table.add_row(
            str(r.id),
            r.from_facility,
            r.to_facility,
            r.reason,
            f"{r.allowed_by}, {to_vietnam(r.allowed_at):%d/%m/%Y %H:%M}",
            state,
        )
    console.print(table)


@route.command("revoke", help="help.route.revoke")
@ic.argument("route_id", type=ic.INT, help="help.route.revoke.arg.route_id")
@ic.option("--reason", required=True, help="help.route.revoke.reason")
@click.pass_obj
def route_revoke(settings: Settings, route_id: int, reason: str) -> None:
    from inventory.routes.schemas import RouteRevoke
    from inventory.routes.service import RouteService

    cmd = RouteRevoke(reason=reason)
    run_in_session(
        settings, lambda session: RouteService(session, CLI).revoke(route_id, cmd, key=f"cli:{uuid.uuid4()}")
    )
    console.print(_t("route.cli.revoked", route=str(route_id)))
