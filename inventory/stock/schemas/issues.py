"""Issues, returns and transfers: stock that leaves a facility or a location, the lots proposed for it, and
the shipments it travels in until the receiver confirms them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from inventory.stock.schemas.base import (
    Code,
    Command,
    NonNegativeDoses,
    PositiveDoses,
    Reason,
    Reference,
    Text,
    VVMStage,
)


class IssueLine(Command):
    """A product and doses; with lot_number and location it is an explicit choice, else the server picks."""

    product: Code
    doses: PositiveDoses
    lot_number: Code | None = None
    location: Code | None = None


class IssueCreate(Command):
    facility: Code
    to_facility: Code
    lines: Annotated[list[IssueLine], msgspec.Meta(min_length=1, max_length=500)]
    occurred_on: date | None = None
    reference: Reference | None = None
    note: Text | None = None
    override_reason: Reason | None = None
    """Required when explicit lots differ from the server's proposal."""


class PeerTransferCreate(Command):
    """Stock sent to a peer (a facility of the same level with the same supplier), with the reason; in
    transit until the peer confirms it, like an issue."""

    facility: Code
    to_facility: Code
    reason: Reason
    lines: Annotated[list[IssueLine], msgspec.Meta(min_length=1, max_length=500)]
    occurred_on: date | None = None
    reference: Reference | None = None
    override_reason: Reason | None = None
    """Required when explicit lots differ from the server's proposal."""


class ProposalRequest(Command):
    facility: Code
    product: Code
    doses: PositiveDoses
    occurred_on: date | None = None


class ProposedLot(msgspec.Struct):
    lot_number: str
    location: str
    doses: int
    vials: int
    expires_on: date
    vvm_stage: int


class Proposal(msgspec.Struct):
    facility: str
    product: str
    doses: int
    lots: list[ProposedLot]


class ShipmentLineConfirm(Command):
    product: Code
    lot_number: Code
    doses_received: NonNegativeDoses
    vvm_stage: VVMStage
    freeze_indicator_alarm: bool = False
    difference_reason: Code | None = None


class ShipmentConfirm(Command):
    lines: Annotated[list[ShipmentLineConfirm], msgspec.Meta(min_length=1, max_length=500)]
    location: Code | None = None
    occurred_on: date | None = None
    note: Text | None = None
    confirm_over_capacity: bool = False
    """Save even if a cold-chain location's net storage volume is exceeded (without it: 409 over_capacity)."""


class ShipmentLineRead(msgspec.Struct):
    product: str
    lot_number: str
    expires_on: date
    doses_sent: int
    doses_received: int | None
    vvm_stage_on_arrival: int | None
    freeze_indicator_alarm: bool | None
    difference_reason: str | None


class ShipmentRead(msgspec.Struct):
    id: int
    from_facility: str
    to_facility: str
    status: str
    dispatched_on: date
    issue_document_id: int
    receipt_document_id: int | None
    lines: list[ShipmentLineRead]


class ShipmentPage(msgspec.Struct):
    """One page of a facility's shipments in and out, newest first."""

    items: list[ShipmentRead]
    total: int
    limit: int
    offset: int
    next: str | None


class TransferLine(Command):
    product: Code
    lot_number: Code
    doses: PositiveDoses


class TransferCreate(Command):
    facility: Code
    from_location: Code
    to_location: Code
    lines: Annotated[list[TransferLine], msgspec.Meta(min_length=1, max_length=500)]
    occurred_on: date | None = None
    note: Text | None = None
    confirm_over_capacity: bool = False
    """Save even if a cold-chain location's net storage volume is exceeded (without it: 409 over_capacity)."""


class ReturnLine(Command):
    product: Code
    lot_number: Code
    location: Code
    doses: PositiveDoses


class ReturnCreate(Command):
    facility: Code
    reason: Reason
    lines: Annotated[list[ReturnLine], msgspec.Meta(min_length=1, max_length=500)]
    to_facility: Code | None = None
    occurred_on: date | None = None
