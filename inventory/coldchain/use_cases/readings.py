"""Manual readings: the twice-daily thermometer reading of a location (°C, freeze indicator, note), once per
day and period. Out of the location's storage range, or with the freeze indicator in alarm, it opens an
excursion at once and holds the exposed lots (inventory.coldchain.opening).
"""

from __future__ import annotations

from decimal import Decimal

from inventory.catalog.models import Location
from inventory.coldchain import domain
from inventory.coldchain import schemas as c
from inventory.coldchain.models import ManualReading
from inventory.coldchain.opening import open_excursion
from inventory.coldchain.places import place
from inventory.coldchain.repository import ColdChainRepository
from inventory.errors import Conflict
from inventory.stock.context import StockContext


async def record_reading(stock: StockContext, cmd: c.ReadingCreate, *, key: str | None) -> c.ReadingRead:
    """A twice-daily reading; out of the storage range (or a freeze indicator in alarm) it opens an
    excursion at once and holds the exposed lots."""

    async def action() -> c.ReadingRead:
        repo = ColdChainRepository(stock.session)
        facility, location = await place(stock, cmd.facility, cmd.location, write=True)
        day = stock.day(cmd.day, field="day")
        if await repo.manual_reading(location.id, day, cmd.period) is not None:
            raise Conflict(
                message="error.coldchain.reading_exists",
                params={"day": day, "period": cmd.period},
                field="period",
            )
        reading = ManualReading(
            location_id=location.id,
            day=day,
            period=cmd.period,
            celsius=Decimal(str(round(cmd.celsius, 1))),
            freeze_indicator=cmd.freeze_indicator,
            note=cmd.note,
            recorded_at=stock.now(),
            recorded_by=stock.actor,
        )
        stock.session.add(reading)
        await stock.session.flush()
        kind = domain.judge_manual_reading(cmd.celsius, cmd.freeze_indicator, await _storage(repo, location))
        excursion_id = None
        if kind is not None:
            at = stock.now()
            excursion = await open_excursion(
                stock,
                location,
                kind=kind,
                rule=f"manual_{kind}",
                source="manual",
                started_at=at,
                alarm_at=at,
                ended_at=None,
                minutes_beyond=None,
                extreme_c=cmd.celsius,
                manual_reading_id=reading.id,
            )
            excursion_id = excursion.id if excursion else None
        return c.ReadingRead(
            facility.code,
            location.code,
            day,
            cmd.period,
            float(reading.celsius),
            cmd.freeze_indicator,
            reading.recorded_at,
            reading.recorded_by,
            excursion_id,
        )

    return await stock.once("reading", cmd, key, action, result_type=c.ReadingRead)


async def _storage(repo: ColdChainRepository, location: Location) -> domain.StorageRange:
    """The storage range of the location's equipment (a refrigerator's if it is no equipment)."""
    equipment = await repo.equipment_at(location.id)
    return domain.STORAGE_RANGES[equipment.equipment_type if equipment else "refrigerator"]
