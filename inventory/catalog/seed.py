"""The reference catalogue (EPI products, Lai Châu administrative units, Mường Tè facilities) as data.

Loading is idempotent: rows that exist are left as they are, so edits made by an admin survive.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.catalog.models import AdminUnit, AdminUnitSuccession, Facility, Location, Product

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _flag(text: str) -> bool:
    return text.strip().lower() == "true"


async def load_catalogue(session: AsyncSession) -> dict[str, int]:
    """Insert whatever reference rows are missing; return how many of each were added."""
    added = {"products": 0, "admin_units": 0, "successions": 0, "facilities": 0, "locations": 0}
    existing_products = set((await session.scalars(select(Product.code))).all())
    for row in _rows("products.csv"):
        if row["code"] in existing_products:
            continue
        session.add(
            Product(
                code=row["code"],
                name=row["name"],
                antigen=row["antigen"],
                doses_per_vial=int(row["doses_per_vial"]),
                vials_per_pack=int(row["vials_per_pack"]),
                presentation=row["presentation"],
                is_diluent=_flag(row["is_diluent"]),
                freeze_sensitive=_flag(row["freeze_sensitive"]),
                vvm_type=row["vvm_type"] or None,
                keep_opened_vial=_flag(row["keep_opened_vial"]),
                packed_volume_cm3=Decimal(row["packed_volume_cm3"]),
                diluent_code=row["diluent_code"] or None,
                notes=row["notes"] or None,
            )
        )
        added["products"] += 1

    units = {(u.code, u.valid_from): u for u in (await session.scalars(select(AdminUnit))).all()}

    def unit_at(code: str, day: date) -> AdminUnit:
        return next(
            u
            for (c, _), u in units.items()
            if c == code and u.valid_from <= day and (u.valid_to is None or u.valid_to >= day)
        )

    for row in _rows("admin_units.csv"):
        valid_from = date.fromisoformat(row["valid_from"])
        key = (row["code"], valid_from)
        if key in units:
            continue
        parent = unit_at(row["parent_code"], key[1]) if row["parent_code"] else None
        unit = AdminUnit(
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            parent_id=parent.id if parent else None,
            valid_from=valid_from,
            valid_to=_day(row["valid_to"]),
        )
        session.add(unit)
        await session.flush()
        units[key] = unit
        added["admin_units"] += 1

    pairs = select(AdminUnitSuccession.old_unit_id, AdminUnitSuccession.new_unit_id)
    existing_succ = {(old, new) for old, new in (await session.execute(pairs)).all()}
    for row in _rows("admin_unit_successions.csv"):
        effective = _day(row["effective_on"])
        assert effective is not None
        old = unit_at(row["old_code"], date.fromordinal(effective.toordinal() - 1))
        new = unit_at(row["new_code"], effective)
        if (old.id, new.id) in existing_succ:
            continue
        session.add(
            AdminUnitSuccession(
                old_unit_id=old.id, new_unit_id=new.id, effective_on=effective, note=row["note"] or None
            )
        )
        added["successions"] += 1

    facilities = {f.code: f for f in (await session.scalars(select(Facility))).all()}
    for row in _rows("facilities.csv"):
        if row["code"] in facilities:
            continue
        supplier = facilities[row["supplier_code"]] if row["supplier_code"] else None
        unit = units[(row["admin_unit_code"], _day(row["admin_unit_valid_from"]))]
        facility = Facility(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            supplier_id=supplier.id if supplier else None,
            admin_unit_id=unit.id,
            population=int(row["population"]) if row["population"] else None,
            valid_from=_day(row["valid_from"]),
            valid_to=_day(row["valid_to"]),
        )
        session.add(facility)
        await session.flush()
        facilities[facility.code] = facility
        added["facilities"] += 1
        for spec in [*row["locations"].split("|"), "TRANSIT:Đang vận chuyển:transit"]:
            code, name, kind = spec.split(":")
            session.add(Location(facility_id=facility.id, code=code, name=name, kind=kind, active=True))
            added["locations"] += 1
    await session.flush()
    return added
