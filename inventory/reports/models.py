"""Submitted reports (frozen copies, versioned) and the reports' settings (thresholds, calendar days)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId, UTCDateTime


class ReportSubmission(Base):
    """A report as it stood when a facility submitted it; a correction is a new version, the first is kept."""

    __tablename__ = "report_submission"
    __table_args__ = (UniqueConstraint("kind", "period", "facility_code", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    """usage, results or stock."""
    period: Mapped[str] = mapped_column(String(16))
    """The period's label: 2026-11, 2026-Q4, 2026."""
    facility_code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    """The report's tables as JSON, exactly as submitted."""


class ReportSetting(Base):
    """One override of a report setting (a threshold or a calendar day); defaults in reports.domain."""

    __tablename__ = "report_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    """JSON."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
