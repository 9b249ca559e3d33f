"""The route check every posting with a counterparty makes before it writes anything, and the lists of
counterparties a page or a client may offer: the same rules (inventory.routes.domain) for both."""

from __future__ import annotations

from datetime import date

from inventory.catalog.models import Facility
from inventory.errors import RouteNotAllowed
from inventory.routes.domain import counterparties, refusal
from inventory.routes.repository import RouteRepository, node

NO_EXTRA_ROUTE = {"error.route_not_allowed.itself", "error.route_not_allowed.station_receipt"}
"""Refusals no extra route lifts."""


async def require_route(
    repo: RouteRepository, kind: str, facility: Facility, counterparty: Facility | None, *, field: str
) -> None:
    """Refuse (RouteNotAllowed, naming both facilities) a `kind` posting at `facility` with `counterparty`
    that no route allows. The tree is checked first: extra routes are read only when the tree refuses."""
    other = node(counterparty) if counterparty is not None else None
    reason = refusal(kind, node(facility), other)
    if reason is None:
        return
    if counterparty is not None and reason not in NO_EXTRA_ROUTE:
        extra = await repo.extra_between(facility.id, counterparty.id)
        if extra and refusal(kind, node(facility), other, extra) is None:
            return
    raise RouteNotAllowed(
        message=reason,
        params={"facility": facility.code, "counterparty": counterparty.code if counterparty else "—"},
        field=field,
        kind=kind,
        facility=facility.code,
        counterparty=counterparty.code if counterparty else None,
    )


async def allowed_counterparties(
    repo: RouteRepository, kind: str, facility: Facility, *, on: date
) -> list[Facility]:
    """The facilities operating on `on` that `facility` may post a `kind` document with, by level and code."""
    operating = await repo.operating(on)
    extra = await repo.extra_of(facility.id)
    allowed = {n.id for n in counterparties(kind, node(facility), [node(f) for f in operating], extra)}
    return [f for f in operating if f.id in allowed]
