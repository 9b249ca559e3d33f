"""The users services' base: finding a user, what a user may read (their principal), and ending a user's
sessions and API tokens, shared by the account, password, session and token use cases."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.catalog.models import Facility
from inventory.errors import UnknownReference
from inventory.timeutil import utcnow
from inventory.users.models import ApiToken, User, UserSession
from inventory.users.schemas import UserRead


class UserBase:
    """A session, and the steps every users use case shares."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
