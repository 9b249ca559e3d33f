"""Queries of the facility tree and of the extra supply routes, as named methods."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inventory.catalog.models import Facility
from inventory.routes.domain import Extra, Node
from inventory.routes.models import SupplyRoute


def node(facility: Facility) -> Node:
    return Node(facility.id, facility.code, facility.level, facility.supplier_id)


class RouteRepository:
    """Reads and writes of supply routes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def operating(self, on: date) -> list[Facility]:
        """Facilities operating on a day, by level then code."""
        stmt = (
            select(Facility)
            .where(Facility.valid_from <= on, or_(Facility.valid_to.is_(None), Facility.valid_to >= on))
            .order_by(Facility.level, Facility.code)
        )
        return list((await self.session.scalars(stmt)).all())

    async def extra_between(self, a: int, b: int) -> Extra:
        """The active extra routes between two facilities, either way."""
        rows = await self.session.execute(
            select(SupplyRoute.from_facility_id, SupplyRoute.to_facility_id).where(
                SupplyRoute.revoked_at.is_(None),
                or_(
                    (SupplyRoute.from_facility_id == a) & (SupplyRoute.to_facility_id == b),
                    (SupplyRoute.from_facility_id == b) & (SupplyRoute.to_facility_id == a),
                ),
            )
        )
        return frozenset((f, t) for f, t in rows.all())

    async def extra_of(self, facility_id: int) -> Extra:
        """The active extra routes from or to a facility."""
        rows = await self.session.execute(
            select(SupplyRoute.from_facility_id, SupplyRoute.to_facility_id).where(
                SupplyRoute.revoked_at.is_(None),
                or_(SupplyRoute.from_facility_id == facility_id, SupplyRoute.to_facility_id == facility_id),
            )
        )
        return frozenset((f, t) for f, t in rows.all())

    async def active(self, from_id: int, to_id: int) -> SupplyRoute | None:
        return await self.session.scalar(
            select(SupplyRoute).where(
                SupplyRoute.from_facility_id == from_id,
                SupplyRoute.to_facility_id == to_id,
                SupplyRoute.revoked_at.is_(None),
            )
        )

    async def route(self, route_id: int, *, for_update: bool = False) -> SupplyRoute | None:
        stmt = select(SupplyRoute).where(SupplyRoute.id == route_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def routes(self, *, include_revoked: bool) -> list[tuple[SupplyRoute, str, str]]:
        """Extra routes with the codes of both facilities, in the order they were allowed."""
        origin, target = aliased(Facility), aliased(Facility)
        stmt = (
            select(SupplyRoute, origin.code, target.code)
            .join(origin, origin.id == SupplyRoute.from_facility_id)
            .join(target, target.id == SupplyRoute.to_facility_id)
            .order_by(SupplyRoute.id)
        )
        if not include_revoked:
            stmt = stmt.where(SupplyRoute.revoked_at.is_(None))
        return [(r, f, t) for r, f, t in (await self.session.execute(stmt)).all()]

    async def codes(self, *ids: int) -> dict[int, str]:
        rows = await self.session.execute(select(Facility.id, Facility.code).where(Facility.id.in_(ids)))
        return {i: c for i, c in rows.all()}
