"""API test helpers: the real app on the test database, and postings with fresh idempotency keys."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from tests.conftest import TOKENS
from tests.integration.ledger_samples import lot, receipt


class Api:
    """A thin wrapper that signs in with a bearer token and sends every posting with a new Idempotency-Key."""

    def __init__(self, client: AsyncTestClient, username: str = "admin") -> None:
        self.client = client
        self.username = username

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[self.username]}"}

    def as_user(self, username: str) -> Api:
        return Api(self.client, username)

    async def post(self, path: str, body: Any = None, *, key: str | None = None, raw: bytes | None = None):
        headers = {"Idempotency-Key": key or f"test-{uuid.uuid4()}", **self.auth}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return await self.client.post(f"/api/v1{path}", content=raw, headers=headers)
        return await self.client.post(f"/api/v1{path}", json=body, headers=headers)

    async def get(self, path: str, **params: Any):
        return await self.client.get(f"/api/v1{path}", params=params or None, headers=self.auth)

    async def ok(self, path: str, body: Any = None, **kw: Any) -> Any:
        response = await self.post(path, body, **kw)
        assert response.status_code == 201, response.text
        return response.json()

    async def read(self, path: str, **params: Any) -> Any:
        response = await self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield Api(client)


@pytest.fixture
async def stocked(api):
    """The district holds two PENTA lots, one BOPV lot (VVM 2) and one later BOPV lot, IPV and BCG."""
    await api.ok(
        "/receipts",
        receipt(
            lot("PENTA", "P-EARLY", 100, expires_in_days=200),
            lot("PENTA", "P-LATE", 100, expires_in_days=500, location="TL-02"),
            lot("BOPV", "B-STAGE2", 200, expires_in_days=600, vvm_stage=2),
            lot("BOPV", "B-EARLY", 200, expires_in_days=100),
            lot("IPV", "I-1", 50),
            lot("BCG", "BCG-1", 100),
        ),
    )
    return api


@pytest.fixture
async def quarter(settings: Settings) -> Settings:
    """A commune's first quarter of 2026 whose every report figure is worked out by hand (report_samples)."""
    from tests.integration.report_samples import load_quarter

    return await load_quarter(settings)
