"""Adjustments, counts, usage and reversals: changes of stock at one facility that no shipment carries."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from inventory.stock.schemas.base import Code, Command, NonNegativeDoses, Reason, SignedDoses, Text


class AdjustmentLine(Command):
    product: Code
    lot_number: Code
    location: Code
    doses: SignedDoses
    reason: Code


class AdjustmentCreate(Command):
    facility: Code
    lines: Annotated[list[AdjustmentLine], msgspec.Meta(min_length=1, max_length=500)]
    occurred_on: date | None = None
    note: Text | None = None


class CountLine(Command):
    location: Code
    product: Code
    lot_number: Code
    counted_doses: NonNegativeDoses
    difference_reason: Code | None = None
    """Why the count differs from the ledger, if it does: an adjustment reason whose direction fits the
    difference (lost for fewer, found for more...); count_correction when not given."""


class CountCreate(Command):
    facility: Code
    lines: Annotated[list[CountLine], msgspec.Meta(min_length=1, max_length=2000)]
    counted_on: date | None = None


class CountLineRead(msgspec.Struct):
    location: str
    product: str
    lot_number: str
    counted_doses: int
    system_doses: int | None
    difference_reason: str | None = None


class CountRead(msgspec.Struct):
    id: int
    facility: str
    counted_on: date
    status: str
    document_id: int | None
    lines: list[CountLineRead]


class UsageLine(Command):
    product: Code
    lot_number: Code
    location: Code
    doses_administered: NonNegativeDoses
    vials_opened: NonNegativeDoses


class UsageCreate(Command):
    facility: Code
    lines: Annotated[list[UsageLine], msgspec.Meta(min_length=1, max_length=200)]
    session_on: date | None = None
    note: Text | None = None


class ReversalCreate(Command):
    reason: Reason
