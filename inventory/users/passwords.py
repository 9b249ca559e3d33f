"""Passwords: an administrator (or the command line) sets anyone's, a user changes their own; either way
the user's sessions and API tokens end."""

from __future__ import annotations

import anyio

from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.errors import ValidationFailed
from inventory.users.base import UserBase
from inventory.users.hashing import HASHER, MIN_PASSWORD_LENGTH, password_matches


class PasswordUseCases(UserBase):
    async def set_password(
        self, username: str, password: str, *, by: Principal, old_password: str | None = None
    ) -> None:
        """Change a password: an administrator (or the command line) for anyone, a user for themself giving
        the old one. The user's sessions and API tokens end (a server process that read a token a moment ago
        stops accepting it within VAXSTOCK_AUTH_CACHE_SECONDS)."""
        own = by.username == username and not by.is_system
        if not by.is_admin and not own:
            raise Forbidden(message="error.credentials.others_password", field="username")
        user = await self._user(username, lock=True)
        if own and not await password_matches(user.password_hash, old_password or ""):
            raise ValidationFailed(message="error.credentials.old_password_wrong", field="old_password")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationFailed(
                message="error.credentials.password_short",
                params={"min": MIN_PASSWORD_LENGTH},
                field="new_password",
            )
        user.password_hash = await anyio.to_thread.run_sync(HASHER.hash, password)
        ended = await self._end_credentials(user, by)
        record(
            self.session,
            by,
            "user.passwd",
            changes={"username": username, **ended},
            entity=f"user {user.id}",
        )
