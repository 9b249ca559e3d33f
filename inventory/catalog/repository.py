"""Catalogue queries, as named methods."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.catalog.models import AdminUnit, AdminUnitSuccession, Facility, Location, Product

# the lookups every posting makes, built once
_PRODUCT_BY_CODE = select(Product).where(Product.code == bindparam("code"))
_FACILITY_BY_CODE = select(Facility).where(Facility.code == bindparam("code"))
_LOCATION_BY_CODE = select(Location).where(
    Location.facility_id == bindparam("facility_id"), Location.code == bindparam("code")
)
_FACILITIES_WITH_LOCATION = (
    select(Facility, Location)
    .outerjoin(
        Location, and_(Location.facility_id == Facility.id, Location.code == bindparam("location_code"))
    )
    .where(Facility.code.in_(bindparam("codes", expanding=True)))
)


class CatalogRepository:
    """Reads of products, facilities, locations and administrative units."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def product_by_code(self, code: str) -> Product | None:
        return await self.session.scalar(_PRODUCT_BY_CODE, {"code": code})

    async def products(self) -> list[Product]:
        return list((await self.session.scalars(select(Product).order_by(Product.code))).all())

    async def facility_by_code(self, code: str) -> Facility | None:
        return await self.session.scalar(_FACILITY_BY_CODE, {"code": code})

    async def facilities_with_location(
        self, codes: list[str], location_code: str
    ) -> list[tuple[Facility, Location | None]]:
        """Facilities by code, each with its location of that code if it has one."""
        rows = await self.session.execute(
            _FACILITIES_WITH_LOCATION, {"codes": codes, "location_code": location_code}
        )
        return [(f, t) for f, t in rows.all()]

    async def facilities(self, only: frozenset[int] | None = None) -> list[Facility]:
        """Every facility, or only those of these ids (a user's own part of the tree)."""
        stmt = select(Facility).order_by(Facility.level, Facility.code)
        if only is not None:
            stmt = stmt.where(Facility.id.in_(sorted(only)))
        return list((await self.session.scalars(stmt)).all())

    async def location_by_code(self, facility_id: int, code: str) -> Location | None:
        return await self.session.scalar(_LOCATION_BY_CODE, {"facility_id": facility_id, "code": code})

    async def locations(self, facility_id: int) -> list[Location]:
        return list(
            (
                await self.session.scalars(
                    select(Location).where(Location.facility_id == facility_id).order_by(Location.code)
                )
            ).all()
        )

    async def admin_units(self) -> list[AdminUnit]:
        return list(
            (
                await self.session.scalars(select(AdminUnit).order_by(AdminUnit.valid_from, AdminUnit.code))
            ).all()
        )

    async def successions(self) -> list[AdminUnitSuccession]:
        return list((await self.session.scalars(select(AdminUnitSuccession))).all())
