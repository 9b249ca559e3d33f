"""The `vaxstock user` subcommands: add users, set passwords, make API tokens."""

from __future__ import annotations

import click
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.cli.common import CLI, console, run_in_session
from inventory.i18n import cli_language, translate
from inventory.settings import Settings


@click.group()
def user() -> None:
    """Users and API tokens."""


@user.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["admin", "store_keeper", "commune_worker", "viewer"]), required=True
)
@click.option("--facility", default=None, help="Facility code (store keepers and commune workers).")
@click.option("--name", "full_name", default=None, help="Full name shown on pages.")
@click.option("--title", default=None, help="Title (chức vụ) printed above the name on letters they sign.")
@click.password_option(help="Password (asked twice when not given).")
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
            title=title,
        )

    run_in_session(settings, work)
    lang = cli_language()
    params = {"username": username, "role": translate(f"role.{role}", lang), "facility": facility or ""}
    console.print(translate("cli.user.added_at" if facility else "cli.user.added", lang, params))


@user.command("profile")
@click.argument("username")
@click.option("--name", "full_name", default=None, help="Full name shown on pages and under a signature.")
@click.option("--title", default=None, help="Title (chức vụ) above the name on letters; '' clears it.")
@click.pass_obj
def user_profile(settings: Settings, username: str, full_name: str | None, title: str | None) -> None:
    """Change a user's full name and title."""
    from inventory.users.service import UserService

    read = run_in_session(
        settings,
        lambda session: UserService(session).set_profile(username, by=CLI, full_name=full_name, title=title),
    )
    console.print(f"{read.username}: {read.full_name}{' · ' + read.title if read.title else ''}")


@user.command("passwd")
@click.argument("username")
@click.password_option(help="New password (asked twice when not given).")
@click.pass_obj
def user_passwd(settings: Settings, username: str, password: str) -> None:
    """Set a user's password; their sessions and API tokens end."""
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).set_password(username, password, by=CLI))
    console.print(translate("cli.user.password_changed", cli_language(), {"username": username}))


user.add_command(user_passwd, "password")


@user.command("deactivate")
@click.argument("username")
@click.pass_obj
def user_deactivate(settings: Settings, username: str) -> None:
    """Deactivate a user: their sessions and API tokens end and they cannot sign in."""
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).set_active(username, False, by=CLI))
    console.print(translate("cli.user.deactivated", cli_language(), {"username": username}))


@user.command("reactivate")
@click.argument("username")
@click.pass_obj
def user_reactivate(settings: Settings, username: str) -> None:
    """Let a deactivated user sign in again (their ended tokens stay ended)."""
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).set_active(username, True, by=CLI))
    console.print(translate("cli.user.reactivated", cli_language(), {"username": username}))


@user.command("token")
@click.argument("username")
@click.option("--name", default="api", help="What the token is for.")
@click.option("--days", type=int, default=90, show_default=True, help="How long the token lasts.")
@click.pass_obj
def user_token(settings: Settings, username: str, name: str, days: int) -> None:
    """Make an API bearer token for a user (shown once)."""
    from inventory.users.service import UserService

    token = run_in_session(
        settings, lambda session: UserService(session).issue_token(username, name, by=CLI, days=days)
    )
    console.print(token)


@user.command("tokens")
@click.argument("username")
@click.pass_obj
def user_tokens(settings: Settings, username: str) -> None:
    """List a user's API tokens: id, name, made, expires, last used, revoked."""
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


@user.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def user_revoke(settings: Settings, token_id: int) -> None:
    """End an API token now (server processes stop accepting it within VAXSTOCK_TOKEN_CACHE_SECONDS)."""
    from inventory.users.service import UserService

    run_in_session(settings, lambda session: UserService(session).revoke_token(token_id, by=CLI))
    console.print(translate("cli.token.revoked", cli_language(), {"id": str(token_id)}))
