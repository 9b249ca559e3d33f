"""Users: argon2 passwords, sign-in with throttling, browser sessions, API tokens, principals."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Facility
from inventory.db import unit_of_work
from inventory.errors import Conflict, InventoryError, NotFound, UnknownReference, ValidationFailed
from inventory.settings import Settings
from inventory.timeutil import utcnow
from inventory.users import repository
from inventory.users.models import ROLES, ApiToken, User, UserSession
from inventory.users.schemas import TokenRead, UserRead

HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(days=7)
TOKEN_DAYS = 90
"""How long an API token lasts unless told otherwise."""
MAX_TOKEN_DAYS = 366


class TooManyAttempts(InventoryError):
    status_code = 429
    title = "Too many failed sign-ins"
    code = "too_many_attempts"


@dataclass(frozen=True)
class SignInLimits:
    """How many failed sign-ins are allowed in a window, per thing counted (docs/credentials.md)."""

    window: timedelta = timedelta(minutes=15)
    user_address: int = 5
    address: int = 100
    user: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        return cls(
            window=timedelta(minutes=settings.sign_in_window_minutes),
            user_address=settings.sign_in_user_address_limit,
            address=settings.sign_in_address_limit,
            user=settings.sign_in_user_limit,
        )


def _pair(username: str, address: str) -> str:
    return f"{address} {username}"  # an address holds no space


async def _count_attempt(
    session: AsyncSession, username: str, address: str, limits: SignInLimits
) -> tuple[str, int] | None:
    """Count an attempt and say whether a rule refuses it: (the rule, minutes until its window ends), or
    None to check the password. The rules, in order:

    - 5 (sign_in_user_address_limit) for a username from one address: that username from that address;
    - 100 (sign_in_address_limit) from one address for any usernames: that address, for everyone;
    - 30 (sign_in_user_limit) for a username from every address: the addresses that have themselves failed
      for it in the window. The user at an address of their own, without failures, still signs in: nobody
      can lock the administrator out from elsewhere.
    """
    now = utcnow()
    opened_after = now - limits.window
    pair, pair_start = await repository.add_failure(
        session, "user_address", _pair(username, address), now=now, window_opened_after=opened_after
    )
    if pair > limits.user_address:
        return "user_address", _minutes_left(pair_start + limits.window, now)
    from_address, address_start = await repository.add_failure(
        session, "address", address, now=now, window_opened_after=opened_after
    )
    if from_address > limits.address:
        return "address", _minutes_left(address_start + limits.window, now)
    everywhere, user_start = await repository.add_failure(
        session, "user", username, now=now, window_opened_after=opened_after
    )
    if everywhere > limits.user and pair > 1:
        return "user", _minutes_left(min(user_start, pair_start) + limits.window, now)
    return None


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


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


async def _password_matches(password_hash: str, password: str) -> bool:
    """argon2 verification, off the event loop (it takes tens of milliseconds of CPU by design)."""

    def verify() -> bool:
        try:
            return HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify)


def token_digest(token: str) -> str:
    """Only digests of session and API tokens are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            message="error.credentials.password_short", params={"min": MIN_PASSWORD_LENGTH}, field="password"
        )
    return HASHER.hash(password)


@dataclass(frozen=True)
class SignedIn:
    token: str
    principal: Principal


class UserService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        username: str,
        full_name: str,
        role: str,
        facility_code: str | None,
        password: str,
        by: Principal,
        title: str | None = None,
    ) -> User:
        """Create a user; store keepers and commune workers must name their facility."""
        by.require_role("admin", action="add_users")
        if role not in ROLES:
            raise ValidationFailed(
                message="error.user.role", params={"roles": ", ".join(ROLES)}, field="role"
            )
        if not username.strip() or len(username) > 60:
            raise ValidationFailed(message="error.user.username", field="username")
        if await self.session.scalar(select(User).where(User.username == username)):
            raise Conflict(message="error.user.exists", params={"username": username}, field="username")
        facility = None
        if role in {"store_keeper", "commune_worker"}:
            if not facility_code:
                raise ValidationFailed(message=f"error.user.facility_needed.{role}", field="facility")
            facility = await self.session.scalar(select(Facility).where(Facility.code == facility_code))
            if facility is None:
                raise UnknownReference(
                    message="error.facility.unknown", params={"code": facility_code}, field="facility"
                )
            if role == "commune_worker" and facility.level != "commune":
                raise ValidationFailed(message="error.user.commune_worker_level", field="facility")
            if role == "store_keeper" and facility.level == "commune":
                raise ValidationFailed(message="error.user.store_keeper_level", field="facility")

        user = User(
            username=username,
            full_name=full_name,
            title=_title(title),
            role=role,
            facility_id=facility.id if facility else None,
            password_hash=hash_password(password),
            active=True,
            created_at=utcnow(),
        )
        self.session.add(user)
        await self.session.flush()
        record(
            self.session,
            by,
            "user.add",
            changes={"username": username, "role": role, "facility": facility_code},
            entity=f"user {user.id}",
        )
        return user

    async def set_password(
        self, username: str, password: str, *, by: Principal, old_password: str | None = None
    ) -> None:
        """Change a password: an administrator (or the command line) for anyone, a user for themself giving
        the old one. The user's sessions and API tokens end (a server process that read a token a moment ago
        stops accepting it within VAXSTOCK_TOKEN_CACHE_SECONDS)."""
        own = by.username == username and not by.is_system
        if not by.is_admin and not own:
            raise Forbidden(message="error.credentials.others_password", field="username")
        user = await self._user(username, lock=True)
        if own and not await _password_matches(user.password_hash, old_password or ""):
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

    async def set_profile(
        self, username: str, *, by: Principal, full_name: str | None = None, title: str | None = None
    ) -> UserRead:
        """Change a user's full name and title (None keeps one, an empty title clears it): users their own,
        an administrator anyone's. The row is locked, so two changes at once apply one after the other;
        sending the same change again changes and records nothing."""
        if not by.is_admin and by.username != username:
            raise Forbidden(message="error.user.others_profile", field="username")
        user = await self._user(username, lock=True)
        changes: dict[str, object] = {}
        if full_name is not None and full_name.strip() and full_name.strip() != user.full_name:
            changes["full_name"] = (user.full_name, full_name.strip())
            user.full_name = full_name.strip()
        if title is not None and _title(title) != user.title:
            changes["title"] = (user.title, _title(title))
            user.title = _title(title)
        if changes:
            record(
                self.session,
                by,
                "user.profile",
                changes={"username": username, **changes},
                entity=f"user {user.id}",
            )
        return await self._user_read(user)

    async def set_active(self, username: str, active: bool, *, by: Principal) -> UserRead:
        """Deactivate a user (their sessions and API tokens end; they cannot sign in) or reactivate them
        (they sign in again with their password; ended tokens stay ended). Administrators only; nobody
        deactivates themself. Asking twice is harmless: the second time changes and records nothing."""
        if not by.is_admin:
            raise Forbidden(message="error.credentials.admin_only", field="username")
        if not active and by.username == username and not by.is_system:
            raise Conflict(message="error.credentials.not_yourself", field="username")
        user = await self._user(username, lock=True)
        if user.active == active:
            return await self._user_read(user)
        user.active = active
        ended = await self._end_credentials(user, by) if not active else {}
        record(
            self.session,
            by,
            "user.deactivate" if not active else "user.reactivate",
            changes={"username": username, **ended},
            entity=f"user {user.id}",
        )
        return await self._user_read(user)

    async def _user_read(self, user: User) -> UserRead:
        facility = await self.session.get(Facility, user.facility_id) if user.facility_id else None
        return UserRead(
            username=user.username,
            full_name=user.full_name,
            title=user.title,
            role=user.role,
            facility=facility.code if facility else None,
            active=user.active,
            created_at=user.created_at,
        )

    async def _end_credentials(self, user: User, by: Principal) -> dict[str, int]:
        """End every session and API token of a user now; how many of each ended."""
        sessions = await self.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        tokens = await self.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_by=by.username)
        )
        return {"sessions_ended": sessions.rowcount or 0, "tokens_revoked": tokens.rowcount or 0}

    async def users(self, *, by: Principal) -> list[UserRead]:
        """Every user with their facility and state, by username: administrators only."""
        if not by.is_admin:
            raise Forbidden(message="error.credentials.admin_only")
        rows = await self.session.execute(
            select(User, Facility.code)
            .outerjoin(Facility, Facility.id == User.facility_id)
            .order_by(User.username)
        )
        return [
            UserRead(
                username=user.username,
                full_name=user.full_name,
                title=user.title,
                role=user.role,
                facility=code,
                active=user.active,
                created_at=user.created_at,
            )
            for user, code in rows.all()
        ]

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
            refusal = await _count_attempt(session, username, address, limits)
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
            ok = await _password_matches(user.password_hash, password)
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
        await repository.forget(self.session, "user_address", _pair(username, address))
        await repository.take_back(self.session, "address", address)
        await repository.take_back(self.session, "user", username)
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
        stops accepting it within VAXSTOCK_TOKEN_CACHE_SECONDS."""
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

    async def _user(self, username: str, *, lock: bool = False) -> User:
        statement = select(User).where(User.username == username)
        user = await self.session.scalar(statement.with_for_update() if lock else statement)
        if user is None:
            raise UnknownReference(
                message="error.credentials.unknown_user", params={"username": username}, field="username"
            )
        return user

    async def principal(self, user: User, address: str | None) -> Principal:
        """What the user may read: everything (admin, viewer), their facility and those it supplies (store
        keeper), or their own facility (commune worker). One query of the user's own part of the facility
        tree (never every facility row)."""
        facility_code = None
        readable: frozenset[int] | None = None
        if user.facility_id is not None:
            if user.role == "store_keeper":
                tree = (
                    select(Facility.id, Facility.code)
                    .where(Facility.id == user.facility_id)
                    .cte("supplied", recursive=True)
                )
                tree = tree.union(
                    select(Facility.id, Facility.code).join(tree, Facility.supplier_id == tree.c.id)
                )
                rows = (await self.session.execute(select(tree.c.id, tree.c.code))).tuples().all()
            else:
                rows = (
                    (
                        await self.session.execute(
                            select(Facility.id, Facility.code).where(Facility.id == user.facility_id)
                        )
                    )
                    .tuples()
                    .all()
                )
            facility_code = next(code for fid, code in rows if fid == user.facility_id)
            if user.role == "store_keeper":
                readable = frozenset(fid for fid, _ in rows)
            elif user.role == "commune_worker":
                readable = frozenset({user.facility_id})
        return Principal(
            username=user.username,
            role=user.role,
            facility_id=user.facility_id,
            facility_code=facility_code,
            readable=readable,
            address=address,
            full_name=user.full_name,
            title=user.title,
        )


TITLE_LENGTH = 100


def _title(value: str | None) -> str | None:
    """A title as stored: trimmed, None when blank; refused over TITLE_LENGTH characters."""
    text = (value or "").strip()
    if len(text) > TITLE_LENGTH:
        raise ValidationFailed(message="error.user.title", params={"limit": TITLE_LENGTH}, field="title")
    return text or None
