"""Catalogue read schemas."""

from __future__ import annotations

from datetime import date

import msgspec

from inventory.catalog.models import AdminUnit, AdminUnitSuccession, Facility, Location, Product


class ProductRead(msgspec.Struct):
    code: str
    name: str
    antigen: str
    doses_per_vial: int
    vials_per_pack: int
    doses_per_pack: int
    presentation: str
    is_diluent: bool
    freeze_sensitive: bool
    vvm_type: str | None
    keep_opened_vial: bool
    packed_volume_cm3: float
    diluent_code: str | None
    notes: str | None

    @classmethod
    def from_model(cls, p: Product) -> ProductRead:
        return cls(
            code=p.code,
            name=p.name,
            antigen=p.antigen,
            doses_per_vial=p.doses_per_vial,
            vials_per_pack=p.vials_per_pack,
            doses_per_pack=p.doses_per_pack,
            presentation=p.presentation,
            is_diluent=p.is_diluent,
            freeze_sensitive=p.freeze_sensitive,
            vvm_type=p.vvm_type,
            keep_opened_vial=p.keep_opened_vial,
            packed_volume_cm3=float(p.packed_volume_cm3),
            diluent_code=p.diluent_code,
            notes=p.notes,
        )


class FacilityRead(msgspec.Struct):
    code: str
    name: str
    level: str
    supplier: str | None
    population: int | None
    valid_from: date
    valid_to: date | None

    @classmethod
    def from_model(cls, f: Facility, by_id: dict[int, Facility]) -> FacilityRead:
        supplier = by_id[f.supplier_id].code if f.supplier_id in by_id else None
        return cls(f.code, f.name, f.level, supplier, f.population, f.valid_from, f.valid_to)


class LocationRead(msgspec.Struct):
    code: str
    name: str
    kind: str
    active: bool

    @classmethod
    def from_model(cls, loc: Location) -> LocationRead:
        return cls(loc.code, loc.name, loc.kind, loc.active)


class AdminUnitRead(msgspec.Struct):
    code: str
    name: str
    kind: str
    valid_from: date
    valid_to: date | None

    @classmethod
    def from_model(cls, u: AdminUnit) -> AdminUnitRead:
        return cls(u.code, u.name, u.kind, u.valid_from, u.valid_to)


class SuccessionRead(msgspec.Struct):
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    effective_on: date
    note: str | None

    @classmethod
    def from_model(cls, s: AdminUnitSuccession, units: dict[int, AdminUnit]) -> SuccessionRead:
        old, new = units[s.old_unit_id], units[s.new_unit_id]
        return cls(old.code, old.name, new.code, new.name, s.effective_on, s.note)
