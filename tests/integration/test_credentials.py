"""Credentials: sign-in throttling that holds under parallel attempts and cannot lock the administrator out
from elsewhere; a password change or a deactivation ends the user's sessions and API tokens (API, pages,
command line); failed sign-ins and refused writes are in the audit trail."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from inventory.app import create_app
from inventory.audit.models import AuditEvent
from inventory.cli import main
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from inventory.stock.models import StockDocument
from inventory.timeutil import today_vn, utcnow
from inventory.users import repository
from inventory.users.models import UserSession
from tests.conftest import PASSWORD, TOKENS

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a new and longer one"
CLINIC = "203.0.113.7"
"""A commune health station's shared connection."""
ELSEWHERE = "198.51.100.20"


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Any]:
    """The app with no token cache (a revocation shows on the next request), its lifespan running."""
    app = create_app(replace(settings, token_cache_seconds=0))
    async with AsyncTestClient(app=app):
        yield app


@asynccontextmanager
async def browser(app: Any, address: str = CLINIC) -> AsyncIterator[httpx.AsyncClient]:
    """A client at a network address of its choosing (the address the throttle counts)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        await client.get("/login")
        yield client


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": "/",
            "_csrf_token": client.cookies.get("csrftoken", ""),
        },
        follow_redirects=False,
    )


async def form(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    data = {**fields, "_csrf_token": client.cookies.get("csrftoken", "")}
    return await client.post(path, data=data, follow_redirects=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def audit(settings: Settings, action: str) -> list[AuditEvent]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
            return list(rows.all())
    finally:
        await engine.dispose()


async def count(settings: Settings, model: Any) -> int:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await engine.dispose()


async def is_signed_in(client: httpx.AsyncClient) -> bool:
    response = await client.get("/", follow_redirects=False)
    assert response.status_code in {200, 303}
    return response.status_code == 200


# --- throttling ---------------------------------------------------------------------------------------


async def test_thirty_parallel_wrong_passwords_get_exactly_the_limit_checked(settings: Settings) -> None:
    async with serving(settings) as app, browser(app) as client:
        answers = await asyncio.gather(*(sign_in(client, "keeper", "wrong password!") for _ in range(30)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {
        401: settings.sign_in_user_address_limit,
        429: 30 - settings.sign_in_user_address_limit,
    }
    failed = await audit(settings, "user.sign_in.failed")
    refused = await audit(settings, "user.sign_in.refused")
    assert len(failed) == 5 and len(refused) == 25
    assert {e.address for e in failed + refused} == {CLINIC}
    assert all('"username":"keeper"' in e.changes for e in failed + refused)
    assert all('"rule":"user_address"' in e.changes for e in refused)


async def test_a_throttled_username_is_refused_even_with_the_right_password_and_says_for_how_long(
    settings: Settings,
) -> None:
    async with serving(settings) as app, browser(app) as client:
        for _ in range(5):
            failed = await sign_in(client, "keeper", "wrong password!")
            assert failed.status_code == 401 and "Sai tên đăng nhập" in failed.text
        throttled = await sign_in(client, "keeper")
        assert throttled.status_code == 429
        assert "quá nhiều lần" in throttled.text and "15 phút" in throttled.text
        assert not await is_signed_in(client)


async def test_an_attacker_cannot_lock_the_administrator_out_from_another_address(settings: Settings) -> None:
    async with serving(settings) as app:
        async with browser(app, CLINIC) as attacker:
            for _ in range(8):
                await sign_in(attacker, "admin", "guessing-guessing")
            assert (await sign_in(attacker, "admin")).status_code == 429  # locked here, for this username
        async with browser(app, ELSEWHERE) as administrator:
            assert (await sign_in(administrator, "admin")).status_code == 303
            assert await is_signed_in(administrator)


async def test_one_person_mistyping_does_not_lock_out_the_others_at_a_shared_clinic_address(
    settings: Settings,
) -> None:
    async with serving(settings) as app:
        async with browser(app, CLINIC) as one:
            for _ in range(6):
                await sign_in(one, "commune", "mistyped password")
            assert (await sign_in(one, "commune")).status_code == 429
        async with browser(app, CLINIC) as colleague:
            assert (await sign_in(colleague, "keeper")).status_code == 303
        async with browser(app, CLINIC) as the_admin:
            assert (await sign_in(the_admin, "admin")).status_code == 303


async def test_an_address_guessing_many_usernames_is_refused_past_the_address_limit(
    settings: Settings,
) -> None:
    limited = replace(settings, sign_in_address_limit=8)
    async with serving(limited) as app:
        async with browser(app, CLINIC) as guesser:
            answers = [await sign_in(guesser, f"user{n}", "guessing-guessing") for n in range(8)]
            assert {a.status_code for a in answers} == {401}
            assert (await sign_in(guesser, "keeper")).status_code == 429  # every username, from here
        async with browser(app, ELSEWHERE) as other:
            assert (await sign_in(other, "keeper")).status_code == 303
    refused = await audit(settings, "user.sign_in.refused")
    assert len(refused) == 1 and '"rule":"address"' in refused[0].changes


async def test_a_username_guessed_from_many_addresses_refuses_those_addresses_but_not_a_clean_one(
    settings: Settings,
) -> None:
    limited = replace(settings, sign_in_user_limit=3)
    guessers = [f"192.0.2.{n}" for n in range(1, 5)]
    async with serving(limited) as app:
        for address in guessers:  # one guess each: four failures for admin, past the limit of 3
            async with browser(app, address) as guesser:
                assert (await sign_in(guesser, "admin", "guessing-guessing")).status_code == 401
        async with browser(app, guessers[0]) as again:
            assert (await sign_in(again, "admin")).status_code == 429  # failed here before: refused
        async with browser(app, ELSEWHERE) as administrator:
            assert (await sign_in(administrator, "admin")).status_code == 303


async def test_a_right_password_takes_its_attempt_back_and_clears_its_own_count(settings: Settings) -> None:
    async with serving(settings) as app, browser(app) as client:
        for _ in range(4):
            assert (await sign_in(client, "keeper", "wrong password!")).status_code == 401
        assert (await sign_in(client, "keeper")).status_code == 303
        for _ in range(5):  # the count started again from the sign-in
            assert (await sign_in(client, "keeper", "wrong password!")).status_code == 401
        assert (await sign_in(client, "keeper")).status_code == 429


async def test_thirty_concurrent_counts_of_one_key_each_get_a_count_of_their_own(settings: Settings) -> None:
    """The counter itself, 30 transactions at once: an atomic count hands out 1..30, each once; a count
    read and then written would hand out some twice."""
    engine = create_engine(settings)
    sessions = session_factory(engine)
    now = utcnow()

    async def one() -> int:
        async with unit_of_work(sessions) as session:
            failures, _ = await repository.add_failure(
                session, "user_address", "x keeper", now=now, window_opened_after=now - timedelta(minutes=15)
            )
            return failures

    try:
        counts = await asyncio.gather(*(one() for _ in range(30)))
    finally:
        await engine.dispose()
    assert sorted(counts) == list(range(1, 31))


async def test_a_count_whose_window_is_over_starts_again_at_one(settings: Settings) -> None:
    engine = create_engine(settings)
    sessions = session_factory(engine)
    start = utcnow() - timedelta(minutes=20)
    try:
        async with unit_of_work(sessions) as session:
            for _ in range(3):
                old = await repository.add_failure(
                    session, "address", CLINIC, now=start, window_opened_after=start - timedelta(minutes=15)
                )
            now = utcnow()
            fresh = await repository.add_failure(
                session, "address", CLINIC, now=now, window_opened_after=now - timedelta(minutes=15)
            )
    finally:
        await engine.dispose()
    assert old == (3, start) and fresh == (1, now)


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
