"""What the API shows of users' API tokens (never the token itself)."""

from __future__ import annotations

from datetime import datetime

import msgspec


class TokenRead(msgspec.Struct):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool
    """Neither revoked nor expired."""
