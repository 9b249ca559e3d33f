"""Refused writes (403) in the audit trail, written in a transaction of their own after the answer is sent.

The request's own transaction is rolled back on a refusal (nothing it did may stay), so the event cannot
go there. The middleware watches the answer's status; when a write (POST, PUT, PATCH, DELETE) is answered
403 it records who asked, from where, for what, and the refusal's code and field, once the answer has
gone: the refusal is neither slowed nor changed, and a failure to record is logged, never answered.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.db import unit_of_work

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
KEPT_BODY = 4096
"""Bytes of a refusal's body read for its code and field (a problem document is far smaller)."""
log = logging.getLogger(__name__)


async def record_refusal(
    sessions: async_sessionmaker[AsyncSession], scope: Scope, reason: dict[str, Any]
) -> None:
    """Append a `request.refused` event in its own transaction; log, never raise, if that fails."""
    user = scope.get("user")
    client = scope.get("client")
    address = client[0] if client else None
    if isinstance(user, Principal):
        who = Principal(username=user.username, role=user.role, address=address)
    else:
        who = Principal(username="-", role="anonymous", address=address)
    changes = {"method": scope.get("method"), "path": scope.get("path"), "status": 403, **reason}
    try:
        async with unit_of_work(sessions) as session:
            record(session, who, "request.refused", changes=changes, facility_code=None)
    except Exception:  # the refusal stands whether or not its record could be written
        log.exception("could not record a refused %s %s", scope.get("method"), scope.get("path"))


class RefusalAudit:
    """ASGI middleware (inside authentication, so the principal is known): audits every refused write."""

    def __init__(self, app: ASGIApp, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in UNSAFE:
            await self.app(scope, receive, send)
            return
        refused = False
        body = bytearray()

        async def watch(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                refused = message["status"] == 403
            elif refused and message["type"] == "http.response.body" and len(body) < KEPT_BODY:
                body.extend(message.get("body", b"")[: KEPT_BODY - len(body)])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except (Forbidden, HTTPException) as exc:
            # raised by a middleware between here and the handler (the CSRF check): answered further out
            if getattr(exc, "status_code", None) == 403:
                await record_refusal(self.sessions, scope, reason_of(exc))
            raise
        if refused:
            await record_refusal(self.sessions, scope, _reason_from_body(bytes(body)))


def reason_of(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, Forbidden):
        return {"code": exc.code, "field": exc.field, "reason": exc.text("en")}
    return {"code": "request_refused", "reason": str(getattr(exc, "detail", exc))}


def _reason_from_body(body: bytes) -> dict[str, Any]:
    """The code, field and reason of a problem document; a page's refusal says less."""
    try:
        problem = json.loads(body)
    except ValueError:
        return {"code": "forbidden"}
    if not isinstance(problem, dict):
        return {"code": "forbidden"}
    return {key: problem[key] for key in ("code", "field", "detail") if key in problem}
