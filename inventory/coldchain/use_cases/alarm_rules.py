"""Alarm-rule overrides per location (use case): list the rules a location's readings are judged by, set
(create or replace) one of its own, delete one. Rules are data on the equipment (`equipment.rules`, JSON);
a change applies to readings judged from then on, never to excursions already opened.

Who: an administrator, or the store keeper of the facility that owns the equipment (a rule decides what stock
is held; a commune worker does not change it). Every write runs once per Idempotency-Key with its audit event;
two writes at once on one location are serialised on the equipment row.
"""

from __future__ import annotations

import json
import re

from inventory.auth import Forbidden
from inventory.catalog.models import Facility, Location
from inventory.coldchain import domain
from inventory.coldchain import schemas as c
from inventory.coldchain.models import Equipment
from inventory.coldchain.repository import ColdChainRepository
from inventory.errors import NotFound, ValidationFailed
from inventory.stock.context import StockContext

RULE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
EDITORS = ("admin", "store_keeper")


async def _equipment(
    stock: StockContext, facility_code: str, location_code: str, *, write: bool
) -> tuple[Facility, Location, Equipment]:
    facility = await stock.readable(facility_code, field="facility")
    if write:
        principal = stock.principal
        if principal.role not in EDITORS or not principal.can_write(facility.id):
            raise Forbidden(
                message="error.coldchain.rules.forbidden",
                params={"user": principal.username, "facility": facility.code},
                field="facility",
            )
    location = await stock.catalog.location(facility, location_code, field="location")
    equipment = await ColdChainRepository(stock.session).equipment_at(location.id, for_update=write)
    if equipment is None:
        raise NotFound(
            message="error.coldchain.no_equipment", params={"location": location.code}, field="location"
        )
    return facility, location, equipment


async def show(stock: StockContext, facility_code: str, location_code: str) -> c.AlarmRulesRead:
    """The rules a location's readings are judged by, each with whose it is (its type's or its own)."""
    facility, location, equipment = await _equipment(stock, facility_code, location_code, write=False)
    return _read(facility, location, equipment)


async def put(
    stock: StockContext,
    facility_code: str,
    location_code: str,
    name: str,
    cmd: c.AlarmRuleSet,
    *,
    key: str | None,
) -> c.AlarmRulesRead:
    """Create or replace the location's rule `name`; the same rule again changes nothing."""

    async def action() -> c.AlarmRulesRead:
        _check_name(name)
        facility, location, equipment = await _equipment(stock, facility_code, location_code, write=True)
        typed = {r.name: r for r in domain.DEFAULT_RULES[equipment.equipment_type]}
        if name in typed and typed[name].kind != cmd.kind:
            raise ValidationFailed(
                message="error.coldchain.rules.kind_differs",
                params={"name": name, "kind": typed[name].kind},
                field="kind",
            )
        if cmd.mode == "cumulative" and cmd.window_minutes is None:
            raise ValidationFailed(message="error.coldchain.rules.window_needed", field="window_minutes")
        if cmd.mode == "continuous" and cmd.window_minutes is not None:
            raise ValidationFailed(message="error.coldchain.rules.window_not_allowed", field="window_minutes")
        if cmd.window_minutes is not None and cmd.window_minutes < cmd.minutes:
            raise ValidationFailed(
                message="error.coldchain.rules.window_short",
                params={"window": cmd.window_minutes, "minutes": cmd.minutes},
                field="window_minutes",
            )
        rule = domain.AlarmRule(
            name, cmd.kind, cmd.mode, cmd.threshold_c, cmd.minutes, cmd.inclusive, cmd.window_minutes
        )
        own = [r for r in _own(equipment) if r["name"] != name]
        equipment.rules = json.dumps([*own, domain.rule_to_mapping(rule)], sort_keys=True)
        await stock.session.flush()
        return _read(facility, location, equipment)

    scope = f"alarm-rules:{facility_code}:{location_code}:{name}:put"
    return await stock.once(scope, cmd, key, action, result_type=c.AlarmRulesRead)


async def delete(
    stock: StockContext, facility_code: str, location_code: str, name: str, *, key: str | None
) -> c.AlarmRulesRead:
    """Remove the location's own rule `name` (its equipment type's rule, if any, applies again)."""

    async def action() -> c.AlarmRulesRead:
        facility, location, equipment = await _equipment(stock, facility_code, location_code, write=True)
        own = _own(equipment)
        if not any(r["name"] == name for r in own):
            raise NotFound(
                message="error.coldchain.rules.no_override",
                params={"name": name, "location": location.code},
                field="name",
            )
        kept = [r for r in own if r["name"] != name]
        equipment.rules = json.dumps(kept, sort_keys=True) if kept else None
        await stock.session.flush()
        return _read(facility, location, equipment)

    payload = {"facility": facility_code, "location": location_code, "name": name}
    scope = f"alarm-rules:{facility_code}:{location_code}:{name}:delete"
    return await stock.once(scope, payload, key, action, result_type=c.AlarmRulesRead)


def _check_name(name: str) -> None:
    if not RULE_NAME.match(name):
        raise ValidationFailed(message="error.coldchain.rules.name", params={"name": name[:80]}, field="name")


def _own(equipment: Equipment) -> list[dict[str, object]]:
    return list(json.loads(equipment.rules or "[]"))


def _read(facility: Facility, location: Location, equipment: Equipment) -> c.AlarmRulesRead:
    own = {str(r["name"]) for r in _own(equipment)}
    overrides = [domain.rule_from_mapping(r) for r in _own(equipment)]
    return c.AlarmRulesRead(
        facility.code,
        location.code,
        equipment.equipment_type,
        [
            c.AlarmRuleRead(
                r.name,
                r.kind,
                r.mode,
                r.threshold_c,
                r.minutes,
                r.inclusive,
                r.window_minutes,
                "location" if r.name in own else "type",
            )
            for r in domain.rules_for(equipment.equipment_type, overrides)
        ],
    )
