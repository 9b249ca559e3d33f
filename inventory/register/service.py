"""The register: import children and their doses, and compute who is due and what it takes (via forecasting).

Parsing an export lives in ``inventory.register.parsing``, the reference data and access rules in
``inventory.register.base`` and the read use cases in ``inventory.register.reads``; the names are re-exported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from inventory.audit.service import record
from inventory.auth import Forbidden
from inventory.register import schemas as r
from inventory.register.base import Station
from inventory.register.models import Child, ChildDose
from inventory.register.parsing import (
    DOSE_COLUMNS,
    MAX_PROBLEMS,
    OLDEST_BIRTH,
    OPTIONAL,
    PERSON,
    REQUIRED,
    SEXES,
    check_header,
    parse_rows,
)
from inventory.register.reads import RegisterReads
from inventory.tabular import read_rows
from inventory.timeutil import utcnow

__all__ = [
    "CHUNK",
    "DOSE_COLUMNS",
    "MAX_PROBLEMS",
    "OLDEST_BIRTH",
    "OPTIONAL",
    "REQUIRED",
    "SEXES",
    "RegisterService",
    "Station",
]

CHUNK = 5000


class RegisterService(RegisterReads):
    """Children, doses and the backlog, with personal data shown only to the commune and district staff."""

    # ---- import --------------------------------------------------------------------------------------------

    async def import_file(self, path: Path, *, progress: bool = False) -> r.RegisterImported:
        """Import a register export (one row per dose; a child with no dose has one row without antigen)."""
        header, rows = read_rows(path)
        check_header(header)
        schedule = await self.schedule()
        antigens = set(schedule["antigen"].unique().to_list())
        mapping = dict((await self.commune_map()).iter_rows())
        children, doses = parse_rows(header, rows, antigens, mapping, progress, today=self.today)
        return await self.store(children, doses, source=path.name)

    async def store(
        self,
        children: dict[str, dict[str, Any]],
        doses: dict[tuple[str, str, int], dict[str, Any]],
        *,
        source: str,
    ) -> r.RegisterImported:
        """Upsert children by their code; each child's doses become exactly those given (never duplicated)."""
        communes = await self.communes()
        for child in children.values():
            station = communes.get(child["commune_code"])
            if station is None or not self._may_edit(station):
                raise Forbidden(
                    message="error.forbidden.import_commune",
                    params={"user": self.principal.username, "commune": child["commune_code"]},
                    field="commune_code",
                )
        codes = list(children)
        existing: dict[str, int] = {}
        for i in range(0, len(codes), CHUNK):
            rows = await self.session.execute(
                select(Child.child_code, Child.id, Child.commune_code).where(
                    Child.child_code.in_(codes[i : i + CHUNK])
                )
            )
            for code, child_id, current in rows.tuples():
                # a child already registered elsewhere moves only in the hands of those who keep that register
                station = communes.get(current)
                if not (self._may_edit(station) if station else self.principal.is_admin):
                    raise Forbidden(
                        message="error.forbidden.child_elsewhere",
                        params={"child": code, "commune": current, "user": self.principal.username},
                        field="child_id",
                    )

                existing[code] = child_id
        now = utcnow()
        new_rows = [
            {**c, "updated_at": now, "source": source} for code, c in children.items() if code not in existing
        ]
        if new_rows:
            for i in range(0, len(new_rows), CHUNK):
                await self.session.execute(Child.__table__.insert(), new_rows[i : i + CHUNK])
        for code, child_id in existing.items():
            # a blank name, carer, village or phone is not known: it never erases what the register holds
            known = {k: v for k, v in children[code].items() if v is not None or k not in PERSON}
            await self.session.execute(
                Child.__table__.update()
                .where(Child.__table__.c.id == child_id)
                .values(**known, updated_at=now, source=source)
            )
        ids: dict[str, int] = {}
        for i in range(0, len(codes), CHUNK):
            rows = await self.session.execute(
                select(Child.child_code, Child.id).where(Child.child_code.in_(codes[i : i + CHUNK]))
            )
            ids.update(dict(rows.tuples().all()))
        existing_ids = list(existing.values())
        for i in range(0, len(existing_ids), CHUNK):
            await self.session.execute(
                delete(ChildDose).where(ChildDose.child_id.in_(existing_ids[i : i + CHUNK]))
            )
        dose_rows = [
            {
                "child_id": ids[code],
                "antigen": d["antigen"],
                "dose_number": d["dose_number"],
                "given_on": d["given_on"],
                "place": d["place"],
            }
            for (code, _, _), d in doses.items()
        ]
        for i in range(0, len(dose_rows), CHUNK):
            await self.session.execute(ChildDose.__table__.insert(), dose_rows[i : i + CHUNK])
        result = r.RegisterImported(
            children_added=len(new_rows),
            children_updated=len(existing),
            doses=len(dose_rows),
            communes=sorted({c["commune_code"] for c in children.values()}),
        )
        record(self.session, self.principal, "register.import", changes={"source": source, "result": result})
        return result
