"""The ledger: lots, documents, append-only movements, balances, shipments, counts, usage."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId, UTCDateTime

MOVEMENT_KINDS = (
    "receipt",
    "direct_receipt",
    "issue",
    "peer_transfer",
    "shipment_receipt",
    "transfer",
    "return",
    "adjustment",
    "count",
    "usage",
    "reversal",
)


class Lot(Base):
    """A manufacturer's lot of one product; unique per product and lot number."""

    __tablename__ = "lot"
    __table_args__ = (
        UniqueConstraint("product_id", "lot_number"),
        CheckConstraint("vvm_stage BETWEEN 1 AND 4", name="vvm_stage_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    lot_number: Mapped[str] = mapped_column(String(64))
    expires_on: Mapped[date] = mapped_column(Date)
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14))
    vvm_stage: Mapped[int] = mapped_column(SmallInteger, default=1)
    """The stage known for the whole lot (on its first receipt): the stage at a place that has no reading of
    its own. VVM readings and holds belong to the lot at a place (LotPlaceState)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LotPlaceState(Base):
    """A lot's VVM stage and hold at one storage location: a commune's freeze does not block the district's
    stock of the same lot. A (location, lot) without a row is at the lot's stage and not on hold."""

    __tablename__ = "lot_place_state"
    __table_args__ = (CheckConstraint("vvm_stage BETWEEN 1 AND 4", name="vvm_stage_range"),)

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True, index=True)
    vvm_stage: Mapped[int] = mapped_column(SmallInteger)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))


class LotEvent(Base):
    """The history of a lot's VVM stage and hold flag: appended, never edited."""

    __tablename__ = "lot_event"
    __table_args__ = (CheckConstraint("kind IN ('vvm', 'hold', 'release')", name="kind_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    vvm_stage: Mapped[int | None] = mapped_column(SmallInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    """The place the reading or hold is about (None: events from before lot state was per place)."""
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stock_document.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))


class StockDocument(Base):
    """One posting: a receipt, an issue, a count... Its movements post together or not at all."""

    __tablename__ = "stock_document"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    """The Vietnamese calendar day the stock moved (may be back-dated within the window)."""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    reverses_document_id: Mapped[int | None] = mapped_column(ForeignKey("stock_document.id"), unique=True)


class Movement(Base):
    """One signed change of doses at one (location, lot). Never updated, never deleted."""

    __tablename__ = "movement"
    __table_args__ = (
        CheckConstraint("doses <> 0", name="doses_nonzero"),
        Index("ix_movement_location_lot_day", "location_id", "lot_id", "occurred_on"),
        Index("ix_movement_chain", "facility_id", "chain_seq", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("stock_document.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    doses: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    reverses_movement_id: Mapped[int | None] = mapped_column(ForeignKey("movement.id"), unique=True)
    facility_id: Mapped[int | None] = mapped_column(BigInteger)
    """The facility of the location: the chain this movement belongs to. Set by the database."""
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)
    """The movement's number in its facility's chain (1, 2, 3...). Set by the database (inventory/chain.py)."""
    chain_hash: Mapped[str | None] = mapped_column(String(64))
    """sha256 of the previous movement's chain_hash and this movement's canonical text. Set by the database."""


MOVEMENT_CHAIN_COLUMNS = frozenset({"facility_id", "chain_seq", "chain_hash"})
"""The movement columns the database fills in itself; writers leave them out."""


class LedgerChain(Base):
    """The head of one hash chain (`movement:<facility id>` or `audit:<facility code>`): its last row's number
    and hash, moved by the database's insert triggers (migration 0006); `vaxstock verify` checks it."""

    __tablename__ = "ledger_chain"

    chain: Mapped[str] = mapped_column(String(80), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class Balance(Base):
    """Doses on hand per (location, lot), changed only together with the ledger."""

    __tablename__ = "balance"
    __table_args__ = (CheckConstraint("doses >= 0", name="doses_never_negative"),)

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    doses: Mapped[int] = mapped_column(Integer)


class Shipment(Base):
    """Stock issued to another facility, in transit until the destination confirms it."""

    __tablename__ = "shipment"
    __table_args__ = (
        CheckConstraint("status IN ('in_transit', 'received', 'cancelled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    issue_document_id: Mapped[int] = mapped_column(ForeignKey("stock_document.id"), unique=True)
    from_facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    to_facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="in_transit")
    dispatched_on: Mapped[date] = mapped_column(Date)
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("stock_document.id"), unique=True)


class ShipmentLine(Base):
    """A lot on a shipment: doses sent, and what the destination confirmed on arrival."""

    __tablename__ = "shipment_line"
    __table_args__ = (UniqueConstraint("shipment_id", "lot_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    doses_sent: Mapped[int] = mapped_column(Integer)
    doses_received: Mapped[int | None] = mapped_column(Integer)
    vvm_stage_on_arrival: Mapped[int | None] = mapped_column(SmallInteger)
    freeze_indicator_alarm: Mapped[bool | None] = mapped_column(Boolean)
    difference_reason: Mapped[str | None] = mapped_column(String(32))


class StockCount(Base):
    """A physical count of a facility; submitting it posts the differences."""

    __tablename__ = "stock_count"
    __table_args__ = (CheckConstraint("status IN ('draft', 'submitted')", name="status_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    counted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stock_document.id"), unique=True)


class StockCountLine(Base):
    __tablename__ = "stock_count_line"
    __table_args__ = (
        UniqueConstraint("count_id", "location_id", "lot_id"),
        CheckConstraint("counted_doses >= 0", name="counted_doses_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_count.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    counted_doses: Mapped[int] = mapped_column(Integer)
    system_doses: Mapped[int | None] = mapped_column(Integer)
    difference_reason: Mapped[str | None] = mapped_column(String(32))
    """Why the count differs from the ledger (an adjustment reason); count_correction when none is given."""


class UsageRecord(Base):
    """A vaccination day at a commune: doses given and vials opened, for open-vial wastage."""

    __tablename__ = "usage_record"
    __table_args__ = (
        CheckConstraint("doses_administered >= 0", name="administered_not_negative"),
        CheckConstraint("vials_opened >= 0", name="vials_opened_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("stock_document.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    session_on: Mapped[date] = mapped_column(Date)
    doses_administered: Mapped[int] = mapped_column(Integer)
    vials_opened: Mapped[int] = mapped_column(Integer)
