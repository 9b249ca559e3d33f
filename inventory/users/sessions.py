"""Browser sessions: sign in (throttled, inventory/users/throttle.py), sign out, and the principal behind a
session cookie."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import anyio
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inventory.audit.service import record
from inventory.auth import Principal
from inventory.db import unit_of_work
from inventory.timeutil import utcnow
from inventory.users.base import UserBase
from inventory.users.hashing import HASHER, password_matches, token_digest
from inventory.users.models import User, UserSession
from inventory.users.throttle import SignInLimits, TooManyAttempts, count_attempt, take_back_success

SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(days=7)


@dataclass(frozen=True)
class SignedIn:
    token: str
    principal: Principal


class SessionUseCases(UserBase):
    async def sign_in(
        self,
        username: str,
        password: str,
        address: str,
        *,
        counters: async_sessionmaker[AsyncSession],
        limits: SignInLimits,
    ) -> SignedIn | None:
        """Check the password, throttled, and open a session.

        The attempt is counted first, in a transaction of its own committed at once (`counters`), by one
        atomic statement per count (inventory/users/repository.py): a username from an address, the address,
        the username. Past a limit the password is not checked at all (TooManyAttempts); so however many
        attempts arrive together, exactly the limit are checked. A right password takes its counts back; a
        wrong one leaves them and is audited, in its own transaction too (the caller's may be rolled back).
        """
        username = username.replace("\x00", "")[:100]
        address = (address or "unknown")[:64]
        attempt = Principal(username=username, role="anonymous", address=address)
        async with unit_of_work(counters) as session:
            refusal = await count_attempt(session, username, address, limits)
            found = await session.execute(
                select(User.id, User.password_hash, User.active).where(User.username == username)
            )
            user = found.one_or_none()
            if refusal is not None:
                record(
                    session,
                    attempt,
                    "user.sign_in.refused",
                    changes={"username": username, "rule": refusal[0], "minutes": refusal[1]},
                )
        if refusal is not None:
            raise TooManyAttempts(
                message="error.credentials.throttled", params={"minutes": refusal[1]}, field="username"
            )
        ok = False
        if user is not None:  # checked outside any transaction: the database is not held meanwhile
            ok = await password_matches(user.password_hash, password)
        else:
            await anyio.to_thread.run_sync(HASHER.hash, password)  # the same time whether or not one exists
        if not ok or user is None or not user.active:
            async with unit_of_work(counters) as session:
                record(
                    session,
                    attempt,
                    "user.sign_in.failed",
                    changes={
                        "username": username,
                        "reason": "inactive" if ok and user is not None else "wrong_password",
                    },
                    entity=f"user {user.id}" if user is not None else None,
                )
            return None
        signed = await self.session.get_one(User, user.id, with_for_update=True)
        if not signed.active or signed.password_hash != user.password_hash:
            return None  # deactivated or given a new password while this attempt was being checked
        await take_back_success(self.session, username, address)
        if HASHER.check_needs_rehash(signed.password_hash):
            signed.password_hash = HASHER.hash(password)
        token = secrets.token_urlsafe(32)
        now = utcnow()
        self.session.add(
            UserSession(
                token_hash=token_digest(token),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_MAX,
            )
        )
        principal = await self.principal(signed, address)
        record(
            self.session, principal, "user.sign_in", changes={"username": username}, entity=f"user {user.id}"
        )
        return SignedIn(token, principal)

    async def sign_out(self, token: str) -> None:
        await self.session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))

    async def from_session(self, token: str, address: str) -> Principal | None:
        """The principal behind a session cookie, or None when unknown, idle too long or expired."""
        found = (
            await self.session.execute(
                select(UserSession, User)
                .join(User, User.id == UserSession.user_id)
                .where(UserSession.token_hash == token_digest(token))
            )
        ).first()
        now = utcnow()
        if found is None:
            return None
        row, user = found
        if row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now or not user.active:
            return None
        if now - row.last_seen_at > timedelta(minutes=1):
            row.last_seen_at = now
        return await self.principal(user, address)
