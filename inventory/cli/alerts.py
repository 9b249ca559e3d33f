"""`vaxstock alerts`: evaluate and print the open alerts (exit 1 when a critical one is open), send the daily
digests, subscribe users and set facility webhooks."""

from __future__ import annotations

import asyncio
import re
import secrets
import sys

import click
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.alerts.config import AlertConfig
from inventory.alerts.delivery import AlertDeliveries
from inventory.alerts.models import AlertSubscription, AlertWebhook
from inventory.alerts.service import AlertService, Filters
from inventory.catalog.models import Facility
from inventory.cli import i18nclick as ic
from inventory.cli.common import CLI, console, run_in_session
from inventory.db import create_engine, session_factory
from inventory.errors import UnknownReference
from inventory.i18n import LANGUAGES, cli_language, translate
from inventory.settings import Settings
from inventory.users.models import User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@ic.group(invoke_without_command=True, help="help.alerts")
@ic.option("--facility", default=None, help="help.alerts.facility")
@ic.option("--all", "everything", is_flag=True, help="help.alerts.all")
@click.pass_context
def alerts(ctx: click.Context, facility: str | None, everything: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    settings: Settings = ctx.obj
    lang = cli_language()

    async def work(session: AsyncSession):
        service = AlertService(session, CLI)
        result = await service.evaluate()
        rows = []
        roots = await service.across(facility) if facility else None
        codes = {r.facility for r in roots} if roots is not None else None
        page = 1
        while True:
            found = await service.list(Filters(state="open", page=page, per_page=200), lang)
            rows += [a for a in found.items if codes is None or a.facility in codes]
            if page * found.per_page >= found.total:
                break
            page += 1
        return result, rows

    result, rows = run_in_session(settings, work)
    console.print(
        translate(
            "alerts.cli.evaluated",
            lang,
            {
                **{k: getattr(result, k) for k in ("opened", "updated", "resolved", "still_open")},
                "day": result.evaluated_on,
            },
        )
    )
    shown = [a for a in rows if everything or a.severity != "info"]
    table = Table(
        translate("alerts.field.severity", lang),
        translate("field.facility", lang),
        translate("alerts.field.what", lang),
        translate("alerts.field.todo", lang),
        translate("alerts.field.since", lang),
    )
    for a in shown:
        table.add_row(
            translate(f"alerts.severity.{a.severity}", lang),
            a.facility,
            a.title,
            a.action,
            a.since.strftime("%d/%m/%Y"),
        )
    console.print(table)
    critical = sum(1 for a in rows if a.severity == "critical")
    if critical:
        console.print(f"[red]{translate('alerts.cli.critical_open', lang, {'count': critical})}")
        sys.exit(1)


@alerts.command("send", help="help.alerts.send")
@click.pass_obj
def send(settings: Settings) -> None:
    lang = cli_language()
    config = AlertConfig.from_env()
    run_in_session(settings, lambda s: AlertService(s, CLI).evaluate())

    async def go():
        engine = create_engine(settings)
        try:
            return await AlertDeliveries(session_factory(engine), config).run()
        finally:
            await engine.dispose()

    outcome = asyncio.run(go())
    for channel, recipient, error in outcome.errors:
        console.print(
            f"[red]{translate('alerts.cli.failed', lang, {'channel': channel, 'recipient': recipient, 'error': error})}"
        )
    console.print(
        translate(
            "alerts.cli.sent",
            lang,
            {"sent": outcome.sent, "failed": outcome.failed, "skipped": outcome.skipped},
        )
    )
    if outcome.failed:
        sys.exit(1)


@alerts.command("subscribe", help="help.alerts.subscribe")
@ic.argument("username", help="help.alerts.subscribe.arg.username")
@ic.argument("email", help="help.alerts.subscribe.arg.email")
@ic.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="vi",
    show_default=True,
    help="help.alerts.subscribe.language",
)
@ic.option("--off", is_flag=True, help="help.alerts.subscribe.off")
@click.pass_obj
def subscribe(settings: Settings, username: str, email: str, language: str, off: bool) -> None:
    if not EMAIL.match(email):
        raise click.BadParameter(
            translate("error.alerts.email", cli_language(), {"email": email}), param_hint="EMAIL"
        )

    async def work(session: AsyncSession) -> None:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UnknownReference(
                message="error.alerts.unknown_user", params={"user": username}, field="username"
            )
        row = await session.scalar(select(AlertSubscription).where(AlertSubscription.user_id == user.id))
        if row is None:
            row = AlertSubscription(user_id=user.id, email=email, language=language, active=not off)
            session.add(row)
        else:
            row.email, row.language, row.active = email, language, not off

    run_in_session(settings, work)
    console.print(
        translate(
            "alerts.cli.subscribed", cli_language(), {"user": username, "email": email, "language": language}
        )
    )


@alerts.command("webhook", help="help.alerts.webhook")
@ic.argument("facility", help="help.alerts.webhook.arg.facility")
@ic.argument("url", help="help.alerts.webhook.arg.url")
@click.pass_obj
def webhook(settings: Settings, facility: str, url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter(
            translate("error.alerts.url", cli_language(), {"url": url}), param_hint="URL"
        )
    secret = secrets.token_urlsafe(32)

    async def work(session: AsyncSession) -> None:
        facility_id = await session.scalar(select(Facility.id).where(Facility.code == facility))
        if facility_id is None:
            raise UnknownReference(
                message="error.alerts.unknown_facility", params={"facility": facility}, field="facility"
            )
        row = await session.scalar(select(AlertWebhook).where(AlertWebhook.facility_id == facility_id))
        if row is None:
            session.add(AlertWebhook(facility_id=facility_id, url=url, secret=secret, active=True))
        else:
            row.url, row.secret, row.active = url, secret, True

    run_in_session(settings, work)
    console.print(
        translate("alerts.cli.webhook", cli_language(), {"facility": facility, "url": url, "secret": secret})
    )
