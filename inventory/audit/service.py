"""Recording and reading the audit trail."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.models import AuditEvent
from inventory.auth import Principal
from inventory.paging import Window, count_of, windowed
from inventory.timeutil import VIETNAM, to_vietnam, utcnow


def event_values(
    principal: Principal,
    action: str,
    *,
    changes: Any,
    facility_code: str | None = None,
    entity: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The columns of one audit event: who, when (`at`, default now), from where, what, and the changes as
    JSON."""
    return {
        "at": at or utcnow(),
        "username": principal.username,
        "address": principal.address,
        "action": action,
        "facility_code": facility_code,
        "entity": entity,
        "changes": msgspec.json.encode(changes).decode(),
    }


def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    *,
    changes: Any,
    facility_code: str | None = None,
    entity: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append an audit event to the caller's transaction (`at`, default now)."""
    session.add(
        AuditEvent(
            **event_values(
                principal, action, changes=changes, facility_code=facility_code, entity=entity, at=at
            )
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None
    facility_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 500


async def events(session: AsyncSession, principal: Principal, flt: AuditFilter) -> list[AuditEvent]:
    """Audit events, newest first, for administrators only."""
    stmt = _filtered(principal, flt).order_by(AuditEvent.id.desc()).limit(min(max(flt.limit, 1), 10_000))
    return list((await session.scalars(stmt)).all())


async def events_page(
    session: AsyncSession, principal: Principal, flt: AuditFilter, window: Window
) -> tuple[list[AuditEvent], int]:
    """One window of the audit events that pass the filter, newest first (by id: the order they were
    written), and how many pass it; for administrators only."""
    stmt = _filtered(principal, flt)
    rows = await session.scalars(windowed(stmt.order_by(AuditEvent.id.desc()), window))
    return list(rows.all()), await count_of(session, stmt)


def _filtered(principal: Principal, flt: AuditFilter) -> Select[tuple[AuditEvent]]:
    principal.require_role("admin", action="read_audit")
    stmt = select(AuditEvent)
    if flt.username:
        stmt = stmt.where(AuditEvent.username == flt.username)
    if flt.action:
        stmt = stmt.where(AuditEvent.action.startswith(flt.action))
    if flt.facility_code:
        stmt = stmt.where(AuditEvent.facility_code == flt.facility_code)
    if flt.date_from:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(flt.date_from, time(), VIETNAM))
    if flt.date_to and flt.date_to < date.max:
        stmt = stmt.where(AuditEvent.at < datetime.combine(flt.date_to + timedelta(days=1), time(), VIETNAM))
    return stmt


def to_csv(rows: list[AuditEvent]) -> str:
    """The events as CSV, times in Vietnam's time zone."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["at (Asia/Ho_Chi_Minh)", "username", "address", "action", "facility", "entity", "changes"]
    )
    for e in rows:
        writer.writerow(
            [
                to_vietnam(e.at).strftime("%d/%m/%Y %H:%M:%S"),
                e.username,
                e.address or "",
                e.action,
                e.facility_code or "",
                e.entity or "",
                e.changes,
            ]
        )
    return out.getvalue()
