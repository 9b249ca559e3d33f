"""What authentication costs a request: no query for a remembered API token or session cookie, two for a
page's session read afresh (the session with its user, then the user's own part of the facility tree), and a
revocation or an ended session that takes effect once its entry is forgotten (signing out: at once)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, event
from sqlalchemy.engine import Engine

import inventory.authn
from inventory.app import create_app
from inventory.db import create_engine, session_factory
from inventory.settings import Settings
from inventory.users.models import UserSession
from tests.conftest import TOKENS
from tests.integration.conftest import Api
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio
AUTH_TABLES = ("api_token", "user_session", "app_user")


@pytest.fixture
def statements() -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith("BEGIN"):  # SQLite's transaction mode, no query
            sent.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", count)
    yield sent
    event.remove(Engine, "before_cursor_execute", count)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The principal cache's clock, moved by hand: `clock[0] += seconds`."""
    now = [1000.0]
    monkeypatch.setattr(inventory.authn, "monotonic", lambda: now[0])
    return now


def _remembering(settings: Settings) -> AsyncTestClient:
    """An app whose processes remember a token's or session's principal for 5 s."""
    return AsyncTestClient(app=create_app(replace(settings, auth_cache_seconds=5)))


def _sent_to_sign_in(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def _authenticating(sent: list[str]) -> list[str]:
    return [s for s in sent if any(table in s for table in AUTH_TABLES)]


async def test_an_api_request_with_a_remembered_token_spends_no_round_trip_on_authentication(
    api: Api, statements: list[str]
) -> None:
    keeper = api.as_user("keeper")
    await keeper.read("/facilities/TTYT-MT/stock")  # reads the token, its user and scope; remembered 5 s
    statements.clear()
    await keeper.read("/facilities/TTYT-MT/stock")
    assert _authenticating(statements) == []
    # the read itself: the facility, one page of rows, the totals
    assert len(statements) == 3, statements


async def test_a_page_reads_its_session_and_user_at_once_and_only_the_users_part_of_the_tree(
    settings: Settings, statements: list[str]
) -> None:
    async with AsyncTestClient(app=create_app(replace(settings, auth_cache_seconds=0))) as client:
        assert (await sign_in(client, "keeper")).status_code == 303
        statements.clear()
        assert (await client.get("/stock")).status_code == 200  # the first page: nothing kept yet
    sessions = [s for s in statements if "user_session" in s and s.startswith("SELECT")]
    assert len(sessions) == 1 and "JOIN app_user" in sessions[0]  # the session joined with its user
    facility_reads = [s for s in statements if s.startswith("SELECT") and "FROM facility" in s]
    assert facility_reads, statements
    assert all("WHERE" in s for s in facility_reads), [s for s in facility_reads if "WHERE" not in s]
    assert sum("RECURSIVE" in s for s in statements) == 1  # the store's own subtree, once


async def test_a_remembered_session_spends_no_query_on_authentication_until_signed_out(
    settings: Settings, statements: list[str]
) -> None:
    async with _remembering(settings) as client:
        assert (await sign_in(client, "keeper")).status_code == 303
        assert (await client.get("/stock")).status_code == 200  # read once, remembered 5 s
        statements.clear()
        assert (await client.get("/stock")).status_code == 200
        assert _authenticating(statements) == []
        assert not any("RECURSIVE" in s for s in statements)  # the scope came with the principal
        cookie = client.cookies["vaxstock_session"]
        csrf = client.cookies.get("csrftoken", "")
        signed_out = await client.post("/logout", data={"_csrf_token": csrf}, follow_redirects=False)
        assert signed_out.status_code == 303
        # a copy of the cookie kept after signing out is refused at once by the process that signed it out
        client.cookies.set("vaxstock_session", cookie)
        assert _sent_to_sign_in(await client.get("/stock", follow_redirects=False))


async def test_a_session_ended_by_a_password_change_elsewhere_works_until_its_entry_expires(
    settings: Settings, clock: list[float]
) -> None:
    async with _remembering(settings) as client:
        assert (await sign_in(client, "keeper")).status_code == 303
        assert (await client.get("/stock")).status_code == 200
        engine = create_engine(settings)  # the sessions end in the database, as another process ends them
        async with session_factory(engine)() as session:
            await session.execute(delete(UserSession))
            await session.commit()
        await engine.dispose()
        clock[0] += 4.9
        assert (await client.get("/stock", follow_redirects=False)).status_code == 200  # remembered
        clock[0] += 0.1
        assert _sent_to_sign_in(await client.get("/stock", follow_redirects=False))


async def test_a_revoked_token_works_until_its_entry_expires_then_is_refused(
    settings: Settings, clock: list[float]
) -> None:
    async with _remembering(settings) as client:
        api = Api(client)
        keeper = api.as_user("keeper")
        assert (await keeper.get("/lots")).status_code == 200
        tokens = await api.read("/users/keeper/tokens")
        (mine,) = [t for t in tokens if t["revoked_at"] is None]
        response = await api.post(f"/tokens/{mine['id']}/revoke")
        assert response.status_code in (200, 201), response.text
        clock[0] += 4.9
        assert (await keeper.get("/lots")).status_code == 200  # remembered: at most 5 s more
        clock[0] += 0.1
        assert (await keeper.get("/lots")).status_code == 401  # read again: revoked
        assert TOKENS["keeper"]  # the token itself is unchanged; only its record says revoked
