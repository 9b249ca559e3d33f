"""The reports' SQL: set-based sums of the ledger and the register, each returned as a polars frame."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Date, DateTime, and_, cast, exists, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inventory.catalog.models import AdminUnit, Facility, Location, Product
from inventory.register.models import Child, ChildDose
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
        "year": pl.Int64,
        "month": pl.Int64,
        "kind": pl.String,
        "reason": pl.String,
        "doses": pl.Int64,
    }
)
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
    {
        "facility_id": pl.Int64,
        "product_code": pl.String,
        "year": pl.Int64,
        "month": pl.Int64,
        "administered": pl.Int64,
    }
)
DOSES_GIVEN = pl.Schema(
    {
        "commune_code": pl.String,
        "antigen": pl.String,
        "dose_number": pl.Int64,
        "year": pl.Int64,
        "month": pl.Int64,
        "doses": pl.Int64,
    }
)
COMPLETED = pl.Schema({"commune_code": pl.String, "year": pl.Int64, "month": pl.Int64, "children": pl.Int64})
ZERO_DOSE = pl.Schema({"commune_code": pl.String, "zero_dose": pl.Int64})


async def tune(session: AsyncSession) -> None:
    """On PostgreSQL, give the report's aggregates room to sort and hash in memory, and no JIT (compiling
    costs more than these few-second aggregates gain); for this transaction only."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
        await session.execute(text("SET LOCAL jit = off"))


def _month(session: AsyncSession, column):
    """The first day of the column's month, as a cheap sort key (a date, not two numeric extracts)."""
    if session.get_bind().dialect.name == "postgresql":
        # on a timestamp without time zone: date_trunc on a date would go through timestamptz (slow)
        return cast(func.date_trunc("month", cast(column, DateTime)), Date)
    return func.date(column, "start of month")


def _ym(value: object) -> tuple[int, int]:
    text_value = str(value)
    return int(text_value[:4]), int(text_value[5:7])


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
    """Σ doses per facility × product × month × kind × reason, on [start, end], outside transit.

    Movements before ``start`` come as one row per facility × product × kind with year 0 and month 0
    (the opening balance)."""
    original, kind, reason = _kind_and_reason()
    base = (
        select()
        .select_from(Movement)
        .join(Location, Location.id == Movement.location_id)
        .join(Lot, Lot.id == Movement.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(original, original.id == Movement.reverses_movement_id)
        .where(Location.facility_id.in_(facility_ids), Location.kind != "transit")
    )
    month = _month(session, Movement.occurred_on)
    within = base.add_columns(
        Location.facility_id, Product.code, month, kind, reason, func.sum(Movement.doses)
    ).where(Movement.occurred_on >= start, Movement.occurred_on <= end)
    within = within.group_by(Location.facility_id, Product.code, month, kind, reason)
    before = (
        base.add_columns(Location.facility_id, Product.code, func.sum(Movement.doses))
        .where(Movement.occurred_on < start)
        .group_by(Location.facility_id, Product.code)
    )
    rows = [(f, p, *_ym(m), k, r, int(d)) for f, p, m, k, r, d in (await session.execute(within)).all()]
    rows += [(f, p, 0, 0, "opening", None, int(d)) for f, p, d in (await session.execute(before)).all()]
    return pl.DataFrame(rows, schema=MONTHLY_MOVES, orient="row")


async def administered(
    session: AsyncSession, facility_ids: list[int], start: date, end: date
) -> pl.DataFrame:
    """Doses given per facility × product × month at vaccination days not reversed, on [start, end]."""
    month = _month(session, UsageRecord.session_on)
    reversed_documents = select(StockDocument.reverses_document_id).where(
        StockDocument.reverses_document_id.is_not(None)
    )
    rows = (
        await session.execute(
            select(UsageRecord.facility_id, Product.code, month, func.sum(UsageRecord.doses_administered))
            .join(Product, Product.id == UsageRecord.product_id)
            .where(
                UsageRecord.facility_id.in_(facility_ids),
                UsageRecord.session_on >= start,
                UsageRecord.session_on <= end,
                UsageRecord.document_id.not_in(reversed_documents),
            )
            .group_by(UsageRecord.facility_id, Product.code, month)
        )
    ).all()
    return pl.DataFrame([(f, p, *_ym(m), int(d)) for f, p, m, d in rows], schema=ADMINISTERED, orient="row")


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
    month = _month(session, ChildDose.given_on)
    rows = (
        await session.execute(
            select(Child.commune_code, ChildDose.antigen, ChildDose.dose_number, month, func.count())
            .join(Child, Child.id == ChildDose.child_id)
            .where(Child.commune_code.in_(communes), ChildDose.given_on >= start, ChildDose.given_on <= end)
            .group_by(Child.commune_code, ChildDose.antigen, ChildDose.dose_number, month)
        )
    ).all()
    return pl.DataFrame(
        [(c, a, int(n), *_ym(m), int(d)) for c, a, n, m, d in rows], schema=DOSES_GIVEN, orient="row"
    )


async def completed(
    session: AsyncSession, communes: list[str], doses: list[tuple[str, int]], start: date, end: date
) -> pl.DataFrame:
    """Children per commune × month who became fully immunized then: their last dose of ``doses`` (every one
    of which they have) was given in that month of [start, end]."""
    if not doses:
        return pl.DataFrame(schema=COMPLETED)
    last = (
        select(ChildDose.child_id, func.max(ChildDose.given_on).label("done_on"))
        .where(tuple_(ChildDose.antigen, ChildDose.dose_number).in_(doses))
        .group_by(ChildDose.child_id)
        .having(func.count() == len(doses))
        .subquery()
    )
    month = _month(session, last.c.done_on)
    rows = (
        await session.execute(
            select(Child.commune_code, month, func.count())
            .join(last, last.c.child_id == Child.id)
            .where(Child.commune_code.in_(communes), last.c.done_on >= start, last.c.done_on <= end)
            .group_by(Child.commune_code, month)
        )
    ).all()
    return pl.DataFrame([(c, *_ym(m), int(n)) for c, m, n in rows], schema=COMPLETED, orient="row")


async def zero_dose(
    session: AsyncSession,
    communes: list[str],
    marker: tuple[str, int],
    as_of: date,
    *,
    born_after: date,
    born_on_or_before: date,
) -> pl.DataFrame:
    """Children per commune born in (born_after, born_on_or_before] without the marker dose (DTP1) by as_of."""
    has_marker = exists().where(
        and_(
            ChildDose.child_id == Child.id,
            ChildDose.antigen == marker[0],
            ChildDose.dose_number == marker[1],
            ChildDose.given_on <= as_of,
        )
    )
    rows = (
        await session.execute(
            select(Child.commune_code, func.count())
            .where(
                Child.commune_code.in_(communes),
                Child.birth_date > born_after,
                Child.birth_date <= born_on_or_before,
                ~has_marker,
            )
            .group_by(Child.commune_code)
        )
    ).all()
    return pl.DataFrame([(c, int(n)) for c, n in rows], schema=ZERO_DOSE, orient="row")
