"""Alerts (one row per condition while it lasts, kept after it ends), their thresholds, and deliveries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.stock.models import Movement, StockDocument
from inventory.types import BigId, UTCDateTime

SEVERITIES = ("critical", "warning", "info")

MOVEMENTS_BY_DAY = Index(
    "ix_movement_occurred_on",
    Movement.occurred_on,
    postgresql_using="brin",
    postgresql_with={"autosummarize": "on"},
)
"""A window of days of the ledger (migration 0006_alerts; recent consumption now reads OUTFLOW_BY_DAY). Movements are appended in (nearly) day order, so on
PostgreSQL a BRIN index finds a window for almost no cost to postings (autovacuum summarises each new range
as it fills); SQLite gets a plain index."""
OUTFLOW_BY_DAY = Index(
    "ix_movement_outflow_by_day",
    Movement.occurred_on,
    postgresql_include=["location_id", "lot_id", "doses"],
    postgresql_where=text("doses < 0 AND kind IN ('issue', 'usage', 'adjustment', 'return')"),
    sqlite_where=text("doses < 0 AND kind IN ('issue', 'usage', 'adjustment', 'return')"),
)
"""Recent consumption on PostgreSQL: the outflow movements of a window are an index-only scan (no heap visit,
no filter); only outflow rows are indexed, so a receipt costs nothing more (migration 0014_alerts2)."""
DOCUMENTS_BY_FACILITY_DAY = Index(
    "ix_stock_document_facility_day", StockDocument.facility_id, StockDocument.occurred_on
)
"""A facility's first posting (count overdue, reports owed) is one index step per facility."""


class Alert(Base):
    """One condition at one facility (and product, lot, location or shipment), from when it began to when it
    ended. At most one open alert per condition key: the evaluation updates it while the condition lasts and
    sets resolved_at when it ends; a later recurrence is a new row, so the history is kept."""

    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint("severity IN ('critical', 'warning', 'info')", name="severity_known"),
        CheckConstraint("severity_rank BETWEEN 1 AND 3", name="severity_rank_range"),
        Index(
            "ux_alert_open_key",
            "key",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index(
            "ix_alert_open_facility",
            "facility_id",
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_alert_resolved_at", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(160))
    """kind:facility:product:lot:location:shipment: what makes two observations the same condition."""
    kind: Mapped[str] = mapped_column(String(40), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id"))
    severity: Mapped[str] = mapped_column(String(10))
    severity_rank: Mapped[int] = mapped_column(SmallInteger)
    """1 critical, 2 warning, 3 info: sorts and filters without a CASE."""
    numbers: Mapped[str] = mapped_column(Text)
    """JSON: the numbers behind the alert (doses, months, thresholds, days...)."""
    since: Mapped[date] = mapped_column(Date)
    """The Vietnamese day the condition was first seen (or, where the data says so, began)."""
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledgement_note: Mapped[str | None] = mapped_column(Text)


class AlertSetting(Base):
    """One override of one alert threshold, for a product, a facility, or a facility × product
    (defaults live in inventory.alerts.domain.Thresholds)."""

    __tablename__ = "alert_setting"
    __table_args__ = (UniqueConstraint("facility_code", "product_code", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    facility_code: Mapped[str] = mapped_column(String(32), default="")
    product_code: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    """JSON."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))


class AlertSubscription(Base):
    """Where a user's daily digest goes, and in which language."""

    __tablename__ = "alert_subscription"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AlertWebhook(Base):
    """A facility's webhook (an SMS or chat gateway): each digest is POSTed, signed with HMAC-SHA256."""

    __tablename__ = "alert_webhook"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AlertDelivery(Base):
    """One digest for one recipient on one day: recorded before it is sent, so that it is sent at most once
    and a failure is retried and visible (status, attempts, last error)."""

    __tablename__ = "alert_delivery"
    __table_args__ = (
        UniqueConstraint("channel", "recipient", "digest_on"),
        CheckConstraint("channel IN ('email', 'webhook')", name="channel_known"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(100))
    """A username (e-mail) or a facility code (webhook)."""
    digest_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    """JSON: the alert ids (new, resolved, still open) the digest carries."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """A run sending it holds it until then: two runs at once never both send it."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertEvaluation(Base):
    """One run of the evaluation: when, for which day, and what it changed."""

    __tablename__ = "alert_evaluation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    evaluated_on: Mapped[date] = mapped_column(Date)
    opened: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    still_open: Mapped[int] = mapped_column(Integer)
