"""Extra supply routes: an administrator allows one (who, when, why), lists them, revokes one; and what a user
may post with whom (the lists pages and clients offer)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.catalog.service import CatalogService
from inventory.commands import validated
from inventory.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from inventory.idempotency import Request, run_once
from inventory.routes.checks import allowed_counterparties
from inventory.routes.domain import ROUTED_KINDS
from inventory.routes.models import SupplyRoute
from inventory.routes.repository import RouteRepository
from inventory.routes.schemas import CounterpartyRead, RouteCreate, RouteRead, RouteRevoke
from inventory.timeutil import today_vn, utcnow


def route_read(route: SupplyRoute, from_code: str, to_code: str) -> RouteRead:
    return RouteRead(
        id=route.id,
        from_facility=from_code,
        to_facility=to_code,
        reason=route.reason,
        allowed_by=route.allowed_by,
        allowed_at=route.allowed_at,
        revoked_by=route.revoked_by,
        revoked_at=route.revoked_at,
        revoke_reason=route.revoke_reason,
        active=route.revoked_at is None,
    )


class RouteService:
    """Use cases of the supply routes for one principal, inside the caller's transaction."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.repo = RouteRepository(session)
        self.catalog = CatalogService(session)

    async def allow(self, cmd: RouteCreate, *, key: str | None) -> RouteRead:
        """Allow FROM to supply TO beyond the facility tree (administrators), once per key, audited."""
        self.principal.require_role("admin", action="allow_route")
        cmd = validated(cmd)
        request = Request(key=key, scope="route.allow", payload=cmd, principal=self.principal)
        return await run_once(self.session, request, lambda: self._allow(cmd), RouteRead)

    async def _allow(self, cmd: RouteCreate) -> RouteRead:
        origin = await self.catalog.facility(cmd.from_facility, field="from_facility")
        target = await self.catalog.facility(cmd.to_facility, field="to_facility")
        if origin.id == target.id:
            raise ValidationFailed(
                message="error.route.itself", params={"facility": origin.code}, field="to_facility"
            )
        if target.supplier_id == origin.id:
            raise RuleViolation(
                message="error.route.in_tree",
                params={"from_facility": origin.code, "to_facility": target.code},
                field="to_facility",
            )
        if await self.repo.active(origin.id, target.id) is not None:
            raise Conflict(
                message="error.route.already_allowed",
                params={"from_facility": origin.code, "to_facility": target.code},
                field="to_facility",
            )
        route = SupplyRoute(
            from_facility_id=origin.id,
            to_facility_id=target.id,
            reason=cmd.reason,
            allowed_by=self.principal.username,
            allowed_at=utcnow(),
        )
        try:
            async with self.session.begin_nested():  # another administrator allowed it a moment ago
                self.session.add(route)
                await self.session.flush()
        except IntegrityError:
            raise Conflict(
                message="error.route.already_allowed",
                params={"from_facility": origin.code, "to_facility": target.code},
                field="to_facility",
            ) from None
        return route_read(route, origin.code, target.code)

    async def revoke(self, route_id: int, cmd: RouteRevoke, *, key: str | None) -> RouteRead:
        """End an extra route (administrators), with the reason, once per key, audited. Shipments already on
        the road along it are still confirmed by their destination."""
        self.principal.require_role("admin", action="revoke_route")
        cmd = validated(cmd)
        request = Request(key=key, scope=f"route:{route_id}:revoke", payload=cmd, principal=self.principal)
        return await run_once(self.session, request, lambda: self._revoke(route_id, cmd), RouteRead)

    async def _revoke(self, route_id: int, cmd: RouteRevoke) -> RouteRead:
        route = await self.repo.route(route_id, for_update=True)
        if route is None:
            raise NotFound(message="error.route.unknown", params={"route": route_id}, field="route_id")
        if route.revoked_at is not None:
            raise Conflict(
                message="error.route.already_revoked", params={"route": route_id}, field="route_id"
            )
        route.revoked_at = utcnow()
        route.revoked_by = self.principal.username
        route.revoke_reason = cmd.reason
        await self.session.flush()
        codes = await self.repo.codes(route.from_facility_id, route.to_facility_id)
        return route_read(route, codes[route.from_facility_id], codes[route.to_facility_id])

    async def routes(self, *, include_revoked: bool = False) -> list[RouteRead]:
        """The extra routes (active ones unless `include_revoked`), in the order they were allowed."""
        return [route_read(r, f, t) for r, f, t in await self.repo.routes(include_revoked=include_revoked)]

    async def counterparties(self, facility_code: str, kind: str) -> list[CounterpartyRead]:
        """The facilities this user may post a `kind` document with at `facility_code` today: nothing where
        the user may not post."""
        if kind not in ROUTED_KINDS:
            raise ValidationFailed(
                message="error.route.unknown_kind",
                params={"kind": kind, "kinds": ", ".join(ROUTED_KINDS)},
                field="kind",
            )
        facility = await self.catalog.facility(facility_code, field="facility")
        if not self.principal.can_write(facility.id):
            return []
        found = await allowed_counterparties(self.repo, kind, facility, on=today_vn())
        return [CounterpartyRead(f.code, f.name, f.level) for f in found]
