"""Where cold-chain work happens (shared steps): a storage location found from its facility and location
codes with the user's right to read or write there, an excursion found with its location and facility, and
what every use case that touches a location's equipment does the same way: add the equipment with its first
status, append a status to its log, check that a logger device is not attached to another location already.
"""

from __future__ import annotations

from inventory.catalog.models import Facility, Location
from inventory.coldchain.models import Equipment, EquipmentStatus, Excursion
from inventory.coldchain.repository import ColdChainRepository
from inventory.errors import Conflict, NotFound
from inventory.stock.context import StockContext


async def place(
    stock: StockContext, facility_code: str, location_code: str, *, write: bool
) -> tuple[Facility, Location]:
    """The facility and its storage location, if the user may write there (`write`) or read there."""
    if write:
        facility = await stock.writable(facility_code, field="facility")
    else:
        facility = await stock.readable(facility_code, field="facility")
    location = await stock.catalog.location(facility, location_code, field="location")
    return facility, location


async def excursion_place(
    stock: StockContext, excursion_id: int, *, for_update: bool = False
) -> tuple[Excursion, Location, Facility]:
    """An excursion with its location and facility (404 if there is none by that id)."""
    excursion = await ColdChainRepository(stock.session).excursion_by_id(excursion_id, for_update=for_update)
    if excursion is None:
        raise NotFound(
            message="error.coldchain.no_excursion", params={"id": excursion_id}, field="excursion_id"
        )
    location = await stock.session.get(Location, excursion.location_id)
    assert location is not None
    facility = await stock.session.get(Facility, location.facility_id)
    assert facility is not None
    return excursion, location, facility


async def add_equipment(stock: StockContext, location: Location, **fields: object) -> Equipment:
    """Make the location a piece of equipment (`fields`: its type, model, device...), first status working."""
    equipment = Equipment(location_id=location.id, created_at=stock.now(), created_by=stock.actor, **fields)
    stock.session.add(equipment)
    await stock.session.flush()
    append_status(stock, equipment, "working", None)
    return equipment


def append_status(stock: StockContext, equipment: Equipment, status: str, reason: str | None) -> None:
    """Add a status to the equipment's append-only log, with who and when."""
    stock.session.add(
        EquipmentStatus(
            equipment_id=equipment.id,
            status=status,
            reason=reason,
            recorded_at=stock.now(),
            recorded_by=stock.actor,
        )
    )


async def check_device_free(stock: StockContext, serial: str, location: Location) -> None:
    """Refuse a logger device that is attached to another location (409, field `file`)."""
    found = await ColdChainRepository(stock.session).equipment_with_device(serial)
    if found is not None and found[1].id != location.id:
        _, other, facility = found
        raise Conflict(
            message="error.coldchain.device_elsewhere",
            params={"serial": serial, "place": f"{facility.code}/{other.code}"},
            field="file",
        )
