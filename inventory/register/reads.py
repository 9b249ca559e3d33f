"""The register's read use cases: the backlog, due lists, session plans and a child's card (via forecasting)."""

from __future__ import annotations

from datetime import date

import anyio.to_thread
import polars as pl
from sqlalchemy import select

from forecasting import backlog as bl
from forecasting.schedule import version_in_force
from inventory.auth import Forbidden
from inventory.catalog.models import Product
from inventory.datacache import cached, scope_of
from inventory.register import schemas as r
from inventory.register.base import RegisterBase
from inventory.register.models import Child, ChildDose

REGISTER = "register"
"""The data version the register's results follow: register imports and schedule loads (inventory/datacache.py)."""


class RegisterReads(RegisterBase):
    """The backlog, due lists, session plans and children's cards computed from the register."""

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
        child_rows = (await self.session.execute(child_stmt)).all()
        dose_rows = (await self.session.execute(dose_stmt)).all()

        def build() -> tuple[pl.LazyFrame, pl.LazyFrame]:
            # a province's register is millions of rows: made into frames in a worker thread, off the event loop
            return (
                pl.DataFrame(child_rows, schema=bl.CHILDREN, orient="row").lazy(),
                pl.DataFrame(dose_rows, schema=bl.DOSES, orient="row").lazy(),
            )

        return await anyio.to_thread.run_sync(build)

    def _days(self) -> dict[str, int | None]:
        """The schedule's day counts from the settings, for every backlog computation alike."""
        return {"grace_days": self.settings.grace_days, "one_month_days": self.settings.one_month_days}

    def cache_key(self, kind: str, *parts: object) -> tuple[object, ...]:
        """A cache key: what is computed, for what, for whom (role and facility) and with which day counts."""
        return (
            kind,
            *parts,
            scope_of(self.principal),
            self.settings.grace_days,
            self.settings.one_month_days,
        )

    async def backlog_frame(self, as_of: date) -> pl.DataFrame:
        """Due / overdue / zero-dose counts by commune × antigen × dose (forecasting's BACKLOG), for all communes
        this principal may read. Each commune's counts depend on its own children only, so the whole register
        is computed once per change of it (kept in the server's cache, the same for every reader) and each
        reader gets the rows of their communes."""

        async def compute() -> pl.DataFrame:
            children, doses = await self.frames()
            schedule = await self._schedule_on(as_of, field="as_of")
            # the polars work runs on polars' own threads, not on the event loop (other requests go on meanwhile)
            return await bl.backlog(
                children, doses, schedule=schedule, as_of=as_of, **self._days()
            ).collect_async()

        key = ("backlog", as_of, self.settings.grace_days, self.settings.one_month_days)
        everything = await cached(self.cache, self.session, key, compute, topic=REGISTER)
        visible = self._visible_communes(await self.communes())
        return everything.filter(pl.col("commune_code").is_in(sorted(visible)))

    async def backlog(self, as_of: date) -> r.Backlog:
        return await cached(
            self.cache,
            self.session,
            self.cache_key("backlog.read", as_of),
            lambda: self._backlog(as_of),
            topic=REGISTER,
        )

    async def _backlog(self, as_of: date) -> r.Backlog:
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

    async def backlog_overview(self, as_of: date) -> r.BacklogOverview:
        """The backlog by commune, with each commune's sums and the sums over all communes (for its page)."""
        return await cached(
            self.cache,
            self.session,
            self.cache_key("backlog.overview", as_of),
            lambda: self._backlog_overview(as_of),
            topic=REGISTER,
        )

    async def _backlog_overview(self, as_of: date) -> r.BacklogOverview:
        backlog = await self.backlog(as_of)
        communes: dict[str, r.BacklogCommune] = {}
        totals: dict[tuple[str, int, str], r.BacklogTotal] = {}
        for row in backlog.rows:
            commune = communes.setdefault(
                row.commune_code, r.BacklogCommune(row.commune_code, row.commune, [])
            )
            commune.rows.append(row)
            key = (row.antigen, row.dose_number, row.product)
            for sums in (commune, totals.setdefault(key, r.BacklogTotal(*key))):
                sums.due += row.due
                sums.overdue += row.overdue
                sums.zero_dose += row.zero_dose
                sums.doses_needed += row.doses_needed
        return r.BacklogOverview(
            as_of=backlog.as_of,
            schedule_version=backlog.schedule_version,
            totals=[totals[k] for k in sorted(totals)],
            communes=[communes[code] for code in sorted(communes)],
            doses_needed=sum(c.doses_needed for c in communes.values()),
        )

    async def due_groups(self, commune_code: str, session_on: date) -> r.DueGroups:
        """The due list by child, in the list's order, with each antigen and dose's counts (for its page)."""
        return await cached(
            self.cache,
            self.session,
            self.cache_key("due_list.groups", commune_code, session_on),
            lambda: self._due_groups(commune_code, session_on),
            topic=REGISTER,
        )

    async def _due_groups(self, commune_code: str, session_on: date) -> r.DueGroups:
        due = await self.due_list(commune_code, session_on)
        children: dict[str, r.DueGroup] = {}
        totals: dict[tuple[str, int, str], r.BacklogTotal] = {}
        for row in due.children:
            children.setdefault(row.child_id, r.DueGroup(row, [])).doses.append(row)
            key = (row.antigen, row.dose_number, row.product)
            total = totals.setdefault(key, r.BacklogTotal(*key))
            total.doses_needed += 1
            if row.state == "overdue":
                total.overdue += 1
            else:
                total.due += 1
        return r.DueGroups(
            commune_code=due.commune_code,
            commune=due.commune,
            session_on=due.session_on,
            children=list(children.values()),
            totals=[totals[k] for k in sorted(totals)],
            doses=len(due.children),
        )

    async def due_list(self, commune_code: str, session_on: date) -> r.DueList:
        """Who to call to the vaccination day and what each child needs (personal data)."""
        return await cached(
            self.cache,
            self.session,
            self.cache_key("due_list", commune_code, session_on),
            lambda: self._due_list(commune_code, session_on),
            topic=REGISTER,
        )

    async def _due_list(self, commune_code: str, session_on: date) -> r.DueList:
        communes = await self._require_names(commune_code)
        children, doses = await self.frames({commune_code})
        schedule = await self._schedule_on(session_on, field="session_on")
        due = await bl.due_list(
            children, doses, schedule=schedule, session_on=session_on, **self._days()
        ).collect_async()
        people = {
            code: person
            for code, *person in (
                await self.session.execute(
                    select(Child.child_code, Child.name, Child.carer, Child.village, Child.phone).where(
                        Child.commune_code == commune_code
                    )
                )
            ).tuples()
        }
        listed = []
        for row in due.iter_rows(named=True):
            name, carer, village, phone = people.get(row["child_id"], (None, None, None, None))
            listed.append(
                r.DueChild(
                    row["child_id"],
                    name,
                    row["sex"],
                    row["birth_date"],
                    row["antigen"],
                    row["dose_number"],
                    row["product_code"],
                    row["state"],
                    row["recommended_on"],
                    row["earliest_on"],
                    carer=carer,
                    village=village,
                    phone=phone,
                )
            )
        return r.DueList(
            commune_code=commune_code,
            commune=communes[commune_code].name,
            session_on=session_on,
            children=listed,
        )

    async def session_plan(self, commune_code: str, session_on: date) -> r.SessionPlan:
        """Doses and vials of each product to bring to the vaccination day."""
        return await cached(
            self.cache,
            self.session,
            self.cache_key("session_plan", commune_code, session_on),
            lambda: self._session_plan(commune_code, session_on),
            topic=REGISTER,
        )

    async def _session_plan(self, commune_code: str, session_on: date) -> r.SessionPlan:
        communes = await self.communes()
        if commune_code not in communes:
            from inventory.errors import UnknownReference

            raise UnknownReference(
                message="error.commune.unknown", params={"code": commune_code}, field="commune"
            )
        if not self.principal.can_read(communes[commune_code].id):
            raise Forbidden(
                message="error.forbidden.see_commune",
                params={"user": self.principal.username, "commune": commune_code},
                field="commune",
            )
        children, doses = await self.frames({commune_code})
        schedule = await self._schedule_on(session_on, field="session_on")
        due = bl.due_list(children, doses, schedule=schedule, session_on=session_on, **self._days())
        products = pl.LazyFrame(
            (
                await self.session.execute(
                    select(Product.code, Product.doses_per_vial, Product.keep_opened_vial)
                )
            ).all(),
            schema=bl.PRODUCTS,
            orient="row",
        )
        plan = await bl.session_plan(due, products).collect_async()
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

            raise NotFound(message="error.child.not_found", params={"code": child_code}, field="child_id")

        await self._require_names(child.commune_code)
        children, doses = await self.frames({child.commune_code})
        children = children.filter(pl.col("child_id") == child_code)
        doses = doses.filter(pl.col("child_id") == child_code)
        schedule = await self._schedule_on(as_of, field="as_of")
        status = (
            await bl.child_status(
                children, doses, schedule=schedule, as_of=as_of, **self._days()
            ).collect_async()
        ).row(0, named=True)
        plan = await bl.dose_plan(
            children, doses, schedule=schedule, as_of=as_of, **self._days()
        ).collect_async()
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
            carer=child.carer,
            village=child.village,
            phone=child.phone,
        )
