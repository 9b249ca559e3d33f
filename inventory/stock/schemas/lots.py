"""Lots: VVM readings, holds and releases, and what is known of a lot at each place."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from inventory.stock.schemas.base import Code, Command, Reason, Text, VVMStage


class VVMUpdate(Command):
    """A VVM reading where the lot is: at `location` of `facility`, at the facility's storage locations, or
    (neither given) at every place with stock of the lot."""

    vvm_stage: VVMStage
    facility: Code | None = None
    note: Text | None = None
    location: Code | None = None


class HoldUpdate(Command):
    """A hold or release where the lot is: at `location` of `facility`, at the facility's storage locations,
    or (neither given) at every place with stock of the lot that the user may record for."""

    reason: Reason
    facility: Code | None = None
    location: Code | None = None


class LotKey(msgspec.Struct):
    """A lot by its product and number (a choice in a form)."""

    product: str
    lot_number: str


class LotEventRead(msgspec.Struct):
    kind: str
    vvm_stage: int | None
    reason: str | None
    recorded_at: datetime
    recorded_by: str


class LotPlaceRead(msgspec.Struct):
    facility: str
    location: str
    vvm_stage: int
    on_hold: bool
    hold_reason: str | None
    doses: int


class LotRead(msgspec.Struct):
    id: int
    product: str
    lot_number: str
    expires_on: date
    manufacturer: str | None
    gtin: str | None
    vvm_stage: int
    """The darkest stage known at any place."""
    on_hold: bool
    """On hold at some place (see `places`)."""
    hold_reason: str | None
    history: list[LotEventRead] = []
    places: list[LotPlaceRead] = []
    """The lot's VVM stage and hold at each storage location that has a state of its own."""


class LotPage(msgspec.Struct):
    """One page of lots by product, expiry and lot number."""

    items: list[LotRead]
    total: int
    limit: int
    offset: int
    next: str | None
