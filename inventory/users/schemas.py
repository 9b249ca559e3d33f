"""What the API shows of users' API tokens (never the token itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

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


class UserRead(msgspec.Struct):
    username: str
    full_name: str
    role: str
    facility: str | None
    active: bool
    created_at: datetime
    title: str | None = None
    """Their position (chức vụ), printed above their name on a letter they sign."""


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """A user's name and title; a field left out is kept, an empty title clears it."""

    full_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    title: Annotated[str, msgspec.Meta(max_length=100)] | None = None


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    new_password: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    old_password: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    """Needed when users change their own password."""
