"""The register: import children and their doses, and compute who is due and what it takes (via forecasting)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl
from rich.progress import Progress
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from forecasting import backlog as bl
from forecasting.schedule import SCHEDULE, ScheduleError, check_schedule, load_schedule, version_in_force
from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import AdminUnit, AdminUnitSuccession, Facility, Product
from inventory.errors import ValidationFailed
from inventory.register import schemas as r
from inventory.register.models import Child, ChildDose, ScheduleTable
from inventory.tabular import ImportFailed, blank, parse_date, parse_int, read_rows
from inventory.timeutil import today_vn, utcnow

REQUIRED = ("child_id", "sex", "birth_date", "commune_code")
OPTIONAL = ("name", "antigen", "dose_number", "given_on", "place")
DOSE_COLUMNS = ("antigen", "dose_number", "given_on")
OLDEST_BIRTH = date(1990, 1, 1)
"""Birth dates before this are typing errors: the EPI register holds children and young people."""
SEXES = {"m": "M", "nam": "M", "male": "M", "f": "F", "nữ": "F", "nu": "F", "female": "F"}
MAX_PROBLEMS = 50
CHUNK = 5000


class Station(NamedTuple):
    """A commune's health station: its facility id, name, and the store that supplies it."""

    id: int
    name: str
    supplier_id: int | None


class RegisterService:
    """Children, doses and the backlog, with personal data shown only to the commune and district staff."""

    def __init__(self, session: AsyncSession, principal: Principal, *, today: date | None = None) -> None:
        self.session = session
        self.principal = principal
        self.today = today or today_vn()
        self._communes: dict[str, Station] | None = None  # reference data, read once per service (request)
        self._schedule: pl.DataFrame | None = None

    # ---- reference ----------------------------------------------------------------------------------------

    async def commune_map(self) -> pl.DataFrame:
        """Old commune code → commune code in force (identity for codes in force)."""
        old, new = aliased(AdminUnit), aliased(AdminUnit)
        rows = (
            await self.session.execute(
                select(old.code, new.code)
                .join(AdminUnitSuccession, AdminUnitSuccession.old_unit_id == old.id)
                .join(new, new.id == AdminUnitSuccession.new_unit_id)
            )
        ).all()
        current = (
            await self.session.scalars(
                select(AdminUnit.code).where(
                    AdminUnit.kind.in_(("commune", "ward", "town")), AdminUnit.valid_to.is_(None)
                )
            )
        ).all()
        pairs = {old_code: new_code for old_code, new_code in rows}
        for code in current:
            pairs.setdefault(code, code)
        return pl.DataFrame(
            {"old_code": list(pairs), "new_code": list(pairs.values())}, schema=bl.COMMUNE_MAP
        )

    async def communes(self) -> dict[str, Station]:
        """Commune code in force → its health station."""
        if self._communes is not None:
            return self._communes
        rows = (
            await self.session.execute(
                select(AdminUnit.code, Facility.id, Facility.name, Facility.supplier_id)
                .join(Facility, Facility.admin_unit_id == AdminUnit.id)
                .where(Facility.level == "commune", Facility.valid_to.is_(None))
            )
        ).all()
        self._communes = {code: Station(fid, name, supplier) for code, fid, name, supplier in rows}
        return self._communes

    async def schedule(self) -> pl.DataFrame:
        """The schedule table in force: the newest one an admin loaded, else the bundled one (read once)."""
        if self._schedule is None:
            text = await self.session.scalar(
                select(ScheduleTable.csv_text).order_by(ScheduleTable.id.desc()).limit(1)
            )
            self._schedule = (
                load_schedule() if text is None else pl.read_csv(io.StringIO(text), schema=SCHEDULE)
            )
        return self._schedule

    async def _schedule_on(self, day: date, *, field: str) -> pl.DataFrame:
        """The schedule table, refused (naming the field) when no version of it is in force on the day."""
        schedule = await self.schedule()
        try:
            version_in_force(schedule, on=day)
        except ScheduleError as exc:
            raise ValidationFailed(str(exc), field=field) from None
        return schedule

    async def load_schedule_csv(self, text: str, *, note: str | None = None) -> str:
        """Replace the schedule in force (admin): checked whole, then stored; the old ones are kept."""
        self.principal.require_role("admin", action="change the EPI schedule")
        try:
            table = pl.read_csv(io.StringIO(text), schema=SCHEDULE)
        except Exception as exc:
            raise ImportFailed([f"schedule file: {exc}"]) from None
        problems = check_schedule(table)
        if problems:
            raise ImportFailed(problems)
        self.session.add(
            ScheduleTable(csv_text=text, loaded_at=utcnow(), loaded_by=self.principal.username, note=note)
        )
        record(self.session, self.principal, "schedule.load", changes={"rows": table.height, "note": note})
        self._schedule = table
        return version_in_force(table, on=self.today)

    # ---- access --------------------------------------------------------------------------------------------

    async def _require_names(self, commune_code: str) -> dict[str, Station]:
        communes = await self.communes()
        if commune_code not in communes:
            from inventory.errors import UnknownReference

            raise UnknownReference(f"unknown commune {commune_code!r}", field="commune")
        if not self._may_edit(communes[commune_code]):
            raise Forbidden(
                f"{self.principal.username} may not see the children of commune {commune_code}",
                field="commune",
            )
        return communes

    def _may_edit(self, station: Station) -> bool:
        """Who keeps a commune's register and sees its names and birth dates: the commune's own staff, the
        store that supplies it directly (the district, or the province where there is no district), and
        administrators. Stores further up the chain and viewers see counts only."""
        role = self.principal.role
        if role == "admin":
            return True
        if role == "store_keeper":
            return station.supplier_id is not None and station.supplier_id == self.principal.facility_id
        return role == "commune_worker" and self.principal.can_write(station.id)

    def _visible_communes(self, communes: dict[str, Station]) -> set[str]:
        return {code for code, station in communes.items() if self.principal.can_read(station.id)}

    # ---- import --------------------------------------------------------------------------------------------

    async def import_file(self, path: Path, *, progress: bool = False) -> r.RegisterImported:
        """Import a register export (one row per dose; a child with no dose has one row without antigen)."""
        header, rows = read_rows(path)
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ImportFailed(
                [f"row 1: missing column(s) {', '.join(missing)} (needed: {', '.join(REQUIRED)})"]
            )
        dose_columns = [c for c in DOSE_COLUMNS if c in header]
        if dose_columns and len(dose_columns) < len(DOSE_COLUMNS):
            absent = [c for c in DOSE_COLUMNS if c not in header]
            raise ImportFailed(
                [
                    f"row 1: column(s) {', '.join(dose_columns)} without {', '.join(absent)}: doses need "
                    f"all of {', '.join(DOSE_COLUMNS)} (other columns: {', '.join(c for c in header if c)})"
                ]
            )
        schedule = await self.schedule()
        antigens = set(schedule["antigen"].unique().to_list())
        mapping = dict((await self.commune_map()).iter_rows())
        children, doses = self._parse(header, rows, antigens, mapping, progress)
        return await self.store(children, doses, source=path.name)

    def _parse(
        self,
        header: list[str],
        rows: list[list[object]],
        antigens: set[str],
        mapping: dict[str, str],
        progress: bool,
    ) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, int], dict[str, Any]]]:
        index = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
        problems: list[str] = []
        children: dict[str, dict[str, Any]] = {}
        first_row: dict[str, int] = {}
        doses: dict[tuple[str, str, int], dict[str, Any]] = {}
        given_days: dict[tuple[str, str, date], dict[str, Any]] = {}
        for n, cell in self._cells(rows, index, progress):
            try:
                child = self._child(n, cell, mapping)
                code = child["child_code"]
                if code in children:
                    known = children[code]
                    for field in ("sex", "birth_date", "commune_code_given", "name"):
                        if field == "name" and not (child["name"] and known["name"]):
                            known["name"] = known["name"] or child["name"]  # a blank name is not known
                            continue
                        if child[field] != known[field]:
                            raise ValueError(
                                f"column {field}: child {code} has {child[field]!r} here but "
                                f"{known[field]!r} on row {first_row[code]}"
                            )
                else:
                    children[code] = child
                    first_row[code] = n
                if not blank(cell("antigen")):
                    dose = self._dose(cell, antigens, child)
                    key = (code, dose["antigen"], dose["dose_number"])
                    if key in doses:
                        raise ValueError(
                            f"column dose_number: {dose['antigen']} dose {dose['dose_number']} of "
                            f"child {code} repeats row {doses[key]['row']}"
                        )
                    same_day = (code, dose["antigen"], dose["given_on"])
                    if same_day in given_days:
                        raise ValueError(
                            f"column given_on: child {code} has {dose['antigen']} dose "
                            f"{given_days[same_day]['dose_number']} on {dose['given_on']:%d/%m/%Y} too "
                            f"(row {given_days[same_day]['row']}); one dose of a series per day"
                        )
                    doses[key] = given_days[same_day] = {**dose, "row": n}
                elif not blank(cell("dose_number")) or not blank(cell("given_on")):
                    raise ValueError("column antigen: empty, but the row has a dose number or date")
            except ValueError as exc:
                problems.append(f"row {n}, {exc}")
                if len(problems) >= MAX_PROBLEMS:
                    problems.append("… stopped after 50 problems")
                    break
        if problems:
            raise ImportFailed(problems)
        if not children:
            raise ImportFailed(["the file has no data rows"])
        return children, doses

    @staticmethod
    def _cells(rows: list[list[object]], index: dict[str, int], progress: bool) -> Iterator[tuple[int, Any]]:
        with Progress(disable=not progress or len(rows) < 2000, transient=True) as bar:
            task = bar.add_task("checking rows", total=len(rows))
            for n, row in enumerate(rows, start=2):
                bar.advance(task)
                if all(blank(v) for v in row):
                    continue

                def cell(name: str, row: list[object] = row) -> object:
                    i = index.get(name)
                    return row[i] if i is not None and i < len(row) else None

                yield n, cell

    def _child(self, n: int, cell: Any, mapping: dict[str, str]) -> dict[str, Any]:
        for name in REQUIRED:
            if blank(cell(name)):
                raise ValueError(f"column {name}: empty")
        sex = SEXES.get(str(cell("sex")).strip().lower())
        if sex is None:
            raise ValueError(f"column sex: {cell('sex')!r} is not M/F (Nam/Nữ)")
        try:
            birth = parse_date(cell("birth_date"))
        except ValueError as exc:
            raise ValueError(f"column birth_date: {exc}") from None
        if birth > self.today:
            raise ValueError(f"column birth_date: {birth:%d/%m/%Y} is in the future")
        if birth < OLDEST_BIRTH:
            raise ValueError(f"column birth_date: {birth:%d/%m/%Y} is before {OLDEST_BIRTH:%d/%m/%Y}")
        given = str(cell("commune_code")).strip()
        if given.isdigit() and len(given) < 5:
            given = given.zfill(5)  # spreadsheets drop the leading zero of 03451
        if given not in mapping:
            raise ValueError(f"column commune_code: {given!r} is not a commune code (old or new)")
        name = None if blank(cell("name")) else str(cell("name")).strip()
        return {
            "child_code": str(cell("child_id")).strip(),
            "name": name,
            "sex": sex,
            "birth_date": birth,
            "commune_code_given": given,
            "commune_code": mapping[given],
        }

    def _dose(self, cell: Any, antigens: set[str], child: dict[str, Any]) -> dict[str, Any]:
        antigen = str(cell("antigen")).strip().upper()
        if antigen not in antigens:
            raise ValueError(
                f"column antigen: {antigen!r} is not in the schedule ({', '.join(sorted(antigens))})"
            )
        try:
            number = parse_int(cell("dose_number"), minimum=1)
        except ValueError as exc:
            raise ValueError(f"column dose_number: {exc}") from None
        if blank(cell("given_on")):
            raise ValueError("column given_on: empty")
        try:
            given_on = parse_date(cell("given_on"))
        except ValueError as exc:
            raise ValueError(f"column given_on: {exc}") from None
        if given_on < child["birth_date"] or given_on > self.today:
            raise ValueError(f"column given_on: {given_on:%d/%m/%Y} is before birth or in the future")
        place = None if blank(cell("place")) else str(cell("place")).strip()[:200]
        return {"antigen": antigen, "dose_number": number, "given_on": given_on, "place": place}

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
                    f"{self.principal.username} may not import children of commune {child['commune_code']}",
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
                        f"child {code} is registered in commune {current}, whose register "
                        f"{self.principal.username} does not keep",
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
            await self.session.execute(
                Child.__table__.update()
                .where(Child.__table__.c.id == child_id)
                .values(**children[code], updated_at=now, source=source)
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

    # ---- computations --------------------------------------------------------------------------------------

    async def frames(self, communes: set[str] | None = None) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """The register as forecasting's CHILDREN and DOSES frames (optionally for some communes)."""
        child_stmt = select(Child.child_code, Child.sex, Child.birth_date, Child.commune_code)
        dose_stmt = select(
            Child.child_code, ChildDose.antigen, ChildDose.dose_number, ChildDose.given_on
        ).join(Child, Child.id == ChildDose.child_id)
        if communes is not None:
            child_stmt = child_stmt.where(Child.commune_code.in_(communes))
            dose_stmt = dose_stmt.where(Child.commune_code.in_(communes))
        children = pl.LazyFrame(
            (await self.session.execute(child_stmt)).all(), schema=bl.CHILDREN, orient="row"
        )
        doses = pl.LazyFrame((await self.session.execute(dose_stmt)).all(), schema=bl.DOSES, orient="row")
        return children, doses

    async def backlog_frame(self, as_of: date, *, grace_days: int = bl.DEFAULT_GRACE_DAYS) -> pl.DataFrame:
        """Due / overdue / zero-dose counts by commune × antigen × dose (forecasting's BACKLOG), for all communes
        this principal may read."""
        communes = await self.communes()
        visible = self._visible_communes(communes)
        children, doses = await self.frames(visible)
        return bl.backlog(
            children,
            doses,
            schedule=await self._schedule_on(as_of, field="as_of"),
            as_of=as_of,
            grace_days=grace_days,
        ).collect()

    async def backlog(self, as_of: date) -> r.Backlog:
        communes = await self.communes()
        schedule = await self.schedule()
        frame = await self.backlog_frame(as_of)
        return r.Backlog(
            as_of=as_of,
            schedule_version=version_in_force(schedule, on=as_of),
            rows=[
                r.BacklogRow(
                    row["commune_code"],
                    communes[row["commune_code"]].name
                    if row["commune_code"] in communes
                    else row["commune_code"],
                    row["antigen"],
                    row["dose_number"],
                    row["product_code"],
                    row["due"],
                    row["overdue"],
                    row["zero_dose"],
                    row["doses_needed"],
                )
                for row in frame.iter_rows(named=True)
            ],
        )

    async def due_list(self, commune_code: str, session_on: date) -> r.DueList:
        """Who to call to the vaccination day and what each child needs (personal data)."""
        communes = await self._require_names(commune_code)
        children, doses = await self.frames({commune_code})
        schedule = await self._schedule_on(session_on, field="session_on")
        due = bl.due_list(children, doses, schedule=schedule, session_on=session_on).collect()
        names = dict(
            (
                await self.session.execute(
                    select(Child.child_code, Child.name).where(Child.commune_code == commune_code)
                )
            )
            .tuples()
            .all()
        )
        return r.DueList(
            commune_code=commune_code,
            commune=communes[commune_code].name,
            session_on=session_on,
            children=[
                r.DueChild(
                    row["child_id"],
                    names.get(row["child_id"]),
                    row["sex"],
                    row["birth_date"],
                    row["antigen"],
                    row["dose_number"],
                    row["product_code"],
                    row["state"],
                    row["recommended_on"],
                    row["earliest_on"],
                )
                for row in due.iter_rows(named=True)
            ],
        )

    async def session_plan(self, commune_code: str, session_on: date) -> r.SessionPlan:
        """Doses and vials of each product to bring to the vaccination day."""
        communes = await self.communes()
        if commune_code not in communes:
            from inventory.errors import UnknownReference

            raise UnknownReference(f"unknown commune {commune_code!r}", field="commune")
        if not self.principal.can_read(communes[commune_code].id):
            raise Forbidden(f"{self.principal.username} may not see commune {commune_code}", field="commune")
        children, doses = await self.frames({commune_code})
        schedule = await self._schedule_on(session_on, field="session_on")
        due = bl.due_list(children, doses, schedule=schedule, session_on=session_on)
        products = pl.LazyFrame(
            (
                await self.session.execute(
                    select(Product.code, Product.doses_per_vial, Product.keep_opened_vial)
                )
            ).all(),
            schema=bl.PRODUCTS,
            orient="row",
        )
        plan = bl.session_plan(due, products).collect()
        return r.SessionPlan(
            commune_code,
            session_on,
            [
                r.SessionPlanRow(
                    row["product_code"],
                    row["doses"],
                    row["doses_per_vial"] or 1,
                    bool(row["keep_opened_vial"]),
                    row["vials"] or 0,
                )
                for row in plan.iter_rows(named=True)
            ],
        )

    async def child(self, child_code: str, as_of: date) -> r.ChildRead:
        """One child's card: status and every dose of the schedule with its dates (personal data)."""
        child = await self.session.scalar(select(Child).where(Child.child_code == child_code))
        if child is None:
            from inventory.errors import NotFound

            raise NotFound(f"no child {child_code!r}", field="child_id")
        await self._require_names(child.commune_code)
        children, doses = await self.frames({child.commune_code})
        children = children.filter(pl.col("child_id") == child_code)
        doses = doses.filter(pl.col("child_id") == child_code)
        schedule = await self._schedule_on(as_of, field="as_of")
        status = bl.child_status(children, doses, schedule=schedule, as_of=as_of).collect().row(0, named=True)
        plan = bl.dose_plan(children, doses, schedule=schedule, as_of=as_of).collect()
        return r.ChildRead(
            child.child_code,
            child.name,
            child.sex,
            child.birth_date,
            child.commune_code,
            child.commune_code_given,
            str(status["status"]),
            status["next_dose_on"],
            [
                r.ChildDoseRead(
                    p["antigen"],
                    p["dose_number"],
                    p["product_code"],
                    str(p["state"]),
                    p["given_on"],
                    p["recommended_on"],
                    p["earliest_on"],
                    p["upper_on"],
                )
                for p in plan.iter_rows(named=True)
            ],
        )
