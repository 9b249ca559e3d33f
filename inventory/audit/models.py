"""The audit trail: who did what, when, from where, and what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId, UTCDateTime


class AuditEvent(Base):
    """One write; appended in the same transaction as the write itself, so a refused write leaves none."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(100), index=True)
    facility_code: Mapped[str | None] = mapped_column(String(32))
    entity: Mapped[str | None] = mapped_column(String(100))
    changes: Mapped[str] = mapped_column(Text)
    """JSON: what was asked and what resulted."""


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
