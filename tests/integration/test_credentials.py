"""Credentials: a password change or a deactivation ends the user's sessions and API tokens (API, pages,
command line); refused writes are in the audit trail. Sign-in throttling: test_sign_in_throttle.py."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from click.testing import CliRunner

from inventory.cli import main
from inventory.settings import Settings
from inventory.stock.models import StockDocument
from inventory.timeutil import today_vn
from inventory.users.models import UserSession
from tests.conftest import PASSWORD, TOKENS
from tests.integration.credential_clients import (
    CLINIC,
    ELSEWHERE,
    NEW_PASSWORD,
    audit,
    bearer,
    browser,
    count,
    form,
    is_signed_in,
    serving,
    sign_in,
)

pytestmark = pytest.mark.anyio


# --- password changes and deactivation through the API -------------------------------------------------


async def test_a_user_changes_their_own_password_by_api_and_every_session_and_token_ends(
    settings: Settings,
) -> None:
    async with serving(settings) as app, browser(app) as page:
        assert (await sign_in(page, "keeper")).status_code == 303
        api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
        async with api:
            path = "/api/v1/users/keeper/password"
            wrong = await api.post(
                path,
                json={"old_password": "not it at all", "new_password": NEW_PASSWORD},
                headers=bearer(TOKENS["keeper"]),
            )
            assert wrong.status_code == 422 and wrong.json()["field"] == "old_password"
            short = await api.post(
                path,
                json={"old_password": PASSWORD, "new_password": "short"},
                headers=bearer(TOKENS["keeper"]),
            )
            assert short.status_code == 422 and short.json()["field"] == "new_password"
            assert (
                await is_signed_in(page)
                and (await api.get("/api/v1/products", headers=bearer(TOKENS["keeper"]))).status_code == 200
            )
            changed = await api.post(
                path,
                json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                headers=bearer(TOKENS["keeper"]),
            )
            assert changed.status_code == 204, changed.text
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["keeper"]))).status_code == 401
        assert not await is_signed_in(page)
        assert (await sign_in(page, "keeper")).status_code == 401
        assert (await sign_in(page, "keeper", NEW_PASSWORD)).status_code == 303
    (event,) = await audit(settings, "user.passwd")
    assert event.username == "keeper" and '"tokens_revoked":1' in event.changes
    assert '"sessions_ended":1' in event.changes


async def test_only_an_administrator_changes_another_users_password_and_the_refusal_is_audited(
    settings: Settings,
) -> None:
    async with serving(settings) as app:
        api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
        async with api:
            body = {"new_password": NEW_PASSWORD}
            refused = await api.post(
                "/api/v1/users/commune/password", json=body, headers=bearer(TOKENS["keeper"])
            )
            assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["commune"]))).status_code == 200
            done = await api.post(
                "/api/v1/users/commune/password", json=body, headers=bearer(TOKENS["admin"])
            )
            assert done.status_code == 204
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["commune"]))).status_code == 401
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["admin"]))).status_code == 200
    (event,) = await audit(settings, "request.refused")
    assert event.username == "keeper" and '"path":"/api/v1/users/commune/password"' in event.changes
    assert '"code":"forbidden"' in event.changes


async def test_a_deactivated_user_loses_sessions_and_tokens_and_cannot_sign_in_until_reactivated(
    settings: Settings,
) -> None:
    async with serving(settings) as app, browser(app) as page:
        assert (await sign_in(page, "commune")).status_code == 303
        api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
        async with api:
            admin = bearer(TOKENS["admin"])
            refused = await api.post("/api/v1/users/commune/deactivate", headers=bearer(TOKENS["keeper"]))
            assert refused.status_code == 403
            assert await is_signed_in(page)
            done = await api.post("/api/v1/users/commune/deactivate", headers=admin)
            assert done.status_code == 200 and done.json()["active"] is False
            assert (await api.post("/api/v1/users/commune/deactivate", headers=admin)).status_code == 200
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["commune"]))).status_code == 401
            assert not await is_signed_in(page)
            assert (await sign_in(page, "commune")).status_code == 401  # the right password, refused
            users = (await api.get("/api/v1/users", headers=admin)).json()
            assert next(u for u in users if u["username"] == "commune")["active"] is False
            back = await api.post("/api/v1/users/commune/reactivate", headers=admin)
            assert back.status_code == 200 and back.json()["active"] is True
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["commune"]))).status_code == 401
            self_off = await api.post("/api/v1/users/admin/deactivate", headers=admin)
            assert self_off.status_code == 409
        assert (await sign_in(page, "commune")).status_code == 303
    assert len(await audit(settings, "user.deactivate")) == 1  # asked twice, recorded once
    assert len(await audit(settings, "user.reactivate")) == 1
    (inactive,) = await audit(settings, "user.sign_in.failed")
    assert '"reason":"inactive"' in inactive.changes


# --- refused writes in the audit trail ----------------------------------------------------------------


async def test_a_refused_posting_writes_nothing_but_its_refusal_to_the_audit_trail(
    settings: Settings,
) -> None:
    expiry = (today_vn() + timedelta(days=300)).isoformat()
    receipt = {
        "facility": "CDC-LC",
        "lines": [
            {"product": "BCG", "lot_number": "R-1", "expires_on": expiry, "doses": 10, "location": "KHO-LANH"}
        ],
    }
    async with serving(settings) as app:
        api = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(CLINIC, 1)), base_url="http://testserver.local"
        )
        async with api:
            headers = {**bearer(TOKENS["keeper"]), "Idempotency-Key": "refused-1"}
            refused = await api.post("/api/v1/receipts", json=receipt, headers=headers)
            assert refused.status_code == 403
    assert await count(settings, StockDocument) == 0
    (event,) = await audit(settings, "request.refused")
    assert event.username == "keeper" and event.address == CLINIC
    assert '"path":"/api/v1/receipts"' in event.changes and '"method":"POST"' in event.changes
    assert '"field":"facility"' in event.changes


async def test_a_form_refused_for_its_missing_csrf_token_is_audited(settings: Settings) -> None:
    async with serving(settings) as app, browser(app) as page:
        await sign_in(page, "keeper")
        refused = await page.post("/adjust", data={"facility": "TTYT-MT"}, follow_redirects=False)
        assert refused.status_code == 403
    (event,) = await audit(settings, "request.refused")
    assert event.username == "keeper" and '"path":"/adjust"' in event.changes


# --- pages ----------------------------------------------------------------------------------------------


async def test_the_account_page_makes_a_named_token_shown_once_lists_and_revokes_it(
    settings: Settings,
) -> None:
    async with serving(settings) as app, browser(app) as page:
        await sign_in(page, "commune")
        made = await form(page, "/account/tokens", name="máy tính bảng", days="30")
        assert made.status_code == 201
        token = re.search(r"vxs_[A-Za-z0-9_\-]+", made.text).group(0)  # type: ignore[union-attr]
        api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
        async with api:
            assert (await api.get("/api/v1/products", headers=bearer(token))).status_code == 200
            listed = (await api.get("/api/v1/users/commune/tokens", headers=bearer(token))).json()
            tablet = next(t for t in listed if t["name"] == "máy tính bảng")
            shown = await page.get("/account")
            assert "máy tính bảng" in shown.text and token not in shown.text  # never shown again
            page.cookies.set("lang", "en")
            assert "API tokens" in (await page.get("/account")).text
            page.cookies.set("lang", "vi")
            bad = await form(page, "/account/tokens", name="x", days="400")
            assert bad.status_code == 422 and "366" in bad.text
            revoked = await form(page, f"/account/tokens/{tablet['id']}/revoke")
            assert revoked.status_code == 303
            assert (await api.get("/api/v1/products", headers=bearer(token))).status_code == 401
            others = (await api.get("/api/v1/users/keeper/tokens", headers=bearer(TOKENS["admin"]))).json()
            assert (await form(page, f"/account/tokens/{others[0]['id']}/revoke")).status_code == 404


async def test_the_account_page_sets_ones_title_for_the_letters_signature(settings: Settings) -> None:
    async with serving(settings) as app, browser(app) as page:
        await sign_in(page, "keeper")
        shown = await page.get("/account")
        assert 'id="profile"' in shown.text and "Chức vụ" in shown.text
        long = await form(page, "/account/profile", full_name="Lò Thị Hương", title="x" * 101)
        assert long.status_code == 422 and "Chức vụ dài tối đa 100 ký tự" in long.text
        saved = await form(page, "/account/profile", full_name="Lò Thị Hương", title="Trưởng khoa Dược")
        assert saved.status_code == 303 and saved.headers["location"] == "/account"
        again = await form(page, "/account/profile", full_name="Lò Thị Hương", title="Trưởng khoa Dược")
        assert again.status_code == 303  # the same change again: nothing more is recorded
        shown = await page.get("/account")
        assert 'value="Trưởng khoa Dược"' in shown.text and 'value="Lò Thị Hương"' in shown.text
    (event,) = await audit(settings, "user.profile")
    assert event.username == "keeper" and "Trưởng khoa Dược" in event.changes


async def test_changing_ones_password_on_the_account_page_signs_out_everywhere(settings: Settings) -> None:

    async with serving(settings) as app, browser(app) as page, browser(app, ELSEWHERE) as phone:
        await sign_in(page, "keeper")
        await sign_in(phone, "keeper")
        differ = await form(
            page,
            "/account/password",
            old_password=PASSWORD,
            new_password=NEW_PASSWORD,
            new_password_again="x",
        )
        assert differ.status_code == 422 and await is_signed_in(page)
        wrong = await form(
            page,
            "/account/password",
            old_password="not the password",
            new_password=NEW_PASSWORD,
            new_password_again=NEW_PASSWORD,
        )
        assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng" in wrong.text
        changed = await form(
            page,
            "/account/password",
            old_password=PASSWORD,
            new_password=NEW_PASSWORD,
            new_password_again=NEW_PASSWORD,
        )
        assert changed.status_code == 303 and changed.headers["location"].startswith("/login")
        assert not await is_signed_in(page) and not await is_signed_in(phone)
        assert (await sign_in(page, "keeper", NEW_PASSWORD)).status_code == 303
    assert await count(settings, UserSession) == 1
    assert len(await audit(settings, "user.passwd")) == 1


async def test_the_users_page_deactivates_reactivates_and_revokes_any_users_token(settings: Settings) -> None:
    async with serving(settings) as app, browser(app, ELSEWHERE) as admin, browser(app) as commune:
        await sign_in(admin, "admin")
        await sign_in(commune, "commune")
        listing = await admin.get("/admin/users")
        assert listing.status_code == 200 and 'data-user="commune"' in listing.text
        assert "tests" in listing.text  # every user's working token, by name
        assert (await commune.get("/admin/users")).status_code == 403
        assert (await form(commune, "/admin/users/keeper/deactivate")).status_code == 403
        assert (await form(admin, "/admin/users/commune/deactivate")).status_code == 303
        assert not await is_signed_in(commune)
        assert "Đã khóa" in (await admin.get("/admin/users")).text
        assert (await form(admin, "/admin/users/commune/reactivate")).status_code == 303
        assert (await sign_in(commune, "commune")).status_code == 303
        api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
        async with api:
            keeper_tokens = (
                await api.get("/api/v1/users/keeper/tokens", headers=bearer(TOKENS["admin"]))
            ).json()
            page = await admin.get("/admin/users/keeper")
            assert page.status_code == 200 and f'data-token="{keeper_tokens[0]["id"]}"' in page.text
            revoked = await form(
                admin, f"/admin/tokens/{keeper_tokens[0]['id']}/revoke", back="/admin/users/keeper"
            )
            assert revoked.status_code == 303 and revoked.headers["location"] == "/admin/users/keeper"
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["keeper"]))).status_code == 401
            short = await form(
                admin, "/admin/users/keeper/password", new_password="short", new_password_again="short"
            )
            assert short.status_code == 422 and 'data-error-for="new_password"' in short.text
            assert "ít nhất 10 ký tự" in short.text
            reset = await form(
                admin,
                "/admin/users/keeper/password",
                new_password=NEW_PASSWORD,
                new_password_again=NEW_PASSWORD,
            )
            assert reset.status_code == 303
    assert len(await audit(settings, "request.refused")) == 1  # the commune worker's deactivation attempt


# --- the command line -----------------------------------------------------------------------------------


def run(settings: Settings, *args: str, input: str | None = None):
    return CliRunner().invoke(
        main, ["--database", settings.database_url, *args], input=input, catch_exceptions=False
    )


async def test_the_command_line_deactivates_reactivates_and_sets_a_password(settings: Settings) -> None:
    async with serving(settings) as app:
        api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
        async with api:
            off = await asyncio.to_thread(run, settings, "user", "deactivate", "viewer")
            assert off.exit_code == 0, off.output
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["viewer"]))).status_code == 401
            on = await asyncio.to_thread(run, settings, "user", "reactivate", "viewer")
            assert on.exit_code == 0, on.output
            unknown = await asyncio.to_thread(run, settings, "user", "deactivate", "nobody")
            assert unknown.exit_code == 1 and "username" in unknown.output
            changed = await asyncio.to_thread(
                run, settings, "user", "password", "keeper", "--password", NEW_PASSWORD
            )
            assert changed.exit_code == 0, changed.output
            assert (await api.get("/api/v1/products", headers=bearer(TOKENS["keeper"]))).status_code == 401
        async with browser(app) as page:
            assert (await sign_in(page, "keeper", NEW_PASSWORD)).status_code == 303
            assert (await sign_in(page, "viewer")).status_code == 303
