"""Every model, imported once so that Base.metadata knows all tables (migrations, tests)."""

from inventory.audit.models import AuditEvent, IdempotencyRecord
from inventory.catalog.models import AdminUnit, AdminUnitSuccession, Facility, Location, Product
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
from inventory.forecast.models import ForecastSetting
from inventory.register.models import Child, ChildDose, ScheduleTable
from inventory.stock.models import (
    Balance,
    Lot,
    LotEvent,
    LotPlaceState,
    Movement,
    Shipment,
    ShipmentLine,
    StockCount,
    StockCountLine,
    StockDocument,
    UsageRecord,
)
from inventory.users.models import ApiToken, LoginAttempt, User, UserSession

__all__ = [
    "AdminUnit",
    "AdminUnitSuccession",
    "ApiToken",
    "AuditEvent",
    "Balance",
    "Child",
    "ChildDose",
    "Equipment",
    "EquipmentStatus",
    "Excursion",
    "ExposedLot",
    "Facility",
    "ForecastSetting",
    "IdempotencyRecord",
    "Location",
    "LoggerDay",
    "LoggerFile",
    "LoginAttempt",
    "Lot",
    "LotEvent",
    "LotPlaceState",
    "ManualReading",
    "Movement",
    "Product",
    "ScheduleTable",
    "Shipment",
    "ShipmentLine",
    "StockCount",
    "StockCountLine",
    "StockDocument",
    "TemperatureReading",
    "UsageRecord",
    "User",
    "UserSession",
]
