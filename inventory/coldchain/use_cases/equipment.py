"""Equipment: a storage location registered as a piece of cold-chain equipment (type, PQS code, model, net
volume, energy source, logger device; first status working), and its append-only status log (working, needs
repair, broken, decommissioned) with who, when and why. Both answer with the equipment as read
(inventory.coldchain.reads.equipment).
"""

from __future__ import annotations

from decimal import Decimal

from inventory.coldchain import reads
from inventory.coldchain import schemas as c
from inventory.coldchain.places import add_equipment, append_status, check_device_free, place
from inventory.coldchain.repository import ColdChainRepository
from inventory.errors import Conflict, NotFound
from inventory.stock.context import StockContext


async def register_equipment(
    stock: StockContext, cmd: c.EquipmentCreate, *, key: str | None
) -> c.EquipmentRead:
    """Make a storage location a piece of cold-chain equipment (first status: working)."""

    async def action() -> c.EquipmentRead:
        facility, location = await place(stock, cmd.facility, cmd.location, write=True)
        if await ColdChainRepository(stock.session).equipment_at(location.id) is not None:
            raise Conflict(
                message="error.coldchain.equipment_exists",
                params={"location": location.code},
                field="location",
            )
        if cmd.logger_serial:
            await check_device_free(stock, cmd.logger_serial, location)
        await add_equipment(
            stock,
            location,
            equipment_type=cmd.equipment_type,
            pqs_code=cmd.pqs_code,
            model=cmd.model,
            net_volume_litres=Decimal(str(cmd.net_volume_litres)) if cmd.net_volume_litres else None,
            energy_source=cmd.energy_source,
            installed_on=cmd.installed_on,
            logger_serial=cmd.logger_serial,
        )
        await stock.session.flush()
        return await reads.equipment(stock, facility.code, location.code)

    return await stock.once("equipment", cmd, key, action, result_type=c.EquipmentRead)


async def record_status(
    stock: StockContext, facility_code: str, location_code: str, cmd: c.StatusCreate, *, key: str | None
) -> c.EquipmentRead:
    """Append a status (working, needs repair, broken, decommissioned) with who, when and why."""

    async def action() -> c.EquipmentRead:
        _, location = await place(stock, facility_code, location_code, write=True)
        equipment = await ColdChainRepository(stock.session).equipment_at(location.id)
        if equipment is None:
            raise NotFound(
                message="error.coldchain.no_equipment",
                params={"location": location_code},
                field="location",
            )
        append_status(stock, equipment, cmd.status, cmd.reason)
        await stock.session.flush()
        return await reads.equipment(stock, facility_code, location_code)

    scope = f"equipment:{facility_code}:{location_code}:status"
    return await stock.once(scope, cmd, key, action, result_type=c.EquipmentRead)
