"""Receipts: stock received from the supplier, or straight from a source outside the supply chain."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from inventory.stock.schemas.base import Code, Command, PositiveDoses, Reason, Reference, Text, VVMStage


class ReceiptLine(Command):
    product: Code
    lot_number: Code
    expires_on: date
    doses: PositiveDoses
    location: Code
    manufacturer: Text | None = None
    gtin: Annotated[str, msgspec.Meta(pattern=r"^\d{8,14}$")] | None = None
    vvm_stage: VVMStage = 1


class ReceiptCreate(Command):
    facility: Code
    lines: Annotated[list[ReceiptLine], msgspec.Meta(min_length=1, max_length=500)]
    occurred_on: date | None = None
    supplier: Code | None = None
    reference: Reference | None = None
    note: Text | None = None
    confirm_over_capacity: bool = False
    """Save even if a cold-chain location's net storage volume is exceeded (without it: 409 over_capacity)."""


class DirectReceiptCreate(Command):
    """Stock received straight from a source outside the supply chain (a campaign delivery, say): the reason
    names the source and why it did not come through the supplier."""

    facility: Code
    reason: Reason
    lines: Annotated[list[ReceiptLine], msgspec.Meta(min_length=1, max_length=500)]
    occurred_on: date | None = None
    reference: Reference | None = None
    confirm_over_capacity: bool = False
    """Save even if a cold-chain location's net storage volume is exceeded (without it: 409 over_capacity)."""
