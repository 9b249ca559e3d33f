"""The reports' SQL: set-based sums of the ledger and the register, each returned as a polars frame."""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
from sqlalchemy import and_, case, delete, false, func, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inventory.catalog.models import AdminUnit, Facility, Location, Product
from inventory.register.models import Child, ChildDose
from inventory.reports.models import ReportSetting
from inventory.stock.models import Lot, Movement, StockDocument, UsageRecord

FACILITIES = pl.Schema(
    {
        "facility_id": pl.Int64,
        "facility_code": pl.String,
        "facility_name": pl.String,
        "level": pl.String,
        "supplier_id": pl.Int64,
        "admin_unit_code": pl.String,
        "population": pl.Int64,
    }
)
MONTHLY_MOVES = pl.Schema(
    {
        "facility_id": pl.Int64,
        "product_code": pl.String,
        "ym": pl.Int64,
        "kind": pl.String,
        "reason": pl.String,
        "doses": pl.Int64,
    }
)
"""Σ doses per facility × product × month (``ym`` = year × 12 + month − 1) × kind × reason; the opening
balance (every movement before the start) as kind "opening" with ``ym`` −1."""
LOT_MOVES = pl.Schema(
    {
        "product_code": pl.String,
        "lot_number": pl.String,
        "expires_on": pl.Date,
        "before": pl.Boolean,
        "kind": pl.String,
        "reason": pl.String,
        "doses": pl.Int64,
    }
)
ADMINISTERED = pl.Schema(
    {"facility_id": pl.Int64, "product_code": pl.String, "ym": pl.Int64, "administered": pl.Int64}
)
DOSES_GIVEN = pl.Schema(
    {
        "commune_code": pl.String,
        "antigen": pl.String,
        "dose_number": pl.Int64,
        "ym": pl.Int64,
        "doses": pl.Int64,
    }
)
COMPLETED = pl.Schema({"commune_code": pl.String, "ym": pl.Int64, "children": pl.Int64})
ZERO_DOSE = pl.Schema({"commune_code": pl.String, "zero_dose": pl.Int64})


async def tune(session: AsyncSession) -> None:
    """On PostgreSQL, give the report's aggregates room to sort and hash in memory, and no JIT (compiling
    costs more than these few-second aggregates gain); for this transaction only."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
        await session.execute(text("SET LOCAL jit = off"))


READ_TABLES = (Child, ChildDose, Movement, UsageRecord, StockDocument, Lot, Location)
"""The big tables the reports read."""


async def refresh_statistics(session: AsyncSession) -> None:
    """On PostgreSQL, ANALYZE the tables the reports read, for a caller that has just filled them in its own
    transaction (the demo): autovacuum cannot see rows not yet committed, and without statistics the planner
    guesses a dozen rows and joins the register by nested loop (3.6 s instead of 0.05 s for a district's
    doses given). ANALYZE counts the transaction's own rows; the figures do not change, only the plans."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE " + ", ".join(t.__tablename__ for t in READ_TABLES)))


def month_index(day: date) -> int:
    """year × 12 + month − 1: consecutive months are consecutive integers."""
    return day.year * 12 + day.month - 1


def _month_bounds(start: date, end: date) -> list[tuple[int, date, date]]:
    """Each month of [start, end] (start on a first day): its index, its first day and the next month's."""
    out = []
    for index in range(month_index(start), month_index(end) + 1):
        following = index + 1
        out.append(
            (index, date(index // 12, index % 12 + 1, 1), date(following // 12, following % 12 + 1, 1))
        )
    return out


def _by_month(column, value, start: date, end: date, *, count: bool = False) -> list:
    """One aggregate column per month of [start, end] (``m<index>``): the months as columns, so one GROUP
    BY without a month key (whose mis-estimated group count kept PostgreSQL from aggregating in parallel)
    and few rows to read back."""
    columns = []
    for index, first, following in _month_bounds(start, end):
        within = and_(column >= first, column < following)
        aggregate = func.count().filter(within) if count else func.sum(value).filter(within)
        columns.append(aggregate.label(f"m{index}"))
    return columns


def _long(
    rows: list, keys: list[str], start: date, end: date, value: str, *, counts: bool = False
) -> pl.DataFrame:
    """The rows of a query by month (keys, then one column per month) as one row per key × month that had
    rows (a month without any is null for a sum, 0 for a count: left out, as a GROUP BY month would)."""
    months = [f"m{index}" for index, _first, _following in _month_bounds(start, end)]
    frame = pl.DataFrame(rows, schema=[*keys, *months], orient="row", infer_schema_length=None)
    return (
        frame.with_columns(pl.col(months).cast(pl.Int64))
        .unpivot(index=keys, on=months, variable_name="ym", value_name=value)
        .filter((pl.col(value) != 0) if counts else pl.col(value).is_not_null())
        .with_columns(pl.col("ym").str.slice(1).cast(pl.Int64))
    )


async def facilities(session: AsyncSession, start: date, end: date) -> pl.DataFrame:
    """Every facility operating at some point of [start, end], with its supplier and population."""
    rows = (
        await session.execute(
            select(
                Facility.id,
                Facility.code,
                Facility.name,
                Facility.level,
                Facility.supplier_id,
                AdminUnit.code,
                Facility.population,
            )
            .outerjoin(AdminUnit, AdminUnit.id == Facility.admin_unit_id)
            .where(Facility.valid_from <= end, (Facility.valid_to.is_(None)) | (Facility.valid_to >= start))
            .order_by(Facility.code)
        )
    ).all()
    return pl.DataFrame(rows, schema=FACILITIES, orient="row")


def _kind_and_reason():
    # a reversal counts as the kind (and reason) it cancels, on its own (same) day
    original = aliased(Movement)
    return (
        original,
        func.coalesce(original.kind, Movement.kind).label("kind"),
        func.coalesce(original.reason_code, Movement.reason_code).label("reason"),
    )


async def monthly_movements(
    session: AsyncSession, facility_ids: list[int], start: date, end: date
) -> pl.DataFrame:
    """Σ doses per facility × product × month × kind × reason on [start, end], outside transit, and the
    opening balance (everything before ``start``): one GROUP BY, the months as columns."""
    original, kind, reason = _kind_and_reason()
    stmt = (
        select(
            Location.facility_id,
            Product.code,
            kind,
            reason,
            func.sum(Movement.doses).filter(Movement.occurred_on < start).label("before"),
            *_by_month(Movement.occurred_on, Movement.doses, start, end),
        )
        .select_from(Movement)
        .join(Location, Location.id == Movement.location_id)
        .join(Lot, Lot.id == Movement.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(original, original.id == Movement.reverses_movement_id)
        .where(
            Location.facility_id.in_(facility_ids), Location.kind != "transit", Movement.occurred_on <= end
        )
        .group_by(Location.facility_id, Product.code, kind, reason)
    )
    keys = ["facility_id", "product_code", "kind", "reason"]
    rows = (await session.execute(stmt)).all()
    months = _long([(*r[:4], *r[5:]) for r in rows], keys, start, end, "doses")
    opening = (
        pl.DataFrame(
            [(r[0], r[1], r[4]) for r in rows], schema=["facility_id", "product_code", "doses"], orient="row"
        )
        .filter(pl.col("doses").is_not_null())
        .group_by("facility_id", "product_code")
        .agg(pl.col("doses").sum())
        .with_columns(
            pl.lit(-1).alias("ym"), pl.lit("opening").alias("kind"), pl.lit(None, pl.String).alias("reason")
        )
    )
    return pl.concat(
        [months.select(MONTHLY_MOVES.names()), opening.select(MONTHLY_MOVES.names())], how="vertical_relaxed"
    ).cast(dict(MONTHLY_MOVES))


async def administered(
    session: AsyncSession, facility_ids: list[int], start: date, end: date
) -> pl.DataFrame:
    """Doses given per facility × product × month at vaccination days not reversed, on [start, end]."""
    reversed_documents = select(StockDocument.reverses_document_id).where(
        StockDocument.reverses_document_id.is_not(None)
    )
    rows = (
        await session.execute(
            select(
                UsageRecord.facility_id,
                Product.code,
                *_by_month(UsageRecord.session_on, UsageRecord.doses_administered, start, end),
            )
            .join(Product, Product.id == UsageRecord.product_id)
            .where(
                UsageRecord.facility_id.in_(facility_ids),
                UsageRecord.session_on >= start,
                UsageRecord.session_on <= end,
                UsageRecord.document_id.not_in(reversed_documents),
            )
            .group_by(UsageRecord.facility_id, Product.code)
        )
    ).all()
    frame = _long(rows, ["facility_id", "product_code"], start, end, "administered")
    return frame.select(ADMINISTERED.names()).cast(dict(ADMINISTERED))


async def lot_movements(session: AsyncSession, facility_id: int, start: date, end: date) -> pl.DataFrame:
    """Σ doses per product × lot × kind × reason at one facility (outside transit): before ``start``
    (``before`` true) and on [start, end]."""
    original, kind, reason = _kind_and_reason()
    before = Movement.occurred_on < start
    rows = (
        await session.execute(
            select(
                Product.code, Lot.lot_number, Lot.expires_on, before, kind, reason, func.sum(Movement.doses)
            )
            .select_from(Movement)
            .join(Location, Location.id == Movement.location_id)
            .join(Lot, Lot.id == Movement.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .outerjoin(original, original.id == Movement.reverses_movement_id)
            .where(
                Location.facility_id == facility_id, Location.kind != "transit", Movement.occurred_on <= end
            )
            .group_by(Product.code, Lot.lot_number, Lot.expires_on, before, kind, reason)
        )
    ).all()
    return pl.DataFrame(
        [(p, n, e, bool(b), k, r, int(d)) for p, n, e, b, k, r, d in rows], schema=LOT_MOVES, orient="row"
    )


async def lot_administered(session: AsyncSession, facility_id: int, start: date, end: date) -> pl.DataFrame:
    """Doses given per product × lot at one facility on [start, end] (vaccination days not reversed)."""
    reversed_documents = select(StockDocument.reverses_document_id).where(
        StockDocument.reverses_document_id.is_not(None)
    )
    rows = (
        await session.execute(
            select(Product.code, Lot.lot_number, func.sum(UsageRecord.doses_administered))
            .join(Product, Product.id == UsageRecord.product_id)
            .join(Lot, Lot.id == UsageRecord.lot_id)
            .where(
                UsageRecord.facility_id == facility_id,
                UsageRecord.session_on >= start,
                UsageRecord.session_on <= end,
                UsageRecord.document_id.not_in(reversed_documents),
            )
            .group_by(Product.code, Lot.lot_number)
        )
    ).all()
    return pl.DataFrame(
        [(p, n, int(d)) for p, n, d in rows],
        schema={"product_code": pl.String, "lot_number": pl.String, "administered": pl.Int64},
        orient="row",
    )


async def doses_given(session: AsyncSession, communes: list[str], start: date, end: date) -> pl.DataFrame:
    """Doses in the register per commune × antigen × dose × month, given on [start, end]."""
    rows = (
        await session.execute(
            select(
                Child.commune_code,
                ChildDose.antigen,
                ChildDose.dose_number,
                *_by_month(ChildDose.given_on, None, start, end, count=True),
            )
            .join(Child, Child.id == ChildDose.child_id)
            .where(Child.commune_code.in_(communes), ChildDose.given_on >= start, ChildDose.given_on <= end)
            .group_by(Child.commune_code, ChildDose.antigen, ChildDose.dose_number)
        )
    ).all()
    frame = _long(rows, ["commune_code", "antigen", "dose_number"], start, end, "doses", counts=True)
    return frame.select(DOSES_GIVEN.names()).cast(dict(DOSES_GIVEN))


async def completed_and_zero_dose(
    session: AsyncSession,
    communes: list[str],
    doses: list[tuple[str, int]],
    marker: tuple[str, int],
    start: date,
    end: date,
    *,
    born_after: date,
    born_on_or_before: date,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """From one pass over the register, per commune: the children who became fully immunized in each month
    of [start, end] (their last dose of ``doses``, every one of which they have, was given then), and the
    zero-dose children (born in (born_after, born_on_or_before] without the ``marker`` dose by ``end``)."""
    fic = tuple_(ChildDose.antigen, ChildDose.dose_number).in_(doses) if doses else false()
    is_marker = and_(
        ChildDose.antigen == marker[0], ChildDose.dose_number == marker[1], ChildDose.given_on <= end
    )
    if marker in doses:  # the usual schedule: read only the fully-immunized doses, test each row once
        rows_read, counted, last = fic, func.count(), func.max(ChildDose.given_on)
    else:
        rows_read = or_(fic, and_(ChildDose.antigen == marker[0], ChildDose.dose_number == marker[1]))
        counted, last = func.count().filter(fic), func.max(ChildDose.given_on).filter(fic)
    per_child = (
        select(
            ChildDose.child_id,
            counted.label("fic_doses"),
            last.label("done_on"),
            func.max(case((is_marker, 1), else_=0)).label("marker"),
        )
        .where(rows_read)
        .group_by(ChildDose.child_id)
        .subquery()
    )
    zero = func.count().filter(
        Child.birth_date > born_after,
        Child.birth_date <= born_on_or_before,
        func.coalesce(per_child.c.marker, 0) == 0,
    )
    complete = per_child.c.fic_doses == len(doses)
    months = [
        func.count()
        .filter(complete, per_child.c.done_on >= first, per_child.c.done_on < following)
        .label(f"m{i}")
        for i, first, following in _month_bounds(start, end)
    ]
    rows = (
        await session.execute(
            select(Child.commune_code, zero, *months)
            .outerjoin(per_child, per_child.c.child_id == Child.id)
            .where(Child.commune_code.in_(communes))
            .group_by(Child.commune_code)
        )
    ).all()
    zero_dose = pl.DataFrame([(r[0], r[1]) for r in rows if r[1]], schema=ZERO_DOSE, orient="row")
    done = _long([(r[0], *r[2:]) for r in rows], ["commune_code"], start, end, "children", counts=True)
    return done.select(COMPLETED.names()).cast(dict(COMPLETED)), zero_dose


# ---- report settings -------------------------------------------------------------------------------------


async def stored_settings(session: AsyncSession) -> list[ReportSetting]:
    """The stored overrides of the report settings, by name."""
    return list((await session.scalars(select(ReportSetting).order_by(ReportSetting.name))).all())


async def store_setting(session: AsyncSession, name: str, value: int, *, at: datetime, by: str) -> None:
    """Set one override in one statement (INSERT … ON CONFLICT DO UPDATE): two administrators saving at
    once both succeed, the later one's value stays."""
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(
        ReportSetting
    )
    await session.execute(
        insert.values(name=name, value=json.dumps(value), updated_at=at, updated_by=by).on_conflict_do_update(
            index_elements=[ReportSetting.name],
            set_={"value": json.dumps(value), "updated_at": at, "updated_by": by},
        )
    )


async def drop_setting(session: AsyncSession, name: str) -> None:
    """Remove one override (the default applies again); nothing if there is none."""
    await session.execute(delete(ReportSetting).where(ReportSetting.name == name))
