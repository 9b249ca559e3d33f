"""Temperature-file imports: a Berlinger Fridge-tag 2 report or a logger CSV for a location (told apart by
content), all or nothing. The raw file is kept; a report's days are stored once per device (reports overlap)
and judged under the report's own rules; a CSV's readings are stored once (a differing value is refused) and
the series around them judged under the location's rules. Every excursion found opens with its holds
(inventory.coldchain.opening). The device is attached to the location the first time it is seen there (the
location becomes a refrigerator if it was no equipment yet); a device attached elsewhere is refused. The same
file again imports nothing (its digest is the key).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from inventory.catalog.models import Facility, Location
from inventory.coldchain import domain, evaluation, fridgetag_days
from inventory.coldchain import schemas as c
from inventory.coldchain.fridgetag import FridgeTagReport, decode, looks_like_fridgetag, parse_report
from inventory.coldchain.models import LoggerDay, LoggerFile, TemperatureReading
from inventory.coldchain.opening import open_excursion
from inventory.coldchain.places import add_equipment, check_device_free, place
from inventory.coldchain.repository import ColdChainRepository
from inventory.coldchain.series import DEFAULT_ZONE, ColumnMapping, parse_series, zone
from inventory.errors import Conflict, ValidationFailed
from inventory.stock.context import StockContext


@dataclass(frozen=True)
class _Upload:
    """The file being imported and where to: the facility and location, its name, bytes and SHA-256."""

    facility: Facility
    location: Location
    filename: str
    content: bytes
    digest: str


async def import_file(
    stock: StockContext,
    facility_code: str,
    location_code: str,
    filename: str,
    content: bytes,
    *,
    mapping: ColumnMapping | None = None,
    key: str | None = None,
) -> c.ImportRead:
    """A Fridge-tag report or a logger CSV (told apart by content) for a location, all or nothing; the same
    file again imports nothing (its digest is the key)."""
    digest = hashlib.sha256(content).hexdigest()
    payload = {"facility": facility_code, "location": location_code, "sha256": digest}
    if mapping is not None:
        payload |= {
            "time": mapping.time,
            "temperature": mapping.temperature,
            "unit": mapping.unit,
            "zone": mapping.zone,
        }

    async def action() -> c.ImportRead:
        facility, location = await place(stock, facility_code, location_code, write=True)
        text = decode(content)
        known = await ColdChainRepository(stock.session).file(location.id, digest)
        if known is not None:
            return c.ImportRead(
                known.kind,
                facility.code,
                location.code,
                known.id,
                True,
                known.device_serial,
                0,
                0,
                0,
                0,
                [],
            )
        upload = _Upload(facility, location, filename, content, digest)
        if looks_like_fridgetag(text):
            return await _import_report(stock, upload, parse_report(text))
        return await _import_series(stock, upload, text, mapping or ColumnMapping())

    return await stock.once(f"temps:{digest}", payload, key, action, result_type=c.ImportRead)


def _file(stock: StockContext, upload: _Upload, kind: str, **fields: object) -> LoggerFile:
    stored = LoggerFile(
        location_id=upload.location.id,
        kind=kind,
        filename=upload.filename[:255],
        sha256=upload.digest,
        content=upload.content,
        imported_at=stock.now(),
        imported_by=stock.actor,
        **fields,
    )
    stock.session.add(stored)
    return stored


async def _import_report(stock: StockContext, upload: _Upload, report: FridgeTagReport) -> c.ImportRead:
    facility, location = upload.facility, upload.location
    repo = ColdChainRepository(stock.session)
    await check_device_free(stock, report.serial, location)
    equipment = await repo.equipment_at(location.id)
    if equipment is None:  # a 30-day recorder watches a refrigerator: the location becomes one
        await add_equipment(stock, location, equipment_type="refrigerator", logger_serial=report.serial)
    elif equipment.logger_serial != report.serial:
        equipment.logger_serial = report.serial  # the device seen first here is attached here
    rules = [{"index": r.index, "threshold_c": r.threshold_c, "minutes": r.minutes} for r in report.rules]
    stored = _file(
        stock,
        upload,
        "fridgetag",
        device_serial=report.serial,
        rules=json.dumps(rules),
        time_zone=DEFAULT_ZONE,
    )
    await stock.session.flush()
    known = await repo.known_days(report.serial, [d.day for d in report.days])
    local = ZoneInfo(DEFAULT_ZONE)
    opened: list[int] = []
    added = 0
    for day in report.days:
        if day.day in known:
            continue  # reports overlap by design: a day is imported once per device
        added += 1
        alarms = {a.index: a for a in day.alarms}
        low, high = alarms.get(0), alarms.get(1)
        stock.session.add(
            LoggerDay(
                location_id=location.id,
                file_id=stored.id,
                device_serial=report.serial,
                day=day.day,
                min_c=day.min_c,
                max_c=day.max_c,
                avg_c=day.avg_c,
                min_at=_hhmm(day.min_at),
                max_at=_hhmm(day.max_at),
                low_minutes=low.minutes_beyond if low else None,
                low_alarm_at=_hhmm(low.fired_at) if low else None,
                high_minutes=high.minutes_beyond if high else None,
                high_alarm_at=_hhmm(high.fired_at) if high else None,
                sensor_timeout_minutes=day.sensor_timeout_minutes,
                events=day.events,
                checked_am=_hhmm(day.checked_am),
                checked_pm=_hhmm(day.checked_pm),
            )
        )
        for found in fridgetag_days.judge_day(day, report.rules):
            rule = next(r for r in report.rules if r.index == found.alarm_index)
            start = datetime.combine(day.day, time(0, 0), local)
            alarm = (
                datetime.combine(day.day, found.fired_at, local)
                if found.fired_at
                else start + timedelta(days=1) - timedelta(minutes=1)
            )
            excursion = await open_excursion(
                stock,
                location,
                kind=found.kind,
                rule=f"fridgetag_{'low' if found.kind == 'freeze' else 'high'}",
                source="fridgetag",
                started_at=(alarm - timedelta(minutes=rule.minutes)).astimezone(UTC)
                if found.fired_at
                else start.astimezone(UTC),
                alarm_at=alarm.astimezone(UTC),
                ended_at=(start + timedelta(days=1)).astimezone(UTC),
                minutes_beyond=float(found.minutes_beyond),
                extreme_c=found.extreme_c,
                file_id=stored.id,
            )
            if excursion is not None:
                opened.append(excursion.id)
    stored.days_added = added
    await stock.session.flush()
    return c.ImportRead(
        "fridgetag",
        facility.code,
        location.code,
        stored.id,
        False,
        report.serial,
        added,
        len(known),
        0,
        0,
        opened,
    )


async def _import_series(
    stock: StockContext, upload: _Upload, text: str, mapping: ColumnMapping
) -> c.ImportRead:
    facility, location = upload.facility, upload.location
    series = parse_series(text, mapping)
    readings = series.readings
    if not readings:
        raise ValidationFailed(
            message="error.coldchain.csv.no_rows", params={"row": 2, "column": ""}, field="file"
        )
    stored_before = await ColdChainRepository(stock.session).stored_readings(
        location.id, readings[0].at, readings[-1].at
    )
    new = []
    for reading in readings:
        earlier = stored_before.get(reading.at)
        if earlier is None:
            new.append(reading)
        elif abs(earlier - reading.celsius) > 0.05:
            raise Conflict(
                message="error.coldchain.csv.conflicting_reading",
                params={
                    "at": reading.at.astimezone(zone(mapping.zone)).replace(tzinfo=None),
                    "value": reading.celsius,
                    "stored": earlier,
                },
                field="file",
            )
    stored = _file(stock, upload, "csv", time_zone=mapping.zone, readings_added=len(new))
    await stock.session.flush()
    stock.session.add_all(
        TemperatureReading(location_id=location.id, at=r.at, celsius=r.celsius, file_id=stored.id)
        for r in new
    )
    await stock.session.flush()
    opened = await _scan(stock, location, readings[0].at, readings[-1].at, file_id=stored.id)
    return c.ImportRead(
        "csv",
        facility.code,
        location.code,
        stored.id,
        False,
        None,
        0,
        0,
        len(new),
        len(readings) - len(new),
        opened,
    )


async def _scan(
    stock: StockContext, location: Location, start: datetime, end: datetime, *, file_id: int
) -> list[int]:
    """Judge the stored series around new readings (by each rule's reach) and open what it finds."""
    repo = ColdChainRepository(stock.session)
    rules = await _rules(repo, location)
    reach = max(timedelta(minutes=r.window_minutes or r.minutes) for r in rules) + timedelta(hours=1)
    stored = await repo.stored_readings(location.id, start - reach, end + reach)
    series = [evaluation.Reading(at, celsius) for at, celsius in sorted(stored.items())]
    opened = []
    for found in evaluation.evaluate_series(series, rules).excursions:
        excursion = await open_excursion(
            stock,
            location,
            kind=found.kind,
            rule=found.rule,
            source="series",
            started_at=found.started_at,
            alarm_at=found.alarm_at,
            ended_at=found.ended_at,
            minutes_beyond=found.minutes_beyond,
            extreme_c=found.extreme_c,
            across_gap=found.across_gap,
            file_id=file_id,
        )
        if excursion is not None:
            opened.append(excursion.id)
    return opened


async def _rules(repo: ColdChainRepository, location: Location) -> tuple[domain.AlarmRule, ...]:
    """The rules the location's readings are judged by: its equipment type's with its own overrides (a
    refrigerator's if it is no equipment)."""
    equipment = await repo.equipment_at(location.id)
    if equipment is None:
        return domain.rules_for("refrigerator")
    overrides = [domain.rule_from_mapping(r) for r in json.loads(equipment.rules or "[]")]
    return domain.rules_for(equipment.equipment_type, overrides)


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None
