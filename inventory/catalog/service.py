"""Catalogue use cases: resolve codes to rows (naming the field when unknown), list reference data."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from inventory.catalog.models import Facility, Location, Product
from inventory.catalog.repository import CatalogRepository
from inventory.catalog.schemas import (
    AdminUnitRead,
    FacilityRead,
    LocationRead,
    ProductRead,
    SuccessionRead,
)
from inventory.errors import RuleViolation, UnknownReference

TRANSIT = "TRANSIT"
"""The code of every facility's transit location."""


def unknown_product(code: str, *, field: str) -> UnknownReference:
    return UnknownReference(message="error.product.unknown", params={"code": code}, field=field)


class CatalogService:
    """Looks up products, facilities and locations by their codes, with a per-request cache."""

    def __init__(self, session: AsyncSession) -> None:
        self.repo = CatalogRepository(session)
        self._products: dict[str, Product] = {}
        self._facilities: dict[str, Facility] = {}
        self._locations: dict[tuple[int, str], Location] = {}
        self._transit: dict[int, Location | None] = {}

    async def product(self, code: str, *, field: str) -> Product:
        if code not in self._products:
            product = await self.repo.product_by_code(code)
            if product is None:
                raise unknown_product(code, field=field)
            self._products[code] = product
        return self._products[code]

    async def load_facilities(self, *codes: str) -> None:
        """Look several facilities and their transit locations up in one query, ahead of `facility`."""
        wanted = [c for c in dict.fromkeys(codes) if c not in self._facilities]
        if wanted:
            self.remember(await self.repo.facilities_with_location(wanted, TRANSIT))

    def remember(self, facilities: list[tuple[Facility, Location | None]]) -> None:
        """Facilities with their transit locations, read by another query, for `facility` and `transit_location`."""
        for facility, transit in facilities:
            self._facilities[facility.code] = facility
            self._transit[facility.id] = transit

    async def facility(self, code: str, *, field: str, on: date | None = None) -> Facility:
        if code not in self._facilities:
            facility = await self.repo.facility_by_code(code)
            if facility is None:
                raise UnknownReference(message="error.facility.unknown", params={"code": code}, field=field)
            self._facilities[code] = facility
        facility = self._facilities[code]
        if on is not None and (facility.valid_from > on or (facility.valid_to and facility.valid_to < on)):
            raise RuleViolation(
                message="error.facility.closed" if facility.valid_to else "error.facility.not_yet_open",
                params={"code": code, "day": on, "since": facility.valid_from, "until": facility.valid_to},
                field=field,
            )
        return facility

    async def location(self, facility: Facility, code: str, *, field: str) -> Location:
        key = (facility.id, code)
        if key not in self._locations:
            location = await self.repo.location_by_code(facility.id, code)
            if location is None or location.is_transit:
                raise UnknownReference(
                    message="error.location.unknown",
                    params={"code": code, "facility": facility.code},
                    field=field,
                )
            self._locations[key] = location
        return self._locations[key]

    async def transit_location(self, facility: Facility) -> Location:
        if facility.id not in self._transit:
            self._transit[facility.id] = await self.repo.location_by_code(facility.id, TRANSIT)
        location = self._transit[facility.id]
        if location is None:
            raise UnknownReference(
                message="error.location.no_transit", params={"facility": facility.code}, field="facility"
            )
        return location

    async def sole_storage_location(self, facility: Facility, *, field: str) -> Location:
        storage = [loc for loc in await self.repo.locations(facility.id) if not loc.is_transit and loc.active]
        if len(storage) != 1:
            raise RuleViolation(
                message="error.location.which",
                params={"facility": facility.code, "count": len(storage)},
                field=field,
            )
        return storage[0]

    async def list_products(self) -> list[ProductRead]:
        return [ProductRead.from_model(p) for p in await self.repo.products()]

    async def list_facilities(self, only: frozenset[int] | None = None) -> list[FacilityRead]:
        """Every facility, or those of these ids (a supplier outside them is not named)."""
        facilities = await self.repo.facilities(only)
        by_id = {f.id: f for f in facilities}
        return [FacilityRead.from_model(f, by_id) for f in facilities]

    async def list_locations(self, facility_code: str) -> list[LocationRead]:
        facility = await self.facility(facility_code, field="facility")
        return [LocationRead.from_model(loc) for loc in await self.repo.locations(facility.id)]

    async def list_admin_units(self) -> list[AdminUnitRead]:
        return [AdminUnitRead.from_model(u) for u in await self.repo.admin_units()]

    async def list_successions(self) -> list[SuccessionRead]:
        units = {u.id: u for u in await self.repo.admin_units()}
        return [SuccessionRead.from_model(s, units) for s in await self.repo.successions()]
