"""API tokens expire, record when they were last used, and can be listed and revoked by their owner or an
administrator; a revoked or expired token is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from inventory.app import create_app
from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from inventory.timeutil import utcnow
from inventory.users.models import ApiToken
from inventory.users.service import UserService
from tests.conftest import TOKENS

pytestmark = pytest.mark.anyio


async def _run(settings: Settings, work):  # type: ignore[no-untyped-def]
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return await work(UserService(session))
    finally:
        await engine.dispose()


@pytest.fixture
async def client(settings: Settings):  # type: ignore[no-untyped-def]
    """The app with no token cache: each request reads its token (revocation shows at once)."""
    async with AsyncTestClient(app=create_app(replace(settings, auth_cache_seconds=0))) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_new_token_lasts_the_days_asked_and_records_its_last_use(settings: Settings, client) -> None:
    token = await _run(
        settings, lambda users: users.issue_token("keeper", "phone", by=Principal.system("t"), days=30)
    )
    assert (await client.get("/api/v1/products", headers=_bearer(token))).status_code == 200
    listed = (await client.get("/api/v1/users/keeper/tokens", headers=_bearer(token))).json()
    phone = next(t for t in listed if t["name"] == "phone")
    assert phone["active"] and phone["last_used_at"] is not None and phone["revoked_at"] is None
    made, expires = (phone["created_at"], phone["expires_at"])
    assert expires > made
    from datetime import datetime

    lasts = datetime.fromisoformat(expires) - datetime.fromisoformat(made)
    assert timedelta(days=30) - timedelta(seconds=1) <= lasts <= timedelta(days=30)


async def test_an_expired_token_is_refused(settings: Settings, client) -> None:
    token = await _run(
        settings, lambda users: users.issue_token("keeper", "old", by=Principal.system("t"), days=1)
    )

    async def expire(users: UserService) -> None:
        await users.session.execute(
            update(ApiToken).where(ApiToken.name == "old").values(expires_at=utcnow() - timedelta(seconds=1))
        )

    await _run(settings, expire)
    assert (await client.get("/api/v1/products", headers=_bearer(token))).status_code == 401


async def test_the_owner_revokes_a_token_and_it_is_refused_from_then_on(settings: Settings, client) -> None:
    token = await _run(
        settings, lambda users: users.issue_token("keeper", "lost phone", by=Principal.system("t"))
    )
    own = _bearer(TOKENS["keeper"])
    listed = (await client.get("/api/v1/users/keeper/tokens", headers=own)).json()
    lost = next(t for t in listed if t["name"] == "lost phone")
    revoked = await client.post(f"/api/v1/tokens/{lost['id']}/revoke", headers=own)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert revoked.json()["revoked_at"] is not None
    assert (await client.get("/api/v1/products", headers=_bearer(token))).status_code == 401
    again = await client.post(f"/api/v1/tokens/{lost['id']}/revoke", headers=own)
    assert again.status_code == 409 and again.json()["code"] == "conflict"


async def test_another_users_tokens_are_neither_listed_nor_revoked_except_by_an_administrator(
    settings: Settings, client
) -> None:
    keeper = _bearer(TOKENS["keeper"])
    admin = _bearer(TOKENS["admin"])
    mine = (await client.get("/api/v1/users/admin/tokens", headers=admin)).json()
    assert (await client.get("/api/v1/users/admin/tokens", headers=keeper)).status_code == 403
    refused = await client.post(f"/api/v1/tokens/{mine[0]['id']}/revoke", headers=keeper)
    assert refused.status_code == 404  # another user's token is not even confirmed to exist
    theirs = (await client.get("/api/v1/users/keeper/tokens", headers=admin)).json()
    assert (await client.post(f"/api/v1/tokens/{theirs[0]['id']}/revoke", headers=admin)).status_code == 200
    assert (await client.get("/api/v1/products", headers=keeper)).status_code == 401
