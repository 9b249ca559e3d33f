"""Clients for the credentials tests: the app served without a token cache, browsers at network addresses
of their choosing (the addresses the sign-in throttle counts), signing in, forms, and the audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from inventory.app import create_app
from inventory.audit.models import AuditEvent
from inventory.db import create_engine, session_factory
from inventory.settings import Settings
from tests.conftest import PASSWORD

NEW_PASSWORD = "a new and longer one"
CLINIC = "203.0.113.7"
"""A commune health station's shared connection."""
ELSEWHERE = "198.51.100.20"


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Any]:
    """The app with no token cache (a revocation shows on the next request), its lifespan running."""
    app = create_app(replace(settings, auth_cache_seconds=0))
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
