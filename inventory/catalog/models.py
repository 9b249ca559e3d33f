"""Products, administrative units, facilities and their storage locations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId

FACILITY_LEVELS = ("province", "district", "commune")
LOCATION_KINDS = ("fridge", "freezer", "cold_box", "vaccine_carrier", "transit")
ADMIN_UNIT_KINDS = ("province", "district", "town", "commune", "ward")


class Product(Base):
    """A vaccine or diluent presentation in the EPI catalogue; values are data, editable."""

    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("doses_per_vial > 0", name="doses_per_vial_positive"),
        CheckConstraint("vials_per_pack > 0", name="vials_per_pack_positive"),
        CheckConstraint("presentation IN ('liquid', 'lyophilised')", name="presentation_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    antigen: Mapped[str] = mapped_column(String(64))
    doses_per_vial: Mapped[int] = mapped_column(Integer)
    vials_per_pack: Mapped[int] = mapped_column(Integer)
    presentation: Mapped[str] = mapped_column(String(16))
    is_diluent: Mapped[bool] = mapped_column(Boolean, default=False)
    freeze_sensitive: Mapped[bool] = mapped_column(Boolean)
    vvm_type: Mapped[str | None] = mapped_column(String(16))
    keep_opened_vial: Mapped[bool] = mapped_column(Boolean)
    """Multi-dose vial policy: an opened vial may be kept up to 28 days; otherwise discarded after 6 h."""
    packed_volume_cm3: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    """Packed volume per dose."""
    diluent_code: Mapped[str | None] = mapped_column(String(32))
    gtin: Mapped[str | None] = mapped_column(String(14))
    notes: Mapped[str | None] = mapped_column(Text)

    @property
    def doses_per_pack(self) -> int:
        return self.doses_per_vial * self.vials_per_pack


class AdminUnit(Base):
    """An administrative unit with the code of the statistics office, valid for a span of dates."""

    __tablename__ = "admin_unit"
    __table_args__ = (UniqueConstraint("code", "valid_from"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class AdminUnitSuccession(Base):
    """Old unit → new unit as of a date (the July 2025 merger); an old unit may go to several new ones."""

    __tablename__ = "admin_unit_succession"
    __table_args__ = (UniqueConstraint("old_unit_id", "new_unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    effective_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class Facility(Base):
    """A place in the supply chain: provincial CDC store, district store or commune health station."""

    __tablename__ = "facility"
    __table_args__ = (CheckConstraint("level IN ('province', 'district', 'commune')", name="level_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    """The facility that normally supplies this one (CDC → district → commune, or CDC → commune)."""
    admin_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    population: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    @property
    def counts_whole_vials(self) -> bool:
        """Stores above commune level receive and issue whole vials only."""
        return self.level != "commune"


class Location(Base):
    """A fridge, freezer or cold box inside a facility; 'transit' holds stock on its way to the facility."""

    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("facility_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def is_transit(self) -> bool:
        return self.kind == "transit"
