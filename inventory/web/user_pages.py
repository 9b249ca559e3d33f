"""Users' pages: one's own account (API tokens, password) and the administrator's users and tokens."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from inventory.authn import SESSION_COOKIE
from inventory.errors import Conflict, InventoryError
from inventory.i18n import translate
from inventory.types import RowIdPath
from inventory.users.service import UserService
from inventory.users.tokens import TOKEN_DAYS
from inventory.web.forms import Form
from inventory.web.pages import FormData, Page, provide_page


def _days(value: str) -> int:
    try:
        return int(value.strip() or TOKEN_DAYS)
    except ValueError:
        return 0  # refused by the use case with its reason, at the field


def _signed_out(target: str) -> Redirect:
    """The user's sessions ended with their password: the browser's cookie goes too."""
    response = Redirect(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


class AccountPages(Controller):
    """Every signed-in user's own page: their API tokens (make one, shown once; revoke) and their password."""

    dependencies = {"page": Provide(provide_page)}

    async def _render(
        self, page: Page, status: int = 200, *, form: Form | None = None, new_token: str | None = None
    ) -> Template:
        users = UserService(page.session)
        tokens = await users.tokens(page.principal.username, by=page.principal)
        return await page.render(
            "account.html",
            status,
            tokens=tokens,
            form=form or Form(values={"days": str(TOKEN_DAYS)}),
            new_token=new_token,
            token_days=TOKEN_DAYS,
        )

    @get("/account", operation_id="AccountPage", include_in_schema=False)
    async def account(self, page: NamedDependency[Page]) -> Template:
        return await self._render(page)

    @post("/account/tokens", operation_id="AccountMakeToken", include_in_schema=False)
    async def make_token(self, page: NamedDependency[Page], data: FormData) -> Template:
        """The token is on this answer only: it is never stored, so no later page can show it."""
        users = UserService(page.session)
        name, days = data.get("name", ""), data.get("days", "")
        try:
            token = await users.issue_token(
                page.principal.username, name, by=page.principal, days=_days(days)
            )
        except InventoryError as exc:
            form = Form(values=dict(data), errors={exc.field or "name": exc.text(page.lang)})
            return await self._render(page, exc.status_code, form=form)
        await page.session.flush()
        return await self._render(page, 201, new_token=token)

    @post("/account/tokens/{token_id:int}/revoke", operation_id="AccountRevokeToken", include_in_schema=False)
    async def revoke_token(self, page: NamedDependency[Page], token_id: RowIdPath) -> Template | Redirect:
        try:
            await UserService(page.session).revoke_token(token_id, by=page.principal)
        except Conflict:
            pass  # revoked already (a second click): the page shows it so
        except InventoryError as exc:
            return await self._render(page, exc.status_code, form=Form(errors={"token": exc.text(page.lang)}))
        return Redirect("/account", status_code=303)

    @post("/account/profile", operation_id="AccountChangeProfile", include_in_schema=False)
    async def change_profile(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        """One's own full name and title (chức vụ): printed in the signature of the letters one downloads.
        The form always sends the name: a blank one is refused here (the API's PATCH keeps a name not sent)."""
        if not data.get("full_name", "").strip():
            label = translate("users.full_name", page.lang)
            form = Form(
                values=dict(data),
                errors={"full_name": translate("error.input.missing", page.lang, {"label": label})},
            )
            return await self._render(page, 422, form=form)
        try:
            await UserService(page.session).set_profile(
                page.principal.username,
                by=page.principal,
                full_name=data.get("full_name", ""),
                title=data.get("title", ""),
            )
        except InventoryError as exc:
            field = exc.field if exc.field in {"full_name", "title"} else "title"
            form = Form(values=dict(data), errors={field: exc.text(page.lang)})
            return await self._render(page, exc.status_code, form=form)
        return Redirect("/account", status_code=303)

    @post("/account/password", operation_id="AccountChangePassword", include_in_schema=False)
    async def change_password(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        """A new password ends every session of the user, this one too: they sign in again with it."""
        new, again = data.get("new_password", ""), data.get("new_password_again", "")
        if new != again:
            form = Form(errors={"new_password_again": translate("account.passwords_differ", page.lang)})
            return await self._render(page, 422, form=form)
        try:
            await UserService(page.session).set_password(
                page.principal.username, new, by=page.principal, old_password=data.get("old_password", "")
            )
        except InventoryError as exc:
            field = exc.field if exc.field in {"old_password", "new_password"} else "old_password"
            return await self._render(page, exc.status_code, form=Form(errors={field: exc.text(page.lang)}))
        return _signed_out("/login?signed_out=true")


class AdminUserPages(Controller):
    """The administrator's view of users: deactivate, reactivate, set a password; every working API token."""

    dependencies = {"page": Provide(provide_page)}

    async def _render(self, page: Page, status: int = 200, *, form: Form | None = None) -> Template:
        users = UserService(page.session)
        return await page.render(
            "admin_users.html",
            status,
            users=await users.users(by=page.principal),
            tokens=await users.active_tokens(by=page.principal),
            form=form or Form(),
        )

    @get("/admin/users", operation_id="AdminUsersPage", include_in_schema=False)
    async def users(self, page: NamedDependency[Page]) -> Template:
        return await self._render(page)

    @get("/admin/users/{username:str}", operation_id="AdminUserPage", include_in_schema=False)
    async def user(self, page: NamedDependency[Page], username: FromPath[str]) -> Template:
        return await self._render_user(page, username)

    async def _render_user(
        self, page: Page, username: str, status: int = 200, *, form: Form | None = None
    ) -> Template:
        users = UserService(page.session)
        everyone = await users.users(by=page.principal)
        person = next((u for u in everyone if u.username == username), None)
        tokens = await users.tokens(username, by=page.principal)  # an unknown user is refused here
        return await page.render("admin_user.html", status, person=person, tokens=tokens, form=form or Form())

    @post("/admin/users/{username:str}/{action:str}", operation_id="AdminUserAction", include_in_schema=False)
    async def act(
        self,
        page: NamedDependency[Page],
        username: FromPath[str],
        action: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        users = UserService(page.session)
        try:
            if action in {"deactivate", "reactivate"}:
                await users.set_active(username, action == "reactivate", by=page.principal)
            elif action == "password":
                if data.get("new_password", "") != data.get("new_password_again", ""):
                    errors = {"new_password_again": translate("account.passwords_differ", page.lang)}
                    return await self._render_user(page, username, 422, form=Form(errors=errors))
                await users.set_password(username, data.get("new_password", ""), by=page.principal)
            else:
                return await self._render(
                    page, 404, form=Form(errors={"form": translate("error.not_found", page.lang)})
                )
        except InventoryError as exc:
            field = "new_password" if exc.field == "new_password" else "form"
            if action == "password" and exc.status_code != 403:
                return await self._render_user(
                    page, username, exc.status_code, form=Form(errors={field: exc.text(page.lang)})
                )
            return await self._render(page, exc.status_code, form=Form(errors={"form": exc.text(page.lang)}))
        back = f"/admin/users/{username}" if action == "password" else "/admin/users"
        return Redirect(back, status_code=303)

    @post("/admin/tokens/{token_id:int}/revoke", operation_id="AdminRevokeToken", include_in_schema=False)
    async def revoke_token(
        self, page: NamedDependency[Page], token_id: RowIdPath, data: FormData
    ) -> Template | Redirect:
        try:
            await UserService(page.session).revoke_token(token_id, by=page.principal)
        except Conflict:
            pass  # revoked already (a second click)
        except InventoryError as exc:
            return await self._render(page, exc.status_code, form=Form(errors={"form": exc.text(page.lang)}))
        back = data.get("back", "")
        return Redirect(back if back.startswith("/admin/users") else "/admin/users", status_code=303)
