"""The audit trail: who did what, when, from where, and what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId, UTCDateTime


class AuditEvent(Base):
    """One write; appended in the same transaction as the write itself, so a refused write leaves none."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_chain", "facility_code", "chain_seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(100), index=True)
    facility_code: Mapped[str | None] = mapped_column(String(32))
    entity: Mapped[str | None] = mapped_column(String(100))
    changes: Mapped[str] = mapped_column(Text)
    """JSON: what was asked and what resulted."""
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)
    """The event's number in its facility's audit chain. Set by the database (inventory/chain.py)."""
    chain_hash: Mapped[str | None] = mapped_column(String(64))
    """sha256 of the previous event's chain_hash and this event's canonical text. Set by the database."""


AUDIT_CHAIN_COLUMNS = frozenset({"chain_seq", "chain_hash"})
"""The audit columns the database fills in itself; writers leave them out."""


class IdempotencyRecord(Base):
    """The first result of a write, replayed when the same key comes again."""

    __tablename__ = "idempotency_record"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
