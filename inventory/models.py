"""Every model, imported once so that Base.metadata knows all tables (migrations, tests)."""

from inventory.audit.models import AuditEvent, IdempotencyRecord
from inventory.catalog.models import AdminUnit, AdminUnitSuccession, Facility, Location, Product
from inventory.forecast.models import ForecastSetting
from inventory.register.models import Child, ChildDose, ScheduleTable
from inventory.reports.models import ReportSetting, ReportSubmission
from inventory.stock.models import (
    Balance,
    Lot,
    LotEvent,
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
    "Facility",
    "ForecastSetting",
    "IdempotencyRecord",
    "Location",
    "LoginAttempt",
    "Lot",
    "LotEvent",
    "Movement",
    "Product",
    "ReportSetting",
    "ReportSubmission",
    "ScheduleTable",
    "Shipment",
    "ShipmentLine",
    "StockCount",
    "StockCountLine",
    "StockDocument",
    "UsageRecord",
    "User",
    "UserSession",
]
