"""The `vaxstock user` subcommands: add users, set passwords, make API tokens."""

from __future__ import annotations

import click
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.cli import i18nclick as ic
from inventory.cli.common import CLI, console, run_in_session
from inventory.i18n import cli_language, translate
from inventory.settings import Settings


@ic.group(help="help.user")
def user() -> None:
    pass


@user.command("add", help="help.user.add")
@ic.argument("username", help="help.user.arg.username")
@ic.option(
    "--role",
    type=click.Choice(["admin", "store_keeper", "commune_worker", "viewer"]),
    required=True,
    help="help.user.add.role",
)
@ic.option("--facility", default=None, help="help.user.add.facility")
@ic.option("--name", "full_name", default=None, help="help.user.add.name")
@ic.option("--title", default=None, help="help.user.add.title")
@click.password_option(cls=ic.Option, prompt="help.user.password_prompt", help="help.user.add.password")
@click.pass_obj
def user_add(
    settings: Settings,
    username: str,
    role: str,
    facility: str | None,
    full_name: str | None,
    title: str | None,
    password: str,
) -> None:
    from inventory.users.service import UserService

    async def work(session: AsyncSession) -> None:
        await UserService(session).add(
            username=username,
            full_name=full_name or username,
            role=role,
            facility_code=facility,
            password=password,
            by=CLI,
            title=title,
        )

    run_in_session(settings, work)
    lang = cli_language()
    params = {"username": username, "role": translate(f"role.{role}", lang), "facility": facility or ""}
    console.print(translate("cli.user.added_at" if facility else "cli.user.added", lang, params))


@user.command("profile", help="help.user.profile")
@ic.argument("username", help="help.user.arg.username")
@ic.option("--name", "full_name", default=None, help="help.user.profile.name")
@ic.option("--title", default=None, help="help.user.profile.title")
@click.pass_obj
def user_profile(settings: Settings, username: str, full_name: str | None, title: str | None) -> None:
    from inventory.users.service import UserService

    read = run_in_session(
        settings,
        lambda session: UserService(session).set_profile(username, by=CLI, full_name=full_name, title=title),
    )
    console.print(f"{read.username}: {read.full_name}{' · ' + read.title if read.title else ''}")


@user.command("passwd", help="help.user.passwd")
@ic.argument("username", help="help.user.arg.username")
@click.password_option(cls=ic.Option, prompt="help.user.passwd.prompt", help="help.user.passwd.password")
@click.pass_obj
def user_passwd(settings: Settings, username: str, password: str) -> None:
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).set_password(username, password, by=CLI))
    console.print(translate("cli.user.password_changed", cli_language(), {"username": username}))


user.add_command(user_passwd, "password")


@user.command("deactivate", help="help.user.deactivate")
@ic.argument("username", help="help.user.arg.username")
@click.pass_obj
def user_deactivate(settings: Settings, username: str) -> None:
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).set_active(username, False, by=CLI))
    console.print(translate("cli.user.deactivated", cli_language(), {"username": username}))


@user.command("reactivate", help="help.user.reactivate")
@ic.argument("username", help="help.user.arg.username")
@click.pass_obj
def user_reactivate(settings: Settings, username: str) -> None:
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).set_active(username, True, by=CLI))
    console.print(translate("cli.user.reactivated", cli_language(), {"username": username}))


@user.command("token", help="help.user.token")
@ic.argument("username", help="help.user.arg.username")
@ic.option("--name", default="api", help="help.user.token.name")
@ic.option("--days", type=ic.INT, default=90, show_default=True, help="help.user.token.days")
@click.pass_obj
def user_token(settings: Settings, username: str, name: str, days: int) -> None:
    from inventory.users.service import UserService

    token = run_in_session(
        settings, lambda session: UserService(session).issue_token(username, name, by=CLI, days=days)
    )
    console.print(token)


@user.command("tokens", help="help.user.tokens")
@ic.argument("username", help="help.user.arg.username")
@click.pass_obj
def user_tokens(settings: Settings, username: str) -> None:
    from inventory.users.service import UserService

    tokens = run_in_session(settings, lambda session: UserService(session).tokens(username, by=CLI))
    lang = cli_language()
    headers = ("cli.token.id", "token.name", "token.made", "token.expires", "token.last_used", "token.state")
    table = Table(*(translate(h, lang) for h in headers))
    for t in tokens:
        state = translate(
            "token.active" if t.active else ("token.revoked" if t.revoked_at else "token.expired"), lang
        )
        table.add_row(
            str(t.id),
            t.name,
            f"{t.created_at:%d/%m/%Y}",
            f"{t.expires_at:%d/%m/%Y}",
            f"{t.last_used_at:%d/%m/%Y %H:%M}" if t.last_used_at else "",
            state,
        )
    console.print(table)


@user.command("revoke", help="help.user.revoke")
@ic.argument("token_id", type=ic.INT, help="help.user.revoke.arg.token_id")
@click.pass_obj
def user_revoke(settings: Settings, token_id: int) -> None:
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).revoke_token(token_id, by=CLI))
    console.print(translate("cli.token.revoked", cli_language(), {"id": str(token_id)}))
