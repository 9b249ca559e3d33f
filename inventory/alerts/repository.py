"""All SQL of the alerts: the ledger read as frames for the rules, and the alert rows written and read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import case, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inventory.alerts import rules
from inventory.alerts.models import Alert, AlertEvaluation, AlertSetting
from inventory.catalog.models import Facility, Location, Product
from inventory.db import is_postgresql
from inventory.forecast.models import ForecastSetting
from inventory.stock.models import (
    Balance,
    Lot,
    LotPlaceState,
    Movement,
    Shipment,
    ShipmentLine,
    StockCount,
    StockDocument,
)
from inventory.timeutil import vietnam_day

OUTFLOW_KINDS = ("issue", "usage", "adjustment", "return")
"""Doses that leave a facility's storage for use, for another facility, or as waste (as the dashboard)."""
EVALUATION_LOCK = 0x7661_616C
"""PostgreSQL advisory lock: one evaluation at a time (two would both insert the same new alert)."""


def _frame(rows: Iterable[Sequence[Any]], schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ---- the ledger, as frames -----------------------------------------------------------------------------

    async def _rows(self, stmt: Any) -> Sequence[Any]:
        return (await self.session.execute(stmt)).all()

    async def facilities(self) -> pl.DataFrame:
        stmt = select(Facility.id, Facility.code, Facility.supplier_id, Facility.level).where(
            Facility.valid_to.is_(None)
        )
        return _frame(await self._rows(stmt), rules.FACILITIES)

    async def products(self) -> list[tuple[int, str]]:
        stmt = select(Product.id, Product.code).where(Product.is_diluent.is_(False)).order_by(Product.code)
        return [(i, c) for i, c in await self._rows(stmt)]

    async def stock(self) -> pl.DataFrame:
        stmt = (
            select(
                Location.facility_id,
                Location.id,
                Location.code,
                Lot.id,
                Lot.product_id,
                Product.code,
                Lot.lot_number,
                Lot.expires_on,
                # the lot's state at this place (cold chain: a hold or VVM reading belongs to a place)
                func.coalesce(LotPlaceState.vvm_stage, Lot.vvm_stage),
                func.coalesce(LotPlaceState.on_hold, False),
                Balance.doses,
            )
            .join(Location, Location.id == Balance.location_id)
            .join(Lot, Lot.id == Balance.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .outerjoin(
                LotPlaceState,
                (LotPlaceState.location_id == Balance.location_id) & (LotPlaceState.lot_id == Balance.lot_id),
            )
            .where(Location.kind != "transit", Product.is_diluent.is_(False))
        )
        return _frame(await self._rows(stmt), rules.STOCK)

    async def outflow(self, today: date, windows: Iterable[int]) -> pl.DataFrame:
        """Doses that left each facility's storage per product over the last `w` days (today included) for
        each window w, reversals netted out: an outflow movement, or a reversal of one."""
        outflow_kinds = Movement.kind.in_(OUTFLOW_KINDS)
        original = aliased(Movement)
        rows: list[tuple[int, int, int, int]] = []
        for window in sorted(set(windows)):
            since = today - timedelta(days=window - 1)
            # one pass over the window (a BRIN range on the day), summed per place and lot before any join
            direct = (
                select(Movement.location_id, Movement.lot_id, func.sum(-Movement.doses).label("doses"))
                .where(Movement.occurred_on >= since, Movement.doses < 0, outflow_kinds)
                .group_by(Movement.location_id, Movement.lot_id)
            )
            # reversals are few and found by their unique key to the original: a reversed outflow gives back
            undone = (
                select(Movement.location_id, Movement.lot_id, (-Movement.doses).label("doses"))
                .join(original, original.id == Movement.reverses_movement_id)
                .where(
                    Movement.reverses_movement_id.is_not(None),
                    Movement.occurred_on >= since,
                    original.doses < 0,
                    original.kind.in_(OUTFLOW_KINDS),
                    ~((Movement.doses < 0) & outflow_kinds),
                )
            )
            moved = direct.union_all(undone).subquery()
            stmt = (
                select(Location.facility_id, Lot.product_id, func.sum(moved.c.doses))
                .join(Location, Location.id == moved.c.location_id)
                .join(Lot, Lot.id == moved.c.lot_id)
                .where(Location.kind != "transit")
                .group_by(Location.facility_id, Lot.product_id)
            )
            rows.extend((f, p, window, int(d)) for f, p, d in await self._rows(stmt))
        return _frame(rows, rules.OUTFLOW)

    async def transit(self) -> pl.DataFrame:
        stmt = (
            select(Shipment.to_facility_id, Lot.product_id, func.sum(ShipmentLine.doses_sent))
            .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
            .join(Lot, Lot.id == ShipmentLine.lot_id)
            .where(Shipment.status == "in_transit")
            .group_by(Shipment.to_facility_id, Lot.product_id)
        )
        return _frame(await self._rows(stmt), rules.TRANSIT)

    async def open_shipments(self) -> pl.DataFrame:
        origin = aliased(Facility)
        stmt = (
            select(
                Shipment.id,
                Shipment.to_facility_id,
                origin.code,
                Shipment.dispatched_on,
                func.sum(ShipmentLine.doses_sent),
            )
            .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
            .join(origin, origin.id == Shipment.from_facility_id)
            .where(Shipment.status == "in_transit")
            .group_by(Shipment.id, Shipment.to_facility_id, origin.code, Shipment.dispatched_on)
        )
        return _frame(await self._rows(stmt), rules.OPEN_SHIPMENTS)

    async def received_shipments(self, since: date) -> pl.DataFrame:
        origin = aliased(Facility)
        line = ShipmentLine
        short = func.sum(case((line.doses_received != line.doses_sent, 1), else_=0))
        stmt = (
            select(
                Shipment.id,
                Shipment.to_facility_id,
                origin.code,
                StockDocument.occurred_on,
                func.sum(line.doses_sent),
                func.sum(func.coalesce(line.doses_received, 0)),
                short,
                func.sum(case((line.vvm_stage_on_arrival >= 3, 1), else_=0)),
                func.sum(case((line.freeze_indicator_alarm.is_(True), 1), else_=0)),
            )
            .join(line, line.shipment_id == Shipment.id)
            .join(origin, origin.id == Shipment.from_facility_id)
            .join(StockDocument, StockDocument.id == Shipment.receipt_document_id)
            .where(Shipment.status == "received", StockDocument.occurred_on >= since)
            .group_by(Shipment.id, Shipment.to_facility_id, origin.code, StockDocument.occurred_on)
        )
        return _frame(await self._rows(stmt), rules.RECEIVED_SHIPMENTS)

    async def counts(self) -> pl.DataFrame:
        last = (
            select(StockCount.facility_id, func.max(StockCount.counted_on).label("last"))
            .where(StockCount.status == "submitted")
            .group_by(StockCount.facility_id)
            .subquery()
        )
        # one step of ix_stock_document_facility_day per facility, not a scan of every document
        first = (
            select(func.min(StockDocument.occurred_on))
            .where(StockDocument.facility_id == Facility.id)
            .scalar_subquery()
        )
        stmt = select(Facility.id, last.c.last, first).outerjoin(last, last.c.facility_id == Facility.id)
        return _frame(await self._rows(stmt), rules.COUNTS)

    async def holds(self) -> pl.DataFrame:
        stmt = (
            select(LotPlaceState.lot_id, func.min(LotPlaceState.updated_at))
            .where(LotPlaceState.on_hold.is_(True))
            .group_by(LotPlaceState.lot_id)
        )
        rows = [(lot, vietnam_day(at)) for lot, at in await self._rows(stmt)]
        return _frame(rows, rules.HOLDS)

    async def overrides(self) -> list[tuple[str, str, str, Any]]:
        """(facility, product, name, value) of every alert override and the forecast's reserve and lead time."""
        alert = select(
            AlertSetting.facility_code, AlertSetting.product_code, AlertSetting.name, AlertSetting.value
        )
        forecast = select(
            ForecastSetting.facility_code,
            ForecastSetting.product_code,
            ForecastSetting.name,
            ForecastSetting.value,
        ).where(ForecastSetting.name.in_(("reserve_share", "lead_time_days")))
        rows = [*await self._rows(alert), *await self._rows(forecast)]
        return [(f, p, n, json.loads(v)) for f, p, n, v in rows]

    async def alert_settings(self) -> list[AlertSetting]:
        stmt = select(AlertSetting).order_by(
            AlertSetting.facility_code, AlertSetting.product_code, AlertSetting.name
        )
        return list((await self.session.scalars(stmt)).all())

    async def alert_setting(self, facility: str, product: str, name: str) -> AlertSetting | None:
        return await self.session.scalar(
            select(AlertSetting).where(
                AlertSetting.facility_code == facility,
                AlertSetting.product_code == product,
                AlertSetting.name == name,
            )
        )

    # ---- alert rows ----------------------------------------------------------------------------------------

    async def lock_evaluation(self) -> None:
        if is_postgresql(self.session):
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVALUATION_LOCK})

    async def open_alerts(self) -> dict[str, tuple[int, str, str, date]]:
        """key -> (id, severity, numbers, since) of every open alert."""
        stmt = select(Alert.key, Alert.id, Alert.severity, Alert.numbers, Alert.since).where(
            Alert.resolved_at.is_(None)
        )
        return {k: (i, s, n, d) for k, i, s, n, d in await self._rows(stmt)}

    async def insert_alerts(self, rows: list[dict[str, Any]]) -> None:
        """New alerts; on PostgreSQL by COPY (one stream, not a statement per row: a province's first
        evaluation opens thousands)."""
        if not rows:
            return
        if not is_postgresql(self.session):
            await self.session.execute(insert(Alert), rows)
            return
        columns = list(rows[0])
        connection = await (await self.session.connection()).get_raw_connection()
        await connection.driver_connection.copy_records_to_table(
            Alert.__tablename__, columns=columns, records=[tuple(r[c] for c in columns) for r in rows]
        )

    async def update_alerts(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(update(Alert), rows)

    async def resolve_alerts(self, ids: list[int], at: datetime) -> None:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            await self.session.execute(
                update(Alert).where(Alert.id.in_(chunk)).values(resolved_at=at, updated_at=at)
            )

    def record_evaluation(self, row: AlertEvaluation) -> None:
        self.session.add(row)

    async def last_evaluation(self) -> datetime | None:
        return await self.session.scalar(select(func.max(AlertEvaluation.evaluated_at)))

    def _filtered(
        self,
        stmt: Any,
        *,
        readable: frozenset[int] | None,
        facility_ids: Sequence[int] | None,
        kind: str | None,
        severity: str | None,
        state: str,
    ) -> Any:
        if readable is not None:
            stmt = stmt.where(Alert.facility_id.in_(sorted(readable)))
        if facility_ids is not None:
            stmt = stmt.where(Alert.facility_id.in_(list(facility_ids)))
        if kind:
            stmt = stmt.where(Alert.kind == kind)
        if severity:
            stmt = stmt.where(Alert.severity == severity)
        if state == "open":
            stmt = stmt.where(Alert.resolved_at.is_(None))
        elif state == "resolved":
            stmt = stmt.where(Alert.resolved_at.is_not(None))
        elif state == "unacknowledged":
            stmt = stmt.where(Alert.resolved_at.is_(None), Alert.acknowledged_at.is_(None))
        return stmt

    async def list_alerts(
        self, *, offset: int, limit: int, **filters: Any
    ) -> tuple[list[tuple[Alert, str, str]], int]:
        """A page of alerts with their facility's code and name, most severe and oldest first; and the total."""
        stmt = self._filtered(
            select(Alert, Facility.code, Facility.name).join(Facility, Facility.id == Alert.facility_id),
            **filters,
        ).order_by(Alert.resolved_at.is_not(None), Alert.severity_rank, Alert.since, Alert.id)
        total = await self.session.scalar(self._filtered(select(func.count(Alert.id)), **filters))
        rows = (await self.session.execute(stmt.offset(offset).limit(limit))).all()
        return [(a, code, name) for a, code, name in rows], int(total or 0)

    async def count_open(self, readable: frozenset[int] | None) -> int:
        """Open, unacknowledged alerts the reader may see: one count on the open alerts' partial index."""
        stmt = (
            select(func.count())
            .select_from(Alert)
            .where(Alert.resolved_at.is_(None), Alert.acknowledged_at.is_(None))
        )
        if readable is not None:
            stmt = stmt.where(Alert.facility_id.in_(sorted(readable)))
        return int(await self.session.scalar(stmt) or 0)

    async def alert(self, alert_id: int, *, for_update: bool = False) -> Alert | None:
        return await self.session.get(Alert, alert_id, with_for_update=for_update)

    async def facility_ids(self, codes: Sequence[str]) -> dict[str, int]:
        rows = await self._rows(select(Facility.code, Facility.id).where(Facility.code.in_(list(codes))))
        return {c: i for c, i in rows}

    async def facility_name(self, facility_id: int) -> tuple[str, str]:
        row = (
            await self.session.execute(select(Facility.code, Facility.name).where(Facility.id == facility_id))
        ).one()
        return row[0], row[1]

    async def facility_names(self, ids: set[int]) -> dict[int, tuple[str, str, str]]:
        stmt = select(Facility.id, Facility.code, Facility.name, Facility.level).where(
            Facility.id.in_(sorted(ids))
        )
        return {i: (c, n, lvl) for i, c, n, lvl in await self._rows(stmt)}

    async def open_counts(self, ids: set[int]) -> dict[int, dict[str, tuple[int, int]]]:
        """facility -> kind -> (open alerts, most severe rank)."""
        stmt = (
            select(Alert.facility_id, Alert.kind, func.count(), func.min(Alert.severity_rank))
            .where(Alert.resolved_at.is_(None), Alert.facility_id.in_(sorted(ids)))
            .group_by(Alert.facility_id, Alert.kind)
        )
        found: dict[int, dict[str, tuple[int, int]]] = {}
        for facility_id, kind, count, rank in await self._rows(stmt):
            found.setdefault(facility_id, {})[kind] = (int(count), int(rank))
        return found

    async def open_levels(self, facility_id: int) -> dict[str, str]:
        """product code -> the open stock-level kind at a facility (the dashboard's colours)."""
        stmt = (
            select(Product.code, Alert.kind)
            .join(Product, Product.id == Alert.product_id)
            .where(
                Alert.resolved_at.is_(None),
                Alert.facility_id == facility_id,
                Alert.kind.in_(("stock_out", "below_reserve", "below_reorder", "above_maximum")),
            )
        )
        return {code: kind for code, kind in await self._rows(stmt)}

    async def changed_since(
        self, since: datetime | None, readable: frozenset[int] | None
    ) -> tuple[list[tuple[Alert, str]], list[tuple[Alert, str]], list[tuple[Alert, str]]]:
        """For a digest: alerts opened since, resolved since, and every one still open (with facility codes)."""
        base = select(Alert, Facility.code).join(Facility, Facility.id == Alert.facility_id)
        if readable is not None:
            base = base.where(Alert.facility_id.in_(sorted(readable)))
        order = (Alert.severity_rank, Alert.since, Alert.id)
        still = (await self.session.execute(base.where(Alert.resolved_at.is_(None)).order_by(*order))).all()
        if since is None:
            new = list(still)
            resolved: list[Any] = []
        else:
            new = [(a, c) for a, c in still if a.opened_at > since]
            stmt = base.where(Alert.resolved_at > since).order_by(*order)
            resolved = list((await self.session.execute(stmt)).all())
        return [(a, c) for a, c in new], [(a, c) for a, c in resolved], [(a, c) for a, c in still]
