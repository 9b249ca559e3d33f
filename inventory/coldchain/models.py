"""Cold chain: equipment at storage locations, its status log, manual readings, logger files, day summaries and
series, excursions and the lots they exposed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId, UTCDateTime


class Equipment(Base):
    """A storage location as a piece of cold-chain equipment."""

    __tablename__ = "equipment"
    __table_args__ = (
        CheckConstraint(
            "equipment_type IN ('refrigerator', 'freezer', 'ice_lined_refrigerator', 'solar_direct_drive', "
            "'cold_box', 'vaccine_carrier', 'cold_room')",
            name="type_known",
        ),
        CheckConstraint("net_volume_litres IS NULL OR net_volume_litres > 0", name="volume_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), unique=True)
    equipment_type: Mapped[str] = mapped_column(String(32))
    pqs_code: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(200))
    net_volume_litres: Mapped[float | None] = mapped_column(Numeric(8, 1))
    energy_source: Mapped[str | None] = mapped_column(String(32))
    installed_on: Mapped[date | None] = mapped_column(Date)
    logger_serial: Mapped[str | None] = mapped_column(String(64), unique=True)
    """The 30-day recorder attached (Fridge-tag serial); one device is attached to one location."""
    rules: Mapped[str | None] = mapped_column(Text)
    """The location's overrides of its type's excursion rules (JSON list); None: the type's rules."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class EquipmentStatus(Base):
    """The equipment's status, appended, never edited: working, needs repair, broken, decommissioned."""

    __tablename__ = "equipment_status"
    __table_args__ = (
        CheckConstraint(
            "status IN ('working', 'needs_repair', 'broken', 'decommissioned')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))


class ManualReading(Base):
    """A twice-daily reading of a location's thermometer (TT 34/2018): morning or afternoon."""

    __tablename__ = "manual_reading"
    __table_args__ = (
        UniqueConstraint("location_id", "day", "period"),
        CheckConstraint("period IN ('morning', 'afternoon')", name="period_known"),
        CheckConstraint("freeze_indicator IN ('not_checked', 'ok', 'alarm')", name="indicator_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    day: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(16))
    celsius: Mapped[float] = mapped_column(Numeric(4, 1))
    freeze_indicator: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))


class LoggerFile(Base):
    """A file imported for a location, kept as evidence: a Fridge-tag report (with its signature) or a CSV."""

    __tablename__ = "logger_file"
    __table_args__ = (
        UniqueConstraint("location_id", "sha256"),
        CheckConstraint("kind IN ('fridgetag', 'csv')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    device_serial: Mapped[str | None] = mapped_column(String(64))
    rules: Mapped[str | None] = mapped_column(Text)
    """A Fridge-tag report's own alarm rules (JSON), applied to its days."""
    time_zone: Mapped[str] = mapped_column(String(64))
    days_added: Mapped[int] = mapped_column(Integer, default=0)
    readings_added: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(100))


class LoggerDay(Base):
    """One day of a 30-day recorder, once per device and day however many reports repeat it."""

    __tablename__ = "logger_day"
    __table_args__ = (UniqueConstraint("device_serial", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("logger_file.id"), index=True)
    device_serial: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    min_c: Mapped[float | None] = mapped_column(Float)
    max_c: Mapped[float | None] = mapped_column(Float)
    avg_c: Mapped[float | None] = mapped_column(Float)
    """None: the device has no data for the day (never 0 °C)."""
    min_at: Mapped[str | None] = mapped_column(String(5))
    max_at: Mapped[str | None] = mapped_column(String(5))
    low_minutes: Mapped[int | None] = mapped_column(Integer)
    low_alarm_at: Mapped[str | None] = mapped_column(String(5))
    high_minutes: Mapped[int | None] = mapped_column(Integer)
    high_alarm_at: Mapped[str | None] = mapped_column(String(5))
    sensor_timeout_minutes: Mapped[int | None] = mapped_column(Integer)
    events: Mapped[int | None] = mapped_column(Integer)
    checked_am: Mapped[str | None] = mapped_column(String(5))
    checked_pm: Mapped[str | None] = mapped_column(String(5))


class TemperatureReading(Base):
    """A logged temperature of a location at an instant (generic logger series); once per instant.

    No foreign keys: a year of 5-minute readings is 105,000 rows per fridge, and PostgreSQL checks a foreign
    key row by row (a trigger per row), which would make a bulk COPY several times slower. The import use case
    resolves the location and writes its file first, in the same transaction."""

    __tablename__ = "temperature_reading"

    location_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    celsius: Mapped[float] = mapped_column(Float)
    file_id: Mapped[int | None] = mapped_column(BigId)


class Excursion(Base):
    """A location's temperature beyond a rule: the exposed lots there are held until each is decided."""

    __tablename__ = "excursion"
    __table_args__ = (
        UniqueConstraint("location_id", "rule", "alarm_at"),
        CheckConstraint("kind IN ('heat', 'freeze')", name="kind_known"),
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        CheckConstraint("source IN ('manual', 'fridgetag', 'series')", name="source_known"),
        Index("ix_excursion_location_status", "location_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    kind: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    alarm_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_beyond: Mapped[float | None] = mapped_column(Float)
    extreme_c: Mapped[float | None] = mapped_column(Float)
    across_gap: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="open")
    manual_reading_id: Mapped[int | None] = mapped_column(ForeignKey("manual_reading.id"))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("logger_file.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExposedLot(Base):
    """A lot with stock at the excursion's location during it: held there until released or written off."""

    __tablename__ = "exposed_lot"
    __table_args__ = (
        UniqueConstraint("excursion_id", "lot_id"),
        CheckConstraint("decision IS NULL OR decision IN ('release', 'write_off')", name="decision_known"),
        CheckConstraint("vvm_stage IS NULL OR vvm_stage BETWEEN 1 AND 4", name="vvm_stage_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    excursion_id: Mapped[int] = mapped_column(ForeignKey("excursion.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    doses: Mapped[int] = mapped_column(Integer)
    """Doses at the location when the excursion was found."""
    decision: Mapped[str | None] = mapped_column(String(16))
    vvm_stage: Mapped[int | None] = mapped_column(SmallInteger)
    shake_test_passed: Mapped[bool | None] = mapped_column(Boolean)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stock_document.id"))
    """The write-off adjustment."""
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
