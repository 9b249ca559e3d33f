"""Users: argon2 passwords, sign-in with throttling, browser sessions, API tokens, principals."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Facility
from inventory.errors import Conflict, InventoryError, NotFound, UnknownReference, ValidationFailed
from inventory.timeutil import utcnow
from inventory.users.models import ROLES, ApiToken, LoginAttempt, User, UserSession
from inventory.users.schemas import TokenRead

HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
FAILED_LOGINS_ALLOWED = 5
"""Failed sign-ins per username (or per address) within THROTTLE_WINDOW before sign-in is refused."""
THROTTLE_WINDOW = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(days=7)
TOKEN_DAYS = 90
"""How long an API token lasts unless told otherwise."""
MAX_TOKEN_DAYS = 366


class TooManyAttempts(InventoryError):
    status_code = 429
    title = "Too many failed sign-ins"


def token_digest(token: str) -> str:
    """Only digests of session and API tokens are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
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
    ) -> User:
        """Create a user; store keepers and commune workers must name their facility."""
        by.require_role("admin", action="add users")
        if role not in ROLES:
            raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
        if not username.strip() or len(username) > 60:
            raise ValidationFailed("a username of 1 to 60 characters is needed", field="username")
        if await self.session.scalar(select(User).where(User.username == username)):
            raise Conflict(f"user {username!r} exists", field="username")
        facility = None
        if role in {"store_keeper", "commune_worker"}:
            if not facility_code:
                raise ValidationFailed(f"a {role} is bound to one facility", field="facility")
            facility = await self.session.scalar(select(Facility).where(Facility.code == facility_code))
            if facility is None:
                raise UnknownReference(f"unknown facility {facility_code!r}", field="facility")
            if role == "commune_worker" and facility.level != "commune":
                raise ValidationFailed(
                    "a commune worker belongs to a commune health station", field="facility"
                )
            if role == "store_keeper" and facility.level == "commune":
                raise ValidationFailed(
                    "a store keeper belongs to a provincial or district store", field="facility"
                )
        user = User(
            username=username,
            full_name=full_name,
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

    async def set_password(self, username: str, password: str, *, by: Principal) -> None:
        """Change a password (an admin for anyone, a user for themself); their sessions end."""
        if not by.is_admin and by.username != username:
            raise Forbidden("only an administrator changes another user's password")
        user = await self.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UnknownReference(f"unknown user {username!r}", field="username")
        user.password_hash = hash_password(password)
        await self.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        record(self.session, by, "user.passwd", changes={"username": username}, entity=f"user {user.id}")

    async def sign_in(self, username: str, password: str, address: str) -> SignedIn | None:
        """Check the password (throttled per username and per address) and open a session.

        A wrong password returns None and records the attempt (the caller commits it); too many recent
        failures raise TooManyAttempts without checking the password at all.
        """
        since = utcnow() - THROTTLE_WINDOW
        failures = await self.session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                (LoginAttempt.username == username) | (LoginAttempt.address == address),
                LoginAttempt.attempted_at >= since,
            )
        )
        if (failures or 0) >= FAILED_LOGINS_ALLOWED:
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {int(THROTTLE_WINDOW.total_seconds() // 60)} minutes",
                field="username",
            )
        user = await self.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        ok = False
        if user is not None:
            try:
                ok = HASHER.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            HASHER.hash(password)  # spend the same time whether or not the user exists
        if not ok or user is None:
            self.session.add(LoginAttempt(username=username, address=address, attempted_at=utcnow()))
            return None
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
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
        principal = await self.principal(user, address)
        record(
            self.session, principal, "user.sign_in", changes={"username": username}, entity=f"user {user.id}"
        )
        return SignedIn(token, principal)

    async def sign_out(self, token: str) -> None:
        await self.session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))

    async def from_session(self, token: str, address: str) -> Principal | None:
        """The principal behind a session cookie, or None when unknown, idle too long or expired."""
        row = await self.session.scalar(
            select(UserSession).where(UserSession.token_hash == token_digest(token))
        )
        now = utcnow()
        if row is None or row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now:
            return None
        user = await self.session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        if now - row.last_seen_at > timedelta(minutes=1):
            row.last_seen_at = now
        return await self.principal(user, address)

    async def from_token(self, token: str, address: str) -> Principal | None:
        """The principal behind an API token, or None when unknown, expired, revoked or its user inactive."""
        row = await self.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
        now = utcnow()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        user = await self.session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = now
        return await self.principal(user, address)

    async def issue_token(self, username: str, name: str, *, by: Principal, days: int = TOKEN_DAYS) -> str:
        """A new API token for a user, valid for `days`; shown once."""
        if not by.is_admin and by.username != username:
            raise Forbidden("only an administrator makes tokens for another user")
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise ValidationFailed(f"a token lasts 1 to {MAX_TOKEN_DAYS} days", field="days")
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
            raise Forbidden("only an administrator sees another user's tokens")
        user = await self._user(username)
        rows = await self.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
        now = utcnow()
        return [
            TokenRead(
                id=row.id,
                name=row.name,
                created_at=row.created_at,
                expires_at=row.expires_at,
                last_used_at=row.last_used_at,
                revoked_at=row.revoked_at,
                active=row.revoked_at is None and row.expires_at > now,
            )
            for row in rows
        ]

    async def revoke_token(self, token_id: int, *, by: Principal) -> TokenRead:
        """End an API token now (its owner or an administrator); a server process that read it a moment ago
        stops accepting it within VAXSTOCK_TOKEN_CACHE_SECONDS."""
        row = await self.session.get(ApiToken, token_id, with_for_update=True)
        owner = await self.session.get(User, row.user_id) if row is not None else None
        if row is None or owner is None or (not by.is_admin and by.username != owner.username):
            raise NotFound(f"no token {token_id}", field="token_id")  # another user's token is not confirmed
        if row.revoked_at is not None:
            raise Conflict(f"token {token_id} is already revoked", field="token_id")
        row.revoked_at = utcnow()
        row.revoked_by = by.username
        record(self.session, by, "user.token.revoke", changes={"token": token_id}, entity=f"user {owner.id}")
        return next(t for t in await self.tokens(owner.username, by=by) if t.id == token_id)

    async def _user(self, username: str) -> User:
        user = await self.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UnknownReference(f"unknown user {username!r}", field="username")
        return user

    async def principal(self, user: User, address: str | None) -> Principal:
        """What the user may read: everything (admin, viewer), their facility and those it supplies (store
        keeper), or their own facility (commune worker)."""
        facility_code = None
        readable: frozenset[int] | None = None
        if user.facility_id is not None:
            rows = (
                await self.session.execute(select(Facility.id, Facility.code, Facility.supplier_id))
            ).all()
            facility_code = next(code for fid, code, _ in rows if fid == user.facility_id)
            if user.role == "store_keeper":
                children: dict[int | None, list[int]] = {}
                for fid, _code, supplier in rows:
                    children.setdefault(supplier, []).append(fid)
                seen, todo = {user.facility_id}, [user.facility_id]
                while todo:
                    for child in children.get(todo.pop(), []):
                        if child not in seen:
                            seen.add(child)
                            todo.append(child)
                readable = frozenset(seen)
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
        )
