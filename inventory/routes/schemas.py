"""API schemas for extra supply routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from inventory.stock.schemas.base import Code, Command, Reason


class RouteCreate(Command):
    """Allow FROM to supply TO beyond the facility tree."""

    from_facility: Code
    to_facility: Code
    reason: Reason


class RouteRevoke(Command):
    reason: Reason


class RouteRead(msgspec.Struct):
    id: int
    from_facility: str
    to_facility: str
    reason: str
    allowed_by: str
    allowed_at: datetime
    revoked_by: str | None = None
    revoked_at: datetime | None = None
    revoke_reason: str | None = None
    active: Annotated[bool, msgspec.Meta(description="not revoked")] = True


class CounterpartyRead(msgspec.Struct):
    """A facility a user may post a document kind with."""

    code: str
    name: str
    level: str
