"""What authentication costs a request: no query for a remembered API token, two for a page's session
(the session with its user, then the user's own part of the facility tree), and a revocation that takes
effect once the token's entry is forgotten."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

import inventory.authn
from inventory.app import create_app
from inventory.settings import Settings
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
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await sign_in(client, "keeper")).status_code == 303
        await client.get("/stock")
        statements.clear()
        assert (await client.get("/stock")).status_code == 200
    sessions = [s for s in statements if "user_session" in s and s.startswith("SELECT")]
    assert len(sessions) == 1 and "JOIN app_user" in sessions[0]  # the session joined with its user
    facility_reads = [s for s in statements if s.startswith("SELECT") and "FROM facility" in s]
    assert facility_reads, statements
    assert all("WHERE" in s for s in facility_reads), [s for s in facility_reads if "WHERE" not in s]
    assert sum("RECURSIVE" in s for s in statements) == 1  # the store's own subtree, once


async def test_a_revoked_token_works_until_its_entry_expires_then_is_refused(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(inventory.authn, "monotonic", lambda: now[0])
    async with AsyncTestClient(app=create_app(replace(settings, token_cache_seconds=5))) as client:
        api = Api(client)
        keeper = api.as_user("keeper")
        assert (await keeper.get("/lots")).status_code == 200
        tokens = await api.read("/users/keeper/tokens")
        (mine,) = [t for t in tokens if t["revoked_at"] is None]
        response = await api.post(f"/tokens/{mine['id']}/revoke")
        assert response.status_code in (200, 201), response.text
        now[0] += 4.9
        assert (await keeper.get("/lots")).status_code == 200  # remembered: at most 5 s more
        now[0] += 0.1
        assert (await keeper.get("/lots")).status_code == 401  # read again: revoked
        assert TOKENS["keeper"]  # the token itself is unchanged; only its record says revoked
