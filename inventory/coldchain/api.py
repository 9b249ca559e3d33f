"""JSON API for the cold chain: equipment, readings, logger imports, excursions and their decisions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody

from inventory.coldchain import reads
from inventory.coldchain import schemas as c
from inventory.coldchain.series import DEFAULT_ZONE, ColumnMapping
from inventory.coldchain.use_cases import alarm_rules, decisions, equipment, imports, readings
from inventory.stock.api.shared import IdempotencyKey, provide_stock
from inventory.stock.context import StockContext
from inventory.types import RowIdPath


@dataclass
class TemperatureUpload:
    """A Fridge-tag report or a logger CSV, as the `file` part of a multipart/form-data body."""

    file: UploadFile


RULES = "/facilities/{facility:str}/locations/{location:str}/alarm-rules"


class ColdChainController(Controller):
    path = "/api/v1"
    tags = ["cold chain"]
    dependencies = {"stock": Provide(provide_stock)}

    @post(
        "/equipment", operation_id="RegisterEquipment", summary="make a storage location cold-chain equipment"
    )
    async def register_equipment(
        self,
        stock: NamedDependency[StockContext],
        data: JSONBody[c.EquipmentCreate],
        idempotency_key: IdempotencyKey,
    ) -> c.EquipmentRead:
        return await equipment.register_equipment(stock, data, key=idempotency_key)

    @get("/equipment", operation_id="ListEquipment", summary="equipment with its status and volume in use")
    async def list_equipment(
        self, stock: NamedDependency[StockContext], facility: FromQuery[str | None] = None
    ) -> list[c.EquipmentRead]:
        return await reads.equipment_list(stock, facility)

    @post(
        "/facilities/{facility:str}/locations/{location:str}/status",
        operation_id="RecordEquipmentStatus",
        summary="append a status (working, needs repair, broken, decommissioned) with the reason",
    )
    async def record_status(
        self,
        stock: NamedDependency[StockContext],
        facility: FromPath[str],
        location: FromPath[str],
        data: JSONBody[c.StatusCreate],
        idempotency_key: IdempotencyKey,
    ) -> c.EquipmentRead:
        return await equipment.record_status(stock, facility, location, data, key=idempotency_key)

    @post("/readings", operation_id="RecordReading", summary="a twice-daily thermometer reading")
    async def record_reading(
        self,
        stock: NamedDependency[StockContext],
        data: JSONBody[c.ReadingCreate],
        idempotency_key: IdempotencyKey,
    ) -> c.ReadingRead:
        return await readings.record_reading(stock, data, key=idempotency_key)

    @post(
        "/facilities/{facility:str}/locations/{location:str}/temperature-files",
        operation_id="ImportTemperatureFile",
        summary="import a Fridge-tag 2 report or a logger CSV (told apart by content), all or nothing",
    )
    async def import_file(
        self,
        stock: NamedDependency[StockContext],
        facility: FromPath[str],
        location: FromPath[str],
        data: Annotated[TemperatureUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        idempotency_key: IdempotencyKey,
        time_column: FromQuery[str | None] = None,
        temperature_column: FromQuery[str | None] = None,
        unit: FromQuery[str | None] = None,
        zone: FromQuery[str] = DEFAULT_ZONE,
    ) -> c.ImportRead:
        content = await data.file.read()
        mapping = ColumnMapping(time_column, temperature_column, unit, zone)
        return await imports.import_file(
            stock,
            facility,
            location,
            data.file.filename or "upload",
            content,
            mapping=mapping,
            key=idempotency_key,
        )

    @get(
        "/excursions", operation_id="ListExcursions", summary="temperature excursions and their exposed lots"
    )
    async def list_excursions(
        self,
        stock: NamedDependency[StockContext],
        facility: FromQuery[str | None] = None,
        location: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
    ) -> list[c.ExcursionRead]:
        return await reads.excursions(stock, facility_code=facility, location_code=location, status=status)

    @get("/excursions/{excursion_id:int}", operation_id="GetExcursion")
    async def get_excursion(
        self, stock: NamedDependency[StockContext], excursion_id: FromPath[RowIdPath]
    ) -> c.ExcursionRead:
        return await reads.excursion(stock, excursion_id)

    @post(
        "/excursions/{excursion_id:int}/decisions",
        operation_id="DecideExposedLot",
        summary="release an exposed lot (VVM reading or shake test) or write it off",
    )
    async def decide(
        self,
        stock: NamedDependency[StockContext],
        excursion_id: FromPath[RowIdPath],
        data: JSONBody[c.DecisionCreate],
        idempotency_key: IdempotencyKey,
    ) -> c.ExcursionRead:
        return await decisions.decide(stock, excursion_id, data, key=idempotency_key)

    @get(
        RULES,
        operation_id="ListAlarmRules",
        summary="the excursion rules a location's readings are judged by",
    )
    async def list_rules(
        self, stock: NamedDependency[StockContext], facility: FromPath[str], location: FromPath[str]
    ) -> c.AlarmRulesRead:
        return await alarm_rules.show(stock, facility, location)

    @put(
        RULES + "/{name:str}",
        operation_id="SetAlarmRule",
        summary="create or replace a location's own excursion rule (admin, or the facility's store keeper)",
    )
    async def set_rule(
        self,
        stock: NamedDependency[StockContext],
        facility: FromPath[str],
        location: FromPath[str],
        name: FromPath[str],
        data: JSONBody[c.AlarmRuleSet],
        idempotency_key: IdempotencyKey,
    ) -> c.AlarmRulesRead:
        return await alarm_rules.put(stock, facility, location, name, data, key=idempotency_key)

    @delete(
        RULES + "/{name:str}",
        operation_id="DeleteAlarmRule",
        summary="remove a location's own excursion rule: its equipment type's rule applies again",
        status_code=200,
    )
    async def delete_rule(
        self,
        stock: NamedDependency[StockContext],
        facility: FromPath[str],
        location: FromPath[str],
        name: FromPath[str],
        idempotency_key: IdempotencyKey,
    ) -> c.AlarmRulesRead:
        return await alarm_rules.delete(stock, facility, location, name, key=idempotency_key)
