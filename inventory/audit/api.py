"""JSON API of the audit trail: who did what, where and when (administrators)."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit import service as audit
from inventory.audit.models import AuditEvent
from inventory.audit.schemas import AuditEventPage, AuditEventRead
from inventory.auth import Principal
from inventory.paging import DEFAULT_LIMIT, Window
from inventory.stock.api.shared import Limit, Offset, next_link


def _read(event: AuditEvent) -> AuditEventRead:
    return AuditEventRead(
        event.id,
        event.at,
        event.username,
        event.address,
        event.action,
        event.facility_code,
        event.entity,
        msgspec.json.decode(event.changes) if event.changes else None,
    )


class AuditController(Controller):
    path = "/api/v1"
    tags = ["audit"]

    @get(
        "/audit-events",
        operation_id="ListAuditEvents",
        summary="Audit events, newest first, filtered, one page at a time (administrators)",
    )
    async def events(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        username: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        facility: FromQuery[str | None] = None,
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> AuditEventPage:
        window = Window(limit, offset)
        flt = audit.AuditFilter(username or None, action or None, facility or None, date_from, date_to)
        rows, total = await audit.events_page(db_session, principal, flt, window)
        return AuditEventPage(
            [_read(e) for e in rows], total, limit, offset, next_link(request, window, total)
        )
