"""Opening an excursion (shared steps): the excursion recorded once per location, rule and alarm instant,
and a hold at its location on every lot it exposed, read from the ledger's movements (freeze holds the
freeze-sensitive products, heat holds all; inventory.coldchain.exposure says when a lot was there). A manual
reading and a logger import open excursions this one way; an excursion that exposed nothing opens closed.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from inventory.catalog.models import Location
from inventory.coldchain import exposure
from inventory.coldchain.models import Excursion, ExposedLot
from inventory.coldchain.repository import ColdChainRepository
from inventory.coldchain.series import DEFAULT_ZONE
from inventory.stock.context import StockContext


async def open_excursion(
    stock: StockContext, location: Location, *, kind: str, rule: str, **fields: object
) -> Excursion | None:
    """An excursion (once per location, rule and alarm instant) and a hold there on every exposed lot:
    freeze holds the freeze-sensitive products, heat holds all. None if it was known already."""
    repo = ColdChainRepository(stock.session)
    alarm_at = fields["alarm_at"]
    if await repo.excursion(location.id, rule, alarm_at) is not None:  # type: ignore[arg-type]
        return None
    excursion = Excursion(
        location_id=location.id,
        kind=kind,
        rule=rule,
        status="open",
        opened_at=stock.now(),
        opened_by=stock.actor,
        **fields,
    )
    stock.session.add(excursion)
    await stock.session.flush()
    reason = f"cold-chain excursion #{excursion.id} ({kind}) at {location.code}"
    start: datetime = fields["started_at"]  # type: ignore[assignment]
    end: datetime = fields.get("ended_at") or stock.now()  # type: ignore[assignment]
    during = await _movements(repo, location)
    exposed = 0
    for lot, product, doses in await repo.lots_at(location.id):
        if kind == "freeze" and not product.freeze_sensitive:
            continue
        if exposure.most_during(during.get(lot.id, []), start, end) <= 0:
            continue  # not at the location at any instant of the excursion
        exposed += 1
        stock.session.add(ExposedLot(excursion_id=excursion.id, lot_id=lot.id, doses=doses))
        place = await stock.place(location.id, lot)
        if not place.on_hold:
            stock.set_place_hold(place, hold=True, reason=reason)
            stock.lot_event(lot, "hold", reason=reason, location_id=location.id)
    if not exposed:
        excursion.status, excursion.closed_at = "closed", stock.now()
    await stock.session.flush()
    return excursion


async def _movements(repo: ColdChainRepository, location: Location) -> dict[int, list[tuple[datetime, int]]]:
    """The location's movements per lot, each at its instant (exposure.movement_instant)."""
    local = ZoneInfo(DEFAULT_ZONE)
    moves: dict[int, list[tuple[datetime, int]]] = {}
    for lot_id, doses, occurred_on, recorded_at in await repo.movements_at(location.id):
        at = exposure.movement_instant(occurred_on, recorded_at, doses, local)
        moves.setdefault(lot_id, []).append((at, doses))
    return moves
