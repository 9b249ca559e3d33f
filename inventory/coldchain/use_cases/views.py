"""A location's temperatures for its page: the month's readings in the paper layout (morning and afternoon,
the logger's day summary, the readings missing so far) and the series the temperature chart draws (logged
readings, manual readings, logger days and the excursions over the span).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from inventory.coldchain import domain, reads
from inventory.coldchain.places import place
from inventory.coldchain.repository import ColdChainRepository
from inventory.coldchain.series import DEFAULT_ZONE
from inventory.stock.context import StockContext


async def month(
    stock: StockContext, facility_code: str, location_code: str, first: date
) -> dict[str, object]:
    """The month's readings in the paper layout: per day morning and afternoon (°C, indicator, who), the
    logger's day summary, and which readings are missing so far."""
    repo = ColdChainRepository(stock.session)
    facility, location = await place(stock, facility_code, location_code, write=False)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    readings = {(r.day, r.period): r for r in await repo.manual_readings(location.id, first, last)}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    now = datetime.now(UTC).astimezone(ZoneInfo(DEFAULT_ZONE))
    missing = domain.missing_periods(days, set(readings), today=stock.today, now=now.time())
    loggers = {d.day: d for d in await repo.days(location.id, first, last)}
    return {
        "facility": facility,
        "location": location,
        "days": days,
        "readings": readings,
        "missing": set(missing),
        "logger_days": loggers,
    }


async def series_for_chart(
    stock: StockContext, facility_code: str, location_code: str, start: date, end: date
) -> dict[str, object]:
    """What the chart of a location draws from `start` to `end` (local days)."""
    repo = ColdChainRepository(stock.session)
    facility, location = await place(stock, facility_code, location_code, write=False)
    local = ZoneInfo(DEFAULT_ZONE)
    lo = datetime.combine(start, time(0, 0), local).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0, 0), local).astimezone(UTC)
    stored = await repo.stored_readings(location.id, lo, hi)
    manual = await repo.manual_readings(location.id, start, end)
    days = await repo.days(location.id, start, end)
    excursions = [
        e
        for e in await reads.excursions(stock, facility_code=facility.code, location_code=location.code)
        if e.alarm_at >= lo - timedelta(days=1) and e.started_at <= hi
    ]
    return {
        "facility": facility,
        "location": location,
        "series": sorted(stored.items()),
        "manual": [
            (
                datetime.combine(r.day, time(8 if r.period == "morning" else 16, 0), local),
                float(r.celsius),
            )
            for r in manual
        ],
        "days": [(d.day, d.min_c, d.max_c, d.avg_c) for d in days],
        "excursions": excursions,
    }
