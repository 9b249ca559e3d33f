"""API schemas for the ledger: commands in, results out. Never ORM models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

PositiveDoses = Annotated[int, msgspec.Meta(gt=0, le=10_000_000, description="doses, a positive integer")]
NonNegativeDoses = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
SignedDoses = Annotated[
    int, msgspec.Meta(ge=-10_000_000, le=10_000_000, description="doses, signed, not zero")
]
VVMStage = Annotated[int, msgspec.Meta(ge=1, le=4, description="VVM stage 1-4")]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Text = Annotated[str, msgspec.Meta(max_length=2000)]
Reference = Annotated[str, msgspec.Meta(max_length=100)]
"""A document's reference (voucher number): what its column holds."""
Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=2000)]


class Command(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every write command: unknown fields are refused, and so is a NUL character in any text
    (PostgreSQL cannot store one; the error names the field instead of failing in the database)."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"`{name}` contains a NUL character")


# ---- receipts ----------------------------------------------------------------------------------------------


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


# ---- issues, proposals, shipments --------------------------------------------------------------------------


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


# ---- transfers, returns, adjustments, counts, usage, reversals ---------------------------------------------


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


# ---- lots --------------------------------------------------------------------------------------------------


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


# ---- documents and views -----------------------------------------------------------------------------------


class MovementRead(msgspec.Struct):
    id: int
    kind: str
    location: str
    product: str
    lot_number: str
    doses: int
    reason: str | None = None
    reverses_movement_id: int | None = None


class DocumentRead(msgspec.Struct):
    id: int
    kind: str
    facility: str
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    movements: list[MovementRead]
    counterparty: str | None = None
    reference: str | None = None
    note: str | None = None
    override_reason: str | None = None
    reverses_document_id: int | None = None
    shipment_id: int | None = None
    reversed_by_document_id: int | None = None
    """The reversal that cancelled this document, if one did."""


class VoucherLine(msgspec.Struct):
    product: str
    product_name: str
    lot_number: str
    expires_on: date
    vvm_stage: int
    location: str
    doses: int
    doses_per_vial: int
    vials: int
    part_vial_doses: int


class Voucher(msgspec.Struct):
    """A receipt voucher (phiếu nhập kho) or issue voucher (phiếu xuất kho) as people sign it: names, not codes."""

    document_id: int
    kind: str
    """receipt or issue: which form this is."""
    document_kind: str
    number: str
    occurred_on: date
    facility: str
    facility_name: str
    counterparty: str | None
    counterparty_name: str | None
    recorded_by: str
    recorded_by_name: str
    lines: list[VoucherLine]
    total_doses: int
    total_vials: int
    reference: str | None = None
    note: str | None = None
    shipment_id: int | None = None
    reverses_document_id: int | None = None
    reversed_by_document_id: int | None = None


class StockRow(msgspec.Struct):
    product: str
    lot_number: str
    expires_on: date
    vvm_stage: int
    on_hold: bool
    location: str
    doses: int
    vials: int
    part_vial_doses: int
    usable: bool


class ProductTotal(msgspec.Struct):
    product: str
    doses: int
    usable_doses: int
    vials: int


class StockOnHand(msgspec.Struct):
    """One page of the rows (product, expiry, lot number, location order) and the totals of all of them."""

    facility: str
    as_of: date
    rows: list[StockRow]
    totals: list[ProductTotal]
    total: int = 0
    """How many rows there are in all pages."""
    limit: int = 0
    offset: int = 0
    next: str | None = None
    """The link to the following page (same filters), or null on the last one."""


class DocumentPage(msgspec.Struct):
    """One page of a facility's documents, the latest day first, then the latest recorded."""

    items: list[DocumentRead]
    total: int
    limit: int
    offset: int
    next: str | None


class ShipmentPage(msgspec.Struct):
    """One page of a facility's shipments in and out, newest first."""

    items: list[ShipmentRead]
    total: int
    limit: int
    offset: int
    next: str | None


class LotPage(msgspec.Struct):
    """One page of lots by product, expiry and lot number."""

    items: list[LotRead]
    total: int
    limit: int
    offset: int
    next: str | None


class InTransitRow(msgspec.Struct):
    shipment_id: int
    from_facility: str
    to_facility: str
    dispatched_on: date
    product: str
    lot_number: str
    expires_on: date
    doses: int


class StockCardLine(msgspec.Struct):
    occurred_on: date
    document_id: int
    kind: str
    location: str
    counterparty: str | None
    reason: str | None
    received: int
    issued: int
    balance: int
    recorded_by: str


class StockCard(msgspec.Struct):
    facility: str
    product: str
    lot_number: str
    expires_on: date
    date_from: date
    date_to: date
    opening_balance: int
    lines: list[StockCardLine]
    total_received: int
    total_issued: int
    closing_balance: int


class VerifyMismatch(msgspec.Struct):
    location_id: int
    lot_id: int
    balance: int
    ledger: int


class VerifyChainBreak(msgspec.Struct):
    """The first row of a hash chain that does not prove itself (docs/ledgerproof.md): `reason` is `hash`
    (its contents or its place are not what was chained), `gap` (rows missing before it), `unchained` (no
    hash, or in another facility's chain) or `head` (the chain's head is not its last row: rows missing at
    its end; `row_id` is then the last row found)."""

    table: str
    chain: str
    row_id: int | None
    seq: int | None
    reason: str


class VerifyNegativeDay(msgspec.Struct):
    """A (location, lot) whose balance was below zero at the end of `day`; `movement_id`: that day's first draw
    there."""

    facility: str
    location: str
    product: str
    lot_number: str
    day: date
    doses: int
    movement_id: int


class VerifyTransitGap(msgspec.Struct):
    """A destination's transit balance of a lot that differs from the doses on its shipments in transit."""

    facility_id: int
    lot_id: int
    transit: int
    shipments: int


class VerifyReport(msgspec.Struct):
    ok: bool
    pairs_checked: int
    mismatches: list[VerifyMismatch]
    transit_mismatches: list[str] = []
    chains_checked: int = 0
    rows_chained: int = 0
    chain_breaks: list[VerifyChainBreak] = []
    negative_days: list[VerifyNegativeDay] = []
    transit_gaps: list[VerifyTransitGap] = []


class ProductOverview(msgspec.Struct):
    product: str
    name: str
    doses: int
    usable_doses: int
    vials: int
    monthly_outflow: int
    months_of_stock: float | None


class Dashboard(msgspec.Struct):
    facility: str
    facility_name: str
    as_of: date
    products: list[ProductOverview]
    expiring: list[StockRow]
    on_hold: list[StockRow]
    unusable: list[StockRow]
    awaiting: list[ShipmentRead]
    sent: list[ShipmentRead]
