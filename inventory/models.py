"""Every model, imported once so that Base.metadata knows all tables (migrations, tests)."""

from inventory.alerts.models import (
    Alert,
    AlertDelivery,
    AlertEvaluation,
    AlertSetting,
    AlertSubscription,
    AlertWebhook,
)
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
from inventory.reports.models import ReportSetting, ReportSubmission
from inventory.routes.models import SupplyRoute
from inventory.stock.models import (
    Balance,
    LedgerChain,
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
from inventory.users.models import ApiToken, SignInFailure, User, UserSession

__all__ = [
    "AdminUnit",
    "AdminUnitSuccession",
    "Alert",
    "AlertDelivery",
    "AlertEvaluation",
    "AlertSetting",
    "AlertSubscription",
    "AlertWebhook",
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
    "LedgerChain",
    "Location",
    "LoggerDay",
    "LoggerFile",
    "Lot",
    "LotEvent",
    "LotPlaceState",
    "ManualReading",
    "Movement",
    "Product",
    "ReportSetting",
    "ReportSubmission",
    "ScheduleTable",
    "Shipment",
    "ShipmentLine",
    "SignInFailure",
    "StockCount",
    "StockCountLine",
    "StockDocument",
    "SupplyRoute",
    "TemperatureReading",
    "UsageRecord",
    "User",
    "UserSession",
]
