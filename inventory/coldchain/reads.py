"""What the cold chain shows (shared steps): equipment with its status log and volume in use, and excursions
with their exposed lots, each lot's decision and the doses that left the location since the excursion began.
The API and the pages read through these; the equipment and decision use cases answer with them. Only what
the user may read is listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from inventory.coldchain import capacity, exposure
from inventory.coldchain import schemas as c
from inventory.coldchain.models import EquipmentStatus, Excursion
from inventory.coldchain.places import excursion_place, place
from inventory.coldchain.repository import ColdChainRepository
from inventory.coldchain.series import DEFAULT_ZONE
from inventory.errors import NotFound
from inventory.stock.context import StockContext


async def equipment(stock: StockContext, facility_code: str, location_code: str) -> c.EquipmentRead:
    """One location's equipment (404 if the location is no equipment)."""
    facility, location = await place(stock, facility_code, location_code, write=False)
    listed = [e for e in await equipment_list(stock, facility.code) if e.location == location.code]
    if not listed:
        raise NotFound(
            message="error.coldchain.no_equipment", params={"location": location_code}, field="location"
        )
    return listed[0]


async def equipment_list(stock: StockContext, facility_code: str | None) -> list[c.EquipmentRead]:
    """Equipment (of one facility, or every one the user may read) with its status log and volume in use."""
    repo = ColdChainRepository(stock.session)
    facility = await stock.readable(facility_code, field="facility") if facility_code else None
    rows = [
        r
        for r in await repo.equipment_list(facility.id if facility else None)
        if stock.principal.can_read(r[2].id)
    ]
    statuses: dict[int, list[EquipmentStatus]] = {}
    for status in await repo.statuses([e.id for e, _, _ in rows]):
        statuses.setdefault(status.equipment_id, []).append(status)
    used = {} if not rows else await _volume_used(stock, [loc.id for _, loc, _ in rows])
    return [
        c.EquipmentRead(
            fac.code,
            loc.code,
            e.equipment_type,
            e.pqs_code,
            e.model,
            float(e.net_volume_litres) if e.net_volume_litres is not None else None,
            e.energy_source,
            e.installed_on,
            e.logger_serial,
            statuses[e.id][-1].status if statuses.get(e.id) else "working",
            [c.StatusRead(s.status, s.reason, s.recorded_at, s.recorded_by) for s in statuses.get(e.id, [])],
            used.get(loc.id),
        )
        for e, loc, fac in rows
    ]


async def _volume_used(stock: StockContext, location_ids: Sequence[int]) -> dict[int, float]:
    """Litres in use per location: doses × packed volume per dose (cm³) / 1000."""
    used = await capacity.volume_in_use(stock.session, location_ids)
    return {i: float(capacity.litres(cm3)) for i, cm3 in used.items()}


async def excursions(
    stock: StockContext,
    *,
    facility_code: str | None,
    location_code: str | None = None,
    status: str | None = None,
) -> list[c.ExcursionRead]:
    """Excursions (of a facility, one of its locations, a status) with their exposed lots."""
    repo = ColdChainRepository(stock.session)
    facility = await stock.readable(facility_code, field="facility") if facility_code else None
    location = (
        await stock.catalog.location(facility, location_code, field="location")
        if facility and location_code
        else None
    )
    rows = [
        r
        for r in await repo.excursions(
            facility_id=facility.id if facility else None,
            location_id=location.id if location else None,
            status=status,
        )
        if stock.principal.can_read(r[2].id)
    ]
    lots: dict[int, list[c.ExposedLotRead]] = {}
    found = await repo.exposed([e.id for e, _, _ in rows])
    moved = await _moved(repo, [e for e, _, _ in rows], [(x.excursion_id, x.lot_id) for x, _, _ in found])
    for exposed, lot, product in found:
        lots.setdefault(exposed.excursion_id, []).append(
            c.ExposedLotRead(
                product.code,
                lot.lot_number,
                exposed.doses,
                exposed.decision,
                exposed.vvm_stage,
                exposed.shake_test_passed,
                exposed.reason,
                exposed.decided_at,
                exposed.decided_by,
                exposed.document_id,
                moved[exposed.excursion_id].get(lot.id, []),
            )
        )
    return [
        c.ExcursionRead(
            e.id,
            fac.code,
            loc.code,
            e.kind,
            e.rule,
            e.source,
            e.started_at,
            e.alarm_at,
            e.ended_at,
            e.minutes_beyond,
            e.extreme_c,
            e.across_gap,
            e.status,
            lots.get(e.id, []),
        )
        for e, loc, fac in rows
    ]


async def excursion(stock: StockContext, excursion_id: int) -> c.ExcursionRead:
    """One excursion with its exposed lots (404 if there is none by that id)."""
    _, _, facility = await excursion_place(stock, excursion_id)
    listed = [e for e in await excursions(stock, facility_code=facility.code) if e.id == excursion_id]
    return listed[0]


async def _moved(
    repo: ColdChainRepository, found: Sequence[Excursion], exposed: Sequence[tuple[int, int]]
) -> dict[int, dict[int, list[c.MovedRead]]]:
    """Per excursion and exposed lot, the doses that left its location from its start on, and where to
    (one query for all the excursions; `exposed` holds (excursion id, lot id) pairs)."""
    local = ZoneInfo(DEFAULT_ZONE)
    lots_of: dict[int, set[int]] = {}
    for excursion_id, lot_id in exposed:
        lots_of.setdefault(excursion_id, set()).add(lot_id)
    rows = await repo.moved_from(sorted({e.location_id for e in found}), sorted({lot for _, lot in exposed}))
    moved: dict[int, dict[int, list[c.MovedRead]]] = {e.id: {} for e in found}
    for e in found:
        mine = lots_of.get(e.id, set())
        for at_location, lot_id, day, recorded, out, fac, loc, doses, doc, kind in rows:
            if at_location != e.location_id or lot_id not in mine:
                continue
            if exposure.movement_instant(day, recorded, out, local) >= e.started_at:
                moved[e.id].setdefault(lot_id, []).append(c.MovedRead(fac, loc, doses, day, doc, kind))
    return moved
