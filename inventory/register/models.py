"""The children's register (personal data) and the schedule table in force."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId, UTCDateTime


class Child(Base):
    """A child in a commune's register; names and birth dates are personal data."""

    __tablename__ = "child"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    child_code: Mapped[str] = mapped_column(String(64), unique=True)
    """The id of the source register (commune book or national immunization system)."""
    name: Mapped[str | None] = mapped_column(String(200))
    carer: Mapped[str | None] = mapped_column(String(200))
    """The parent or carer to call to the vaccination day."""
    village: Mapped[str | None] = mapped_column(String(200))
    """The village (bản, thôn) where the child lives: health workers plan visits by it."""
    phone: Mapped[str | None] = mapped_column(String(32))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    commune_code_given: Mapped[str] = mapped_column(String(16))
    """The commune code as the source wrote it (possibly a pre-July-2025 code)."""
    commune_code: Mapped[str] = mapped_column(String(16), index=True)
    """The commune code now in force (mapped through the 2025 merger)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(200))


class ChildDose(Base):
    """A dose given to a child."""

    __tablename__ = "child_dose"
    __table_args__ = (UniqueConstraint("child_id", "antigen", "dose_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    antigen: Mapped[str] = mapped_column(String(16))
    dose_number: Mapped[int] = mapped_column(SmallInteger)
    given_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))


class ScheduleTable(Base):
    """A version of the EPI schedule table (all circulars) as CSV; the newest row is in force."""

    __tablename__ = "schedule_table"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    csv_text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    loaded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
