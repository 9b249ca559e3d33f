"""API schemas for the cold chain: commands in, results out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from inventory.stock.schemas.base import Code, Command, Reason, Text, VVMStage

EquipmentType = Literal[
    "refrigerator",
    "freezer",
    "ice_lined_refrigerator",
    "solar_direct_drive",
    "cold_box",
    "vaccine_carrier",
    "cold_room",
]
EquipmentStatusName = Literal["working", "needs_repair", "broken", "decommissioned"]
Celsius = Annotated[float, msgspec.Meta(ge=-90, le=70, description="°C")]


class EquipmentCreate(Command):
    facility: Code
    location: Code
    equipment_type: EquipmentType
    pqs_code: Code | None = None
    model: Text | None = None
    net_volume_litres: Annotated[float, msgspec.Meta(gt=0, le=100_000)] | None = None
    energy_source: Literal["electricity", "solar", "kerosene", "gas", "passive"] | None = None
    installed_on: date | None = None
    logger_serial: Code | None = None


class StatusCreate(Command):
    status: EquipmentStatusName
    reason: Reason


class StatusRead(msgspec.Struct):
    status: str
    reason: str | None
    recorded_at: datetime
    recorded_by: str


class EquipmentRead(msgspec.Struct):
    facility: str
    location: str
    equipment_type: str
    pqs_code: str | None
    model: str | None
    net_volume_litres: float | None
    energy_source: str | None
    installed_on: date | None
    logger_serial: str | None
    status: str
    statuses: list[StatusRead]
    volume_used_litres: float | None = None
    """Doses at the location × packed volume per dose (catalogue)."""


class ReadingCreate(Command):
    """A twice-daily thermometer reading at a storage location."""

    facility: Code
    location: Code
    period: Literal["morning", "afternoon"]
    celsius: Celsius
    freeze_indicator: Literal["not_checked", "ok", "alarm"] = "not_checked"
    day: date | None = None
    note: Text | None = None


class ReadingRead(msgspec.Struct):
    facility: str
    location: str
    day: date
    period: str
    celsius: float
    freeze_indicator: str
    recorded_at: datetime
    recorded_by: str
    excursion_id: int | None = None


class ImportRead(msgspec.Struct):
    kind: str
    """fridgetag or csv."""
    facility: str
    location: str
    file_id: int
    already_imported: bool
    device_serial: str | None
    days_added: int
    days_already_known: int
    readings_added: int
    readings_already_known: int
    excursions: list[int]


class MovedRead(msgspec.Struct):
    """Doses of an exposed lot that left the excursion's location from its start on, and where they went."""

    facility: str
    location: str
    doses: int
    occurred_on: date
    document_id: int
    kind: str


class ExposedLotRead(msgspec.Struct):
    product: str
    lot_number: str
    doses: int
    decision: str | None
    vvm_stage: int | None
    shake_test_passed: bool | None
    reason: str | None
    decided_at: datetime | None
    decided_by: str | None
    document_id: int | None
    moved: list[MovedRead] = msgspec.field(default_factory=list)
    """Not held by this excursion where they are now: the people there check them (docs/coldchain.md)."""


class ExcursionRead(msgspec.Struct):
    id: int
    facility: str
    location: str
    kind: str
    rule: str
    source: str
    started_at: datetime
    alarm_at: datetime
    ended_at: datetime | None
    minutes_beyond: float | None
    extreme_c: float | None
    across_gap: bool
    status: str
    lots: list[ExposedLotRead]


class DecisionCreate(Command):
    """Release an exposed lot after a VVM reading (heat) or a shake test (freeze), or write it off."""

    product: Code
    lot_number: Code
    decision: Literal["release", "write_off"]
    reason: Reason
    vvm_stage: VVMStage | None = None
    shake_test_passed: bool | None = None


class AlarmRuleSet(Command):
    """A location's own excursion rule (replacing its equipment type's rule of the same name, or added)."""

    kind: Literal["heat", "freeze"]
    mode: Literal["continuous", "cumulative"]
    threshold_c: Celsius
    minutes: Annotated[int, msgspec.Meta(ge=0, le=43_200, description="minutes beyond the limit")]
    inclusive: bool = True
    """The limit itself breaches (WHO "at or above" / "at or below"); false: only beyond it."""
    window_minutes: Annotated[int, msgspec.Meta(ge=1, le=43_200)] | None = None
    """Cumulative rules only: the trailing window the minutes are summed in."""


class AlarmRuleRead(msgspec.Struct):
    name: str
    kind: str
    mode: str
    threshold_c: float
    minutes: int
    inclusive: bool
    window_minutes: int | None
    source: str
    """type: the equipment type's rule; location: the location's own (an override or an addition)."""


class AlarmRulesRead(msgspec.Struct):
    """The rules a location's readings are judged by: its equipment type's, with its own overrides."""

    facility: str
    location: str
    equipment_type: str
    rules: list[AlarmRuleRead]
