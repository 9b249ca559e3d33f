"""Every model, imported once so that Base.metadata knows all tables (migrations, tests)."""

from inventory.catalog.models import AdminUnit, AdminUnitSuccession, Facility, Location, Product
from inventory.stock.models import (
    Balance,
    IdempotencyRecord,
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

__all__ = [
    "AdminUnit",
    "AdminUnitSuccession",
    "Balance",
    "Facility",
    "IdempotencyRecord",
    "Location",
    "Lot",
    "LotEvent",
    "Movement",
    "Product",
    "Shipment",
    "ShipmentLine",
    "StockCount",
    "StockCountLine",
    "StockDocument",
    "UsageRecord",
]
