"""Accounts: add a user with a role (and the facility it needs), change a profile, deactivate and
reactivate, list every user."""

from __future__ import annotations

from sqlalchemy import select

from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Facility
from inventory.errors import Conflict, UnknownReference, ValidationFailed
from inventory.timeutil import utcnow
from inventory.users.base import UserBase
from inventory.users.hashing import hash_password
from inventory.users.models import ROLES, User
from inventory.users.schemas import UserRead

TITLE_LENGTH = 100
FULL_NAME_LENGTH = 200


class AccountUseCases(UserBase):
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
            full_name=_full_name(full_name),
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
        name = _full_name(full_name) if full_name is not None else ""
        if name and name != user.full_name:
            changes["full_name"] = (user.full_name, name)
            user.full_name = name
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


def _full_name(value: str) -> str:
    """A full name as stored: trimmed; refused over FULL_NAME_LENGTH characters (what its column holds)."""
    text = value.strip()
    if len(text) > FULL_NAME_LENGTH:
        raise ValidationFailed(
            message="error.user.full_name", params={"limit": FULL_NAME_LENGTH}, field="full_name"
        )
    return text


def _title(value: str | None) -> str | None:
    """A title as stored: trimmed, None when blank; refused over TITLE_LENGTH characters."""
    text = (value or "").strip()
    if len(text) > TITLE_LENGTH:
        raise ValidationFailed(message="error.user.title", params={"limit": TITLE_LENGTH}, field="title")
    return text or None
