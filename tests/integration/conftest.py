"""API test helpers: the real app on the test database, and postings with fresh idempotency keys."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings


class Api:
    """A thin wrapper that sends every posting with a new Idempotency-Key unless one is given."""

    def __init__(self, client: AsyncTestClient) -> None:
        self.client = client

    async def post(self, path: str, body: Any = None, *, key: str | None = None, raw: bytes | None = None):  # noqa: ANN201
        headers = {"Idempotency-Key": key or f"test-{uuid.uuid4()}"}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return await self.client.post(f"/api/v1{path}", content=raw, headers=headers)
        return await self.client.post(f"/api/v1{path}", json=body, headers=headers)

    async def get(self, path: str, **params: Any):  # noqa: ANN201
        return await self.client.get(f"/api/v1{path}", params=params)

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
