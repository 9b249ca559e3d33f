"""Cold-chain use cases: equipment and its status, twice-daily readings, Fridge-tag and logger imports,
excursions that hold the exposed lots where they were, and the per-lot decisions that close them.

Every write runs once per Idempotency-Key with its audit event (StockContext.once); a refusal writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from inventory.catalog.models import Facility, Location
from inventory.coldchain import capacity, domain, exposure
from inventory.coldchain import schemas as c
from inventory.coldchain.fridgetag import FridgeTagReport, decode, looks_like_fridgetag, parse_report
from inventory.coldchain.models import (
    Equipment,
    EquipmentStatus,
    Excursion,
    ExposedLot,
    LoggerDay,
    LoggerFile,
    ManualReading,
    TemperatureReading,
)
from inventory.coldchain.repository import ColdChainRepository
from inventory.coldchain.series import DEFAULT_ZONE, ColumnMapping, parse_series, zone
from inventory.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from inventory.stock.context import Entry, StockContext
from inventory.stock.domain import check_reason
from inventory.stock.ledger import Line

WRITE_OFF_REASONS = {"freeze": "frozen", "heat": "heat_exposure"}


class ColdChain:
    """One request's cold-chain work, on the stock context (session, principal, clock)."""

    def __init__(self, stock: StockContext) -> None:
        self.stock = stock
        self.repo = ColdChainRepository(stock.session)

    # ---- places -------------------------------------------------------------------------------------------

    async def _place(
        self, facility_code: str, location_code: str, *, write: bool
    ) -> tuple[Facility, Location]:
        if write:
            facility = await self.stock.writable(facility_code, field="facility")
        else:
            facility = await self.stock.readable(facility_code, field="facility")
        location = await self.stock.catalog.location(facility, location_code, field="location")
        return facility, location

    async def _rules(self, location: Location) -> tuple[domain.AlarmRule, ...]:
        equipment = await self.repo.equipment_at(location.id)
        if equipment is None:
            return domain.rules_for("refrigerator")
        overrides = [domain.rule_from_mapping(r) for r in json.loads(equipment.rules or "[]")]
        return domain.rules_for(equipment.equipment_type, overrides)

    async def _storage(self, location: Location) -> domain.StorageRange:
        equipment = await self.repo.equipment_at(location.id)
        return domain.STORAGE_RANGES[equipment.equipment_type if equipment else "refrigerator"]

    # ---- equipment ----------------------------------------------------------------------------------------

    async def register_equipment(self, cmd: c.EquipmentCreate, *, key: str | None) -> c.EquipmentRead:
        """Make a storage location a piece of cold-chain equipment (first status: working)."""

        async def action() -> c.EquipmentRead:
            facility, location = await self._place(cmd.facility, cmd.location, write=True)
            if await self.repo.equipment_at(location.id) is not None:
                raise Conflict(
                    message="error.coldchain.equipment_exists",
                    params={"location": location.code},
                    field="location",
                )
            if cmd.logger_serial:
                await self._check_device_free(cmd.logger_serial, location)
            equipment = Equipment(
                location_id=location.id,
                equipment_type=cmd.equipment_type,
                pqs_code=cmd.pqs_code,
                model=cmd.model,
                net_volume_litres=Decimal(str(cmd.net_volume_litres)) if cmd.net_volume_litres else None,
                energy_source=cmd.energy_source,
                installed_on=cmd.installed_on,
                logger_serial=cmd.logger_serial,
                created_at=self.stock.now(),
                created_by=self.stock.actor,
            )
            self.stock.session.add(equipment)
            await self.stock.session.flush()
            self._status(equipment, "working", None)
            await self.stock.session.flush()
            return await self.equipment(facility.code, location.code)

        return await self.stock.once("equipment", cmd, key, action, result_type=c.EquipmentRead)

    def _status(self, equipment: Equipment, status: str, reason: str | None) -> None:
        self.stock.session.add(
            EquipmentStatus(
                equipment_id=equipment.id,
                status=status,
                reason=reason,
                recorded_at=self.stock.now(),
                recorded_by=self.stock.actor,
            )
        )

    async def record_status(
        self, facility_code: str, location_code: str, cmd: c.StatusCreate, *, key: str | None
    ) -> c.EquipmentRead:
        """Append a status (working, needs repair, broken, decommissioned) with who, when and why."""

        async def action() -> c.EquipmentRead:
            _, location = await self._place(facility_code, location_code, write=True)
            equipment = await self.repo.equipment_at(location.id)
            if equipment is None:
                raise NotFound(
                    message="error.coldchain.no_equipment",
                    params={"location": location_code},
                    field="location",
                )
            self._status(equipment, cmd.status, cmd.reason)
            await self.stock.session.flush()
            return await self.equipment(facility_code, location_code)

        scope = f"equipment:{facility_code}:{location_code}:status"
        return await self.stock.once(scope, cmd, key, action, result_type=c.EquipmentRead)

    async def equipment(self, facility_code: str, location_code: str) -> c.EquipmentRead:
        facility, location = await self._place(facility_code, location_code, write=False)
        listed = [e for e in await self.equipment_list(facility.code) if e.location == location.code]
        if not listed:
            raise NotFound(
                message="error.coldchain.no_equipment", params={"location": location_code}, field="location"
            )
        return listed[0]

    async def equipment_list(self, facility_code: str | None) -> list[c.EquipmentRead]:
        facility = await self.stock.readable(facility_code, field="facility") if facility_code else None
        rows = [
            r
            for r in await self.repo.equipment_list(facility.id if facility else None)
            if self.stock.principal.can_read(r[2].id)
        ]
        statuses: dict[int, list[EquipmentStatus]] = {}
        for status in await self.repo.statuses([e.id for e, _, _ in rows]):
            statuses.setdefault(status.equipment_id, []).append(status)
        used = {} if not rows else await self._volume_used([loc.id for _, loc, _ in rows])
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
                [
                    c.StatusRead(s.status, s.reason, s.recorded_at, s.recorded_by)
                    for s in statuses.get(e.id, [])
                ],
                used.get(loc.id),
            )
            for e, loc, fac in rows
        ]

    async def _volume_used(self, location_ids: Sequence[int]) -> dict[int, float]:
        """Litres in use per location: doses × packed volume per dose (cm³) / 1000."""
        used = await capacity.volume_in_use(self.stock.session, location_ids)
        return {i: float(capacity.litres(cm3)) for i, cm3 in used.items()}

    async def _check_device_free(self, serial: str, location: Location) -> None:
        found = await self.repo.equipment_with_device(serial)
        if found is not None and found[1].id != location.id:
            _, other, facility = found
            raise Conflict(
                message="error.coldchain.device_elsewhere",
                params={"serial": serial, "place": f"{facility.code}/{other.code}"},
                field="file",
            )

    # ---- manual readings ----------------------------------------------------------------------------------

    async def record_reading(self, cmd: c.ReadingCreate, *, key: str | None) -> c.ReadingRead:
        """A twice-daily reading; out of the storage range (or a freeze indicator in alarm) it opens an
        excursion at once and holds the exposed lots."""

        async def action() -> c.ReadingRead:
            facility, location = await self._place(cmd.facility, cmd.location, write=True)
            day = self.stock.day(cmd.day, field="day")
            if await self.repo.manual_reading(location.id, day, cmd.period) is not None:
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
                recorded_at=self.stock.now(),
                recorded_by=self.stock.actor,
            )
            self.stock.session.add(reading)
            await self.stock.session.flush()
            kind = domain.judge_manual_reading(
                cmd.celsius, cmd.freeze_indicator, await self._storage(location)
            )
            excursion_id = None
            if kind is not None:
                at = self.stock.now()
                excursion = await self._open(
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

        return await self.stock.once("reading", cmd, key, action, result_type=c.ReadingRead)

    # ---- imports ------------------------------------------------------------------------------------------

    async def import_file(
        self,
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
            facility, location = await self._place(facility_code, location_code, write=True)
            text = decode(content)
            known = await self.repo.file(location.id, digest)
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
            if looks_like_fridgetag(text):
                return await self._import_report(
                    facility, location, filename, content, digest, parse_report(text)
                )
            return await self._import_series(
                facility, location, filename, content, digest, text, mapping or ColumnMapping()
            )

        return await self.stock.once(f"temps:{digest}", payload, key, action, result_type=c.ImportRead)

    def _file(
        self, location: Location, kind: str, filename: str, content: bytes, digest: str, **fields: object
    ) -> LoggerFile:
        stored = LoggerFile(
            location_id=location.id,
            kind=kind,
            filename=filename[:255],
            sha256=digest,
            content=content,
            imported_at=self.stock.now(),
            imported_by=self.stock.actor,
            **fields,
        )
        self.stock.session.add(stored)
        return stored

    async def _import_report(
        self,
        facility: Facility,
        location: Location,
        filename: str,
        content: bytes,
        digest: str,
        report: FridgeTagReport,
    ) -> c.ImportRead:
        await self._check_device_free(report.serial, location)
        equipment = await self.repo.equipment_at(location.id)
        if equipment is None:  # a 30-day recorder watches a refrigerator: the location becomes one
            equipment = Equipment(
                location_id=location.id,
                equipment_type="refrigerator",
                logger_serial=report.serial,
                created_at=self.stock.now(),
                created_by=self.stock.actor,
            )
            self.stock.session.add(equipment)
            await self.stock.session.flush()
            self._status(equipment, "working", None)
        elif equipment.logger_serial != report.serial:
            equipment.logger_serial = report.serial  # the device seen first here is attached here
        rules = [{"index": r.index, "threshold_c": r.threshold_c, "minutes": r.minutes} for r in report.rules]
        stored = self._file(
            location,
            "fridgetag",
            filename,
            content,
            digest,
            device_serial=report.serial,
            rules=json.dumps(rules),
            time_zone=DEFAULT_ZONE,
        )
        await self.stock.session.flush()
        known = await self.repo.known_days(report.serial, [d.day for d in report.days])
        local = ZoneInfo(DEFAULT_ZONE)
        opened: list[int] = []
        added = 0
        for day in report.days:
            if day.day in known:
                continue  # reports overlap by design: a day is imported once per device
            added += 1
            alarms = {a.index: a for a in day.alarms}
            low, high = alarms.get(0), alarms.get(1)
            self.stock.session.add(
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
            for found in domain.judge_day(day, report.rules):
                rule = next(r for r in report.rules if r.index == found.alarm_index)
                start = datetime.combine(day.day, time(0, 0), local)
                alarm = (
                    datetime.combine(day.day, found.fired_at, local)
                    if found.fired_at
                    else start + timedelta(days=1) - timedelta(minutes=1)
                )
                excursion = await self._open(
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
        await self.stock.session.flush()
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
        self,
        facility: Facility,
        location: Location,
        filename: str,
        content: bytes,
        digest: str,
        text: str,
        mapping: ColumnMapping,
    ) -> c.ImportRead:
        series = parse_series(text, mapping)
        readings = series.readings
        if not readings:
            raise ValidationFailed(
                message="error.coldchain.csv.no_rows", params={"row": 2, "column": ""}, field="file"
            )
        stored_before = await self.repo.stored_readings(location.id, readings[0].at, readings[-1].at)
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
        stored = self._file(
            location, "csv", filename, content, digest, time_zone=mapping.zone, readings_added=len(new)
        )
        await self.stock.session.flush()
        self.stock.session.add_all(
            TemperatureReading(location_id=location.id, at=r.at, celsius=r.celsius, file_id=stored.id)
            for r in new
        )
        await self.stock.session.flush()
        opened = await self._scan(location, readings[0].at, readings[-1].at, file_id=stored.id)
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

    async def _scan(self, location: Location, start: datetime, end: datetime, *, file_id: int) -> list[int]:
        """Judge the stored series around new readings (by each rule's reach) and open what it finds."""
        rules = await self._rules(location)
        reach = max(timedelta(minutes=r.window_minutes or r.minutes) for r in rules) + timedelta(hours=1)
        stored = await self.repo.stored_readings(location.id, start - reach, end + reach)
        series = [domain.Reading(at, celsius) for at, celsius in sorted(stored.items())]
        opened = []
        for found in domain.evaluate_series(series, rules).excursions:
            excursion = await self._open(
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

    # ---- excursions and holds -----------------------------------------------------------------------------

    async def _open(self, location: Location, *, kind: str, rule: str, **fields: object) -> Excursion | None:
        """An excursion (once per location, rule and alarm instant) and a hold there on every exposed lot:
        freeze holds the freeze-sensitive products, heat holds all. None if it was known already."""
        alarm_at = fields["alarm_at"]
        if await self.repo.excursion(location.id, rule, alarm_at) is not None:  # type: ignore[arg-type]
            return None
        excursion = Excursion(
            location_id=location.id,
            kind=kind,
            rule=rule,
            status="open",
            opened_at=self.stock.now(),
            opened_by=self.stock.actor,
            **fields,
        )
        self.stock.session.add(excursion)
        await self.stock.session.flush()
        reason = f"cold-chain excursion #{excursion.id} ({kind}) at {location.code}"
        start: datetime = fields["started_at"]  # type: ignore[assignment]
        end: datetime = fields.get("ended_at") or self.stock.now()  # type: ignore[assignment]
        during = await self._movements(location)
        exposed = 0
        for lot, product, doses in await self.repo.lots_at(location.id):
            if kind == "freeze" and not product.freeze_sensitive:
                continue
            if exposure.most_during(during.get(lot.id, []), start, end) <= 0:
                continue  # not at the location at any instant of the excursion
            exposed += 1
            self.stock.session.add(ExposedLot(excursion_id=excursion.id, lot_id=lot.id, doses=doses))
            place = await self.stock.place(location.id, lot)
            if not place.on_hold:
                self.stock.set_place_hold(place, hold=True, reason=reason)
                self.stock.lot_event(lot, "hold", reason=reason, location_id=location.id)
        if not exposed:
            excursion.status, excursion.closed_at = "closed", self.stock.now()
        await self.stock.session.flush()
        return excursion

    async def _movements(self, location: Location) -> dict[int, list[tuple[datetime, int]]]:
        """The location's movements per lot, each at its instant (exposure.movement_instant)."""
        local = ZoneInfo(DEFAULT_ZONE)
        moves: dict[int, list[tuple[datetime, int]]] = {}
        for lot_id, doses, occurred_on, recorded_at in await self.repo.movements_at(location.id):
            at = exposure.movement_instant(occurred_on, recorded_at, doses, local)
            moves.setdefault(lot_id, []).append((at, doses))
        return moves

    async def _moved(
        self, excursions: Sequence[Excursion], exposed: Sequence[tuple[int, int]]
    ) -> dict[int, dict[int, list[c.MovedRead]]]:
        """Per excursion and exposed lot, the doses that left its location from its start on, and where to
        (one query for all the excursions; `exposed` holds (excursion id, lot id) pairs)."""
        local = ZoneInfo(DEFAULT_ZONE)
        lots_of: dict[int, set[int]] = {}
        for excursion_id, lot_id in exposed:
            lots_of.setdefault(excursion_id, set()).add(lot_id)
        rows = await self.repo.moved_from(
            sorted({e.location_id for e in excursions}), sorted({lot for _, lot in exposed})
        )
        moved: dict[int, dict[int, list[c.MovedRead]]] = {e.id: {} for e in excursions}
        for e in excursions:
            mine = lots_of.get(e.id, set())
            for at_location, lot_id, day, recorded, out, fac, loc, doses, doc, kind in rows:
                if at_location != e.location_id or lot_id not in mine:
                    continue
                if exposure.movement_instant(day, recorded, out, local) >= e.started_at:
                    moved[e.id].setdefault(lot_id, []).append(c.MovedRead(fac, loc, doses, day, doc, kind))
        return moved

    async def excursions(
        self, *, facility_code: str | None, location_code: str | None = None, status: str | None = None
    ) -> list[c.ExcursionRead]:
        facility = await self.stock.readable(facility_code, field="facility") if facility_code else None
        location = (
            await self.stock.catalog.location(facility, location_code, field="location")
            if facility and location_code
            else None
        )
        rows = [
            r
            for r in await self.repo.excursions(
                facility_id=facility.id if facility else None,
                location_id=location.id if location else None,
                status=status,
            )
            if self.stock.principal.can_read(r[2].id)
        ]
        lots: dict[int, list[c.ExposedLotRead]] = {}
        found = await self.repo.exposed([e.id for e, _, _ in rows])
        moved = await self._moved([e for e, _, _ in rows], [(x.excursion_id, x.lot_id) for x, _, _ in found])
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

    async def excursion(self, excursion_id: int) -> c.ExcursionRead:
        found = await self.repo.excursion_by_id(excursion_id)
        if found is None:
            raise NotFound(
                message="error.coldchain.no_excursion", params={"id": excursion_id}, field="excursion_id"
            )
        location = await self.stock.session.get(Location, found.location_id)
        assert location is not None
        facility = await self.stock.session.get(Facility, location.facility_id)
        assert facility is not None
        listed = [e for e in await self.excursions(facility_code=facility.code) if e.id == excursion_id]
        return listed[0]

    async def decide(self, excursion_id: int, cmd: c.DecisionCreate, *, key: str | None) -> c.ExcursionRead:
        """Release an exposed lot (heat: a VVM reading of stage 1 or 2; freeze: a shake test passed) or write
        it off (an adjustment: frozen / heat exposure); the excursion closes when every lot is decided."""

        async def action() -> c.ExcursionRead:
            excursion = await self.repo.excursion_by_id(excursion_id, for_update=True)
            if excursion is None:
                raise NotFound(
                    message="error.coldchain.no_excursion", params={"id": excursion_id}, field="excursion_id"
                )
            location = await self.stock.session.get(Location, excursion.location_id)
            assert location is not None
            facility = await self.stock.session.get(Facility, location.facility_id)
            assert facility is not None
            self.stock.principal.require_write(facility.id, facility.code, field="excursion_id")
            product = await self.stock.catalog.product(cmd.product, field="product")
            lot = await self.stock.lot(product, cmd.lot_number, field="lot_number")
            exposed = await self.repo.exposed_lot(excursion.id, lot.id)
            if exposed is None:
                raise NotFound(
                    message="error.coldchain.not_exposed", params={"lot": cmd.lot_number}, field="lot_number"
                )
            if exposed.decision is not None:
                raise Conflict(
                    message="error.coldchain.decided", params={"lot": cmd.lot_number}, field="lot_number"
                )
            place = await self.stock.place(location.id, lot)
            if cmd.decision == "release":
                self._check_release(excursion.kind, cmd)
                if cmd.vvm_stage is not None:
                    if self.stock.raise_vvm(place, cmd.vvm_stage, lot_number=lot.lot_number):
                        self.stock.lot_event(
                            lot,
                            "vvm",
                            vvm_stage=cmd.vvm_stage,
                            reason=cmd.reason,
                            facility=facility,
                            location_id=location.id,
                        )
                    if cmd.vvm_stage >= 3:
                        raise RuleViolation(
                            message="error.coldchain.release_vvm",
                            params={"stage": cmd.vvm_stage},
                            field="vvm_stage",
                        )
            else:
                doses = await self.stock.repo.balance_as_of(location.id, lot.id, date.max)
                if doses > 0:
                    reason = WRITE_OFF_REASONS[excursion.kind]
                    check_reason(reason, -doses, field="decision")
                    document = self.stock.new_document(
                        "adjustment", facility, self.stock.today, note=cmd.reason
                    )
                    entry = Entry(
                        Line(location.id, lot.id, -doses, "adjustment", "decision", reason_code=reason),
                        location.code,
                        product.code,
                        lot.lot_number,
                    )
                    written = await self.stock.post(document, [entry], facility=facility.code)
                    exposed.document_id = written.id
            exposed.decision = cmd.decision
            exposed.vvm_stage = cmd.vvm_stage
            exposed.shake_test_passed = cmd.shake_test_passed
            exposed.reason = cmd.reason
            exposed.decided_at, exposed.decided_by = self.stock.now(), self.stock.actor
            if place.on_hold and not await self.repo.undecided_elsewhere(location.id, lot.id, excursion.id):
                self.stock.set_place_hold(place, hold=False, reason=None)
                self.stock.lot_event(
                    lot, "release", reason=cmd.reason, facility=facility, location_id=location.id
                )
            await self.stock.session.flush()
            remaining = [e for e, _, _ in await self.repo.exposed([excursion.id]) if e.decision is None]
            if not remaining:
                excursion.status, excursion.closed_at = "closed", self.stock.now()
            await self.stock.session.flush()
            return await self.excursion(excursion.id)

        return await self.stock.once(
            f"excursion:{excursion_id}:decide", cmd, key, action, result_type=c.ExcursionRead
        )

    @staticmethod
    def _check_release(kind: str, cmd: c.DecisionCreate) -> None:
        if kind == "heat" and cmd.vvm_stage is None:
            raise ValidationFailed(message="error.coldchain.release_needs_vvm", field="vvm_stage")
        if kind == "freeze" and cmd.shake_test_passed is None:
            raise ValidationFailed(
                message="error.coldchain.release_needs_shake_test", field="shake_test_passed"
            )
        if cmd.shake_test_passed is False:
            raise RuleViolation(message="error.coldchain.shake_test_failed", field="shake_test_passed")

    # ---- reads for pages ----------------------------------------------------------------------------------

    async def month(self, facility_code: str, location_code: str, first: date) -> dict[str, object]:
        """The month's readings in the paper layout: per day morning and afternoon (°C, indicator, who), the
        logger's day summary, and which readings are missing so far."""
        facility, location = await self._place(facility_code, location_code, write=False)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        readings = {(r.day, r.period): r for r in await self.repo.manual_readings(location.id, first, last)}
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        now = datetime.now(UTC).astimezone(ZoneInfo(DEFAULT_ZONE))
        missing = domain.missing_periods(days, set(readings), today=self.stock.today, now=now.time())
        loggers = {d.day: d for d in await self.repo.days(location.id, first, last)}
        return {
            "facility": facility,
            "location": location,
            "days": days,
            "readings": readings,
            "missing": set(missing),
            "logger_days": loggers,
        }

    async def series_for_chart(
        self, facility_code: str, location_code: str, start: date, end: date
    ) -> dict[str, object]:
        facility, location = await self._place(facility_code, location_code, write=False)
        local = ZoneInfo(DEFAULT_ZONE)
        lo = datetime.combine(start, time(0, 0), local).astimezone(UTC)
        hi = datetime.combine(end + timedelta(days=1), time(0, 0), local).astimezone(UTC)
        stored = await self.repo.stored_readings(location.id, lo, hi)
        manual = await self.repo.manual_readings(location.id, start, end)
        days = await self.repo.days(location.id, start, end)
        excursions = [
            e
            for e in await self.excursions(facility_code=facility.code, location_code=location.code)
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


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None
