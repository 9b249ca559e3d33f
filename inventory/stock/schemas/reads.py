"""Reads of the ledger: documents and their vouchers, stock on hand, stock in transit, stock cards, the
verifier's report and the dashboard."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from inventory.stock.schemas.issues import ShipmentRead


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
