"""JSON API for the catalogue (reads)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.catalog.schemas import AdminUnitRead, FacilityRead, LocationRead, ProductRead, SuccessionRead
from inventory.catalog.service import CatalogService


async def provide_catalog_service(db_session: NamedDependency[AsyncSession]) -> CatalogService:
    return CatalogService(db_session)


class CatalogController(Controller):
    path = "/api/v1"
    tags = ["catalogue"]
    dependencies = {"catalog_service": Provide(provide_catalog_service)}

    @get("/products", operation_id="ListProducts")
    async def products(self, catalog_service: NamedDependency[CatalogService]) -> list[ProductRead]:
        return await catalog_service.list_products()

    @get("/facilities", operation_id="ListFacilities")
    async def facilities(self, catalog_service: NamedDependency[CatalogService]) -> list[FacilityRead]:
        return await catalog_service.list_facilities()

    @get("/facilities/{facility:str}/locations", operation_id="ListLocations")
    async def locations(
        self, catalog_service: NamedDependency[CatalogService], facility: FromPath[str]
    ) -> list[LocationRead]:
        return await catalog_service.list_locations(facility)

    @get("/admin-units", operation_id="ListAdminUnits")
    async def admin_units(self, catalog_service: NamedDependency[CatalogService]) -> list[AdminUnitRead]:
        return await catalog_service.list_admin_units()

    @get(
        "/admin-units/successions",
        operation_id="ListAdminUnitSuccessions",
        summary="Old → new administrative units (the July 2025 merger)",
    )
    async def successions(self, catalog_service: NamedDependency[CatalogService]) -> list[SuccessionRead]:
        return await catalog_service.list_successions()
