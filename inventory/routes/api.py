"""JSON API for supply routes: the extra routes administrators allow, and what a user may post with whom."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, HeaderParameter, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.routes.schemas import CounterpartyRead, RouteCreate, RouteRead, RouteRevoke
from inventory.routes.service import RouteService
from inventory.types import RowIdPath

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", description="client-chosen key; a retry with it writes nothing new"
    ),
]


async def provide_route_service(
    request: Request[Principal, Any, Any], db_session: NamedDependency[AsyncSession]
) -> RouteService:
    return RouteService(db_session, request.user)


class RoutesController(Controller):
    path = "/api/v1"
    tags = ["routes"]
    dependencies = {"routes": Provide(provide_route_service)}

    @get("/routes", operation_id="ListRoutes", summary="Extra supply routes allowed beyond the facility tree")
    async def list_routes(
        self, routes: NamedDependency[RouteService], include_revoked: FromQuery[bool] = False
    ) -> list[RouteRead]:
        return await routes.routes(include_revoked=include_revoked)

    @post("/routes", operation_id="AllowRoute", summary="Allow an extra supply route (administrators)")
    async def allow(
        self,
        routes: NamedDependency[RouteService],
        data: JSONBody[RouteCreate],
        idempotency_key: IdempotencyKey,
    ) -> RouteRead:
        return await routes.allow(data, key=idempotency_key)

    @post(
        "/routes/{route_id:int}/revoke",
        operation_id="RevokeRoute",
        summary="Revoke an extra supply route (administrators)",
        status_code=200,
    )
    async def revoke(
        self,
        routes: NamedDependency[RouteService],
        route_id: RowIdPath,
        data: JSONBody[RouteRevoke],
        idempotency_key: IdempotencyKey,
    ) -> RouteRead:
        return await routes.revoke(route_id, data, key=idempotency_key)

    @get(
        "/counterparties",
        operation_id="ListCounterparties",
        summary="The facilities you may post a document kind with (receipt, issue, return, peer_transfer)",
    )
    async def counterparties(
        self, routes: NamedDependency[RouteService], facility: FromQuery[str], kind: FromQuery[str]
    ) -> list[CounterpartyRead]:
        return await routes.counterparties(facility, kind)
