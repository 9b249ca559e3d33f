"""The real app, called in-process over ASGI as a server calls it: no sockets, no HTTP client library.

`InProcessApp(settings)` builds `inventory.app.create_app(settings)`, runs its ASGI lifespan (startup on
enter, shutdown on exit) and sends requests as hand-built ASGI `http` calls: a scope like the one uvicorn
builds, a `receive` that hands over the whole body, and a `send` that keeps the status and the body. The
middleware (authentication by bearer token), routing, validation, the handler, the session and its commit
all run as they do when served; only the socket and the HTTP parsing are left out. (httpx's ASGITransport
would do the same with a per-request cost of its own: this would then measure httpx as well.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import msgspec
from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.app import create_app
from inventory.settings import Settings

Headers = list[tuple[bytes, bytes]]


class RequestFailed(Exception):
    """An API call answered with another status than the expected one."""

    def __init__(self, method: str, path: str, status: int, body: bytes) -> None:
        super().__init__(f"{method} {path} answered {status}: {body[:300].decode(errors='replace')}")


def api_headers(token: str, *, key: str | None = None, json: bool = False) -> Headers:
    """`Authorization: Bearer <token>`, and `Idempotency-Key` and the JSON content type when asked."""
    headers = [(b"authorization", b"Bearer " + token.encode())]
    if key is not None:
        headers.append((b"idempotency-key", key.encode()))
    if json:
        headers.append((b"content-type", b"application/json"))
    return headers


class InProcessApp:
    """`create_app(settings)` with its lifespan running, called in-process; see the module docstring."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        config = self.app.plugins.get(SQLAlchemyPlugin).config[0]
        self.engine: AsyncEngine = config.get_engine()  # type: ignore[assignment]
        """The engine the app serves with (create_app builds it), for engine events."""
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._lifespan: asyncio.Task[None] | None = None

    async def __aenter__(self) -> InProcessApp:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._lifespan = asyncio.create_task(self.app(scope, self._to_app.get, self._from_app.put))  # type: ignore[arg-type]
        await self._to_app.put({"type": "lifespan.startup"})
        answer = await self._from_app.get()
        if answer["type"] != "lifespan.startup.complete":
            await asyncio.gather(self._lifespan, return_exceptions=True)
            raise RuntimeError(f"the app did not start: {answer.get('message', answer)}")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._lifespan is None:
            return
        await self._to_app.put({"type": "lifespan.shutdown"})
        answer = await self._from_app.get()
        await asyncio.gather(self._lifespan, return_exceptions=True)
        self._lifespan = None
        if answer["type"] != "lifespan.shutdown.complete":
            raise RuntimeError(f"the app did not shut down cleanly: {answer.get('message', answer)}")

    async def call(
        self, method: str, path: str, headers: Iterable[tuple[bytes, bytes]], body: bytes = b""
    ) -> tuple[int, bytes]:
        """One HTTP request through the app: its status and its body."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"127.0.0.1:8000"),
                *headers,
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        delivered = False
        finished: asyncio.Event | None = None
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal delivered, finished
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            finished = finished or asyncio.Event()  # as a server: no disconnect before the response is sent
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and finished is not None:
                    finished.set()

        await self.app(scope, receive, send)  # type: ignore[arg-type]
        return status, b"".join(chunks)

    async def expect(
        self,
        status: int,
        method: str,
        path: str,
        headers: Iterable[tuple[bytes, bytes]],
        body: Any = None,
        *,
        type: Any = Any,
    ) -> Any:
        """A call that must answer `status`; the JSON body sent (a msgspec struct) and decoded as `type`."""
        raw = b"" if body is None else msgspec.json.encode(body)
        got, out = await self.call(method, path, headers, raw)
        if got != status:
            raise RequestFailed(method, path, got, out)
        return msgspec.json.decode(out, type=type)
