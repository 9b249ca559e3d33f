"""API tokens: issue one (shown once), list a user's or every working one, revoke, and the principal behind a
token."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.errors import Conflict, NotFound, ValidationFailed
from inventory.timeutil import utcnow
from inventory.users.base import UserBase
from inventory.users.hashing import token_digest
from inventory.users.models import ApiToken, User
from inventory.users.schemas import TokenRead

TOKEN_DAYS = 90
"""How long an API token lasts unless told otherwise."""
MAX_TOKEN_DAYS = 366


def _token_read(row: ApiToken, now: datetime) -> TokenRead:
    return TokenRead(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None and row.expires_at > now,
    )


class TokenUseCases(UserBase):
    async def from_token(self, token: str, address: str) -> Principal | None:
        """The principal behind an API token, or None when unknown, expired, revoked or its user inactive."""
        found = (
            await self.session.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == token_digest(token))
            )
        ).first()
        now = utcnow()
        if found is None:
            return None
        row, user = found
        if row.revoked_at is not None or row.expires_at <= now or not user.active:
            return None
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = now
        return await self.principal(user, address)

    async def issue_token(self, username: str, name: str, *, by: Principal, days: int = TOKEN_DAYS) -> str:
        """A new API token for a user, valid for `days`; shown once."""
        if not by.is_admin and by.username != username:
            raise Forbidden(message="error.credentials.others_tokens", field="username")
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise ValidationFailed(
                message="error.credentials.token_days", params={"max": MAX_TOKEN_DAYS}, field="days"
            )
        name = name.strip()
        if not 1 <= len(name) <= 100 or "\x00" in name:
            raise ValidationFailed(message="error.credentials.token_name", field="name")
        user = await self._user(username)
        token = "vxs_" + secrets.token_urlsafe(32)
        now = utcnow()
        self.session.add(
            ApiToken(
                token_hash=token_digest(token),
                user_id=user.id,
                name=name,
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
        record(
            self.session,
            by,
            "user.token",
            changes={"username": username, "name": name, "days": days},
            entity=f"user {user.id}",
        )
        return token

    async def tokens(self, username: str, *, by: Principal) -> list[TokenRead]:
        """A user's API tokens, newest first (never the tokens themselves): for the user or an administrator."""
        if not by.is_admin and by.username != username:
            raise Forbidden(message="error.credentials.others_tokens", field="username")
        user = await self._user(username)
        rows = await self.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
        now = utcnow()
        return [_token_read(row, now) for row in rows]

    async def active_tokens(self, *, by: Principal) -> list[tuple[str, TokenRead]]:
        """Every user's tokens that still work (neither revoked nor expired), by user: administrators only."""
        if not by.is_admin:
            raise Forbidden(message="error.credentials.admin_only")
        now = utcnow()
        rows = await self.session.execute(
            select(User.username, ApiToken)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
            .order_by(User.username, ApiToken.id.desc())
        )
        return [(username, _token_read(row, now)) for username, row in rows.all()]

    async def revoke_token(self, token_id: int, *, by: Principal) -> TokenRead:
        """End an API token now (its owner or an administrator); a server process that read it a moment ago
        stops accepting it within VAXSTOCK_AUTH_CACHE_SECONDS."""
        row = await self.session.get(ApiToken, token_id, with_for_update=True)
        owner = await self.session.get(User, row.user_id) if row is not None else None
        if row is None or owner is None or (not by.is_admin and by.username != owner.username):
            raise NotFound(
                message="error.credentials.no_token", params={"id": str(token_id)}, field="token_id"
            )  # another user's token is not confirmed
        if row.revoked_at is not None:
            raise Conflict(
                message="error.credentials.token_revoked", params={"id": str(token_id)}, field="token_id"
            )
        row.revoked_at = utcnow()
        row.revoked_by = by.username
        record(self.session, by, "user.token.revoke", changes={"token": token_id}, entity=f"user {owner.id}")
        return next(t for t in await self.tokens(owner.username, by=by) if t.id == token_id)
