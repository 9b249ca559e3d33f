"""API schemas of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class AuditEventRead(msgspec.Struct):
    id: int
    at: datetime
    username: str
    address: str | None
    action: str
    facility: str | None
    entity: str | None
    changes: Any
    """What the event recorded (the request and result of a posting, a setting's from and to...)."""


class AuditEventPage(msgspec.Struct):
    """One page of audit events, newest first."""

    items: list[AuditEventRead]
    total: int
    limit: int
    offset: int
    next: str | None
