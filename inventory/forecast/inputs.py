"""The forecast's inputs read from the ledger and the register, as the frames forecasting.needs expects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import anyio.to_thread
import polars as pl
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from forecasting import needs
from forecasting.periods import SupplyPeriod
from forecasting.schedule import schedule_in_force
from inventory.auth import Principal
from inventory.catalog.models import AdminUnit, Facility, Location, Product
from inventory.datacache import DataCache
from inventory.errors import UnknownReference
from inventory.register.reads import RegisterReads
from inventory.settings import Settings
from inventory.stock.domain import is_usable
from inventory.stock.models import (
    Balance,
    Lot,
    LotPlaceState,
    Movement,
    Shipment,
    ShipmentLine,
    StockDocument,
    UsageRecord,
)
from inventory.stock.repository import lot_state

TARGET_GROUPS = {"BCG": "births", "HEPB": "births", "TT": "pregnant_women", "TD": "children_7y"}
"""Which population a product's doses are counted against (others: surviving infants)."""
HISTORY_MONTHS = 13


class ForecastInputs:
    """Readers of the forecast's inputs, shared by :class:`inventory.forecast.service.ForecastService`."""

    session: AsyncSession
    principal: Principal
    today: date
    settings: Settings
    cache: DataCache | None

    async def _facilities(self, root_code: str) -> pl.DataFrame:
        """The root facility and every facility it supplies, directly or not (operating today)."""
        supplier = aliased(Facility)
        rows = (
            await self.session.execute(
                select(
                    Facility.id,
                    Facility.code,
                    Facility.name,
                    Facility.level,
                    supplier.code,
                    Facility.population,
                    Facility.supplier_id,
                )
                .outerjoin(supplier, supplier.id == Facility.supplier_id)
                .where(Facility.valid_to.is_(None))
            )
        ).all()
        by_id = {r[0]: r for r in rows}
        root = next((r for r in rows if r[1] == root_code), None)
        if root is None:
            raise UnknownReference(
                message="error.facility.unknown", params={"code": root_code}, field="facility"
            )

        self.principal.require_read(root[0], root_code, field="facility")
        keep, todo = {root[0]}, [root[0]]
        while todo:
            parent = todo.pop()
            for r in rows:
                if r[6] == parent and r[0] not in keep:
                    keep.add(r[0])
                    todo.append(r[0])
        return pl.DataFrame(
            [
                (
                    by_id[i][1],
                    by_id[i][2],
                    by_id[i][3],
                    by_id[i][4] if i != root[0] else None,
                    by_id[i][5] if by_id[i][3] == "commune" else None,
                )
                for i in sorted(keep)
            ],
            schema=needs.FACILITIES,
            orient="row",
        )

    async def _products(self, period: SupplyPeriod) -> pl.DataFrame:
        schedule = schedule_in_force(
            await RegisterReads(self.session, self.principal, settings=self.settings).schedule(),
            on=max(period.start, self.today),
        )
        doses = dict(schedule.group_by("product_code").agg(pl.len()).iter_rows())
        rows = (await self.session.execute(select(Product).order_by(Product.code))).scalars().all()
        return pl.DataFrame(
            [
                (
                    p.code,
                    p.name,
                    p.doses_per_vial,
                    p.vials_per_pack,
                    p.is_diluent,
                    p.diluent_code,
                    p.keep_opened_vial,
                    p.presentation,
                    None if p.is_diluent else int(doses.get(p.code, 0)) or None,
                    None if p.is_diluent else TARGET_GROUPS.get(p.code, "surviving_infants"),
                )
                for p in rows
            ],
            schema=needs.PRODUCTS,
            orient="row",
        )

    async def _history(self, facilities: pl.DataFrame) -> pl.DataFrame:
        """Monthly doses used (vials opened) and given, stock-out days and closing stock, from the ledger."""
        codes = facilities["facility_code"].to_list()
        start = (self.today.replace(day=1) - timedelta(days=31 * HISTORY_MONTHS)).replace(day=1)
        # a reversal counts as the kind it cancels (and carries its day): a reversed usage uses nothing
        original = aliased(Movement)
        kind = func.coalesce(original.kind, Movement.kind)
        moves = (
            await self.session.execute(
                select(Facility.code, Product.code, Movement.occurred_on, kind, func.sum(Movement.doses))
                .join(Location, Location.id == Movement.location_id)
                .join(Facility, Facility.id == Location.facility_id)
                .join(Lot, Lot.id == Movement.lot_id)
                .join(Product, Product.id == Lot.product_id)
                .outerjoin(original, original.id == Movement.reverses_movement_id)
                .where(Facility.code.in_(codes), Location.kind != "transit")
                .group_by(Facility.code, Product.code, Movement.occurred_on, kind)
            )
        ).all()
        given = (
            await self.session.execute(
                select(
                    Facility.code,
                    Product.code,
                    UsageRecord.session_on,
                    func.sum(UsageRecord.doses_administered),
                )
                .join(Facility, Facility.id == UsageRecord.facility_id)
                .join(Product, Product.id == UsageRecord.product_id)
                .where(
                    Facility.code.in_(codes),
                    UsageRecord.session_on >= start,
                    UsageRecord.document_id.not_in(
                        select(StockDocument.reverses_document_id).where(
                            StockDocument.reverses_document_id.is_not(None)
                        )
                    ),
                )
                .group_by(Facility.code, Product.code, UsageRecord.session_on)
            )
        ).all()
        # the frame work runs in a worker thread: other requests are answered meanwhile
        return await anyio.to_thread.run_sync(_history_frame, moves, given, start, self.today)

    async def _stock(self, facilities: pl.DataFrame) -> pl.DataFrame:
        """Usable doses on hand and doses in transit to each facility, per product."""
        codes = facilities["facility_code"].to_list()
        rows = (
            await self.session.execute(
                select(Facility.code, Product.code, Lot, Balance.doses, LotPlaceState)
                .join(Location, Location.id == Balance.location_id)
                .join(Facility, Facility.id == Location.facility_id)
                .join(Lot, Lot.id == Balance.lot_id)
                .join(Product, Product.id == Lot.product_id)
                .outerjoin(
                    LotPlaceState,
                    and_(LotPlaceState.lot_id == Lot.id, LotPlaceState.location_id == Balance.location_id),
                )
                .where(Facility.code.in_(codes), Location.kind != "transit", Balance.doses > 0)
            )
        ).all()
        on_hand: dict[tuple[str, str], int] = {}
        for facility, product, lot, doses, place in rows:
            if is_usable(lot_state(lot, product, place), self.today):
                on_hand[(facility, product)] = on_hand.get((facility, product), 0) + doses
        transit_rows = (
            await self.session.execute(
                select(Facility.code, Product.code, func.sum(ShipmentLine.doses_sent))
                .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
                .join(Facility, Facility.id == Shipment.to_facility_id)
                .join(Lot, Lot.id == ShipmentLine.lot_id)
                .join(Product, Product.id == Lot.product_id)
                .where(Shipment.status == "in_transit", Facility.code.in_(codes))
                .group_by(Facility.code, Product.code)
            )
        ).all()
        transit = {(f, p): int(d) for f, p, d in transit_rows}
        keys = sorted(set(on_hand) | set(transit))
        return pl.DataFrame(
            [(f, p, on_hand.get((f, p), 0), transit.get((f, p), 0)) for f, p in keys],
            schema=needs.STOCK,
            orient="row",
        )

    async def _backlog(self, facilities: pl.DataFrame) -> pl.DataFrame:
        """Overdue catch-up doses per commune facility, from the register's backlog."""
        register = RegisterReads(
            self.session, self.principal, today=self.today, settings=self.settings, cache=self.cache
        )
        frame = await register.backlog_frame(self.today)
        rows = (
            await self.session.execute(
                select(AdminUnit.code, Facility.code)
                .join(Facility, Facility.admin_unit_id == AdminUnit.id)
                .where(Facility.level == "commune", Facility.valid_to.is_(None))
            )
        ).all()
        commune_facilities = pl.LazyFrame(rows, schema=needs.COMMUNE_FACILITIES, orient="row")
        backlog = await needs.catchup_backlog(
            frame.lazy().select(needs.REGISTER_BACKLOG.names()), facilities=commune_facilities
        ).collect_async()
        return backlog.filter(pl.col("facility_code").is_in(facilities["facility_code"].implode()))


def _history_frame(moves: Sequence[Any], given: Sequence[Any], start: date, today: date) -> pl.DataFrame:
    """Monthly consumption (forecasting's CONSUMPTION) from the ledger's daily sums and the sessions' doses."""
    schema = {
        "facility_code": pl.String,
        "product_code": pl.String,
        "day": pl.Date,
        "kind": pl.String,
        "doses": pl.Int64,
    }
    daily = pl.DataFrame(moves, schema=schema, orient="row")
    end = today - timedelta(days=1)
    days = pl.DataFrame({"day": pl.date_range(start, end, eager=True)})
    pairs = daily.select("facility_code", "product_code").unique()
    balance = (
        pairs.join(days, how="cross")
        .join(
            daily.group_by("facility_code", "product_code", "day").agg(pl.col("doses").sum()),
            on=["facility_code", "product_code", "day"],
            how="left",
        )
        .join(
            daily.filter(pl.col("day") < start)
            .group_by("facility_code", "product_code")
            .agg(pl.col("doses").sum().alias("opening")),
            on=["facility_code", "product_code"],
            how="left",
        )
        .sort("facility_code", "product_code", "day")
        .with_columns(
            (
                pl.col("opening").fill_null(0)
                + pl.col("doses").fill_null(0).cum_sum().over("facility_code", "product_code")
            ).alias("closing"),
            pl.col("day").dt.truncate("1mo").alias("month"),
        )
    )
    first_held = daily.group_by("facility_code", "product_code").agg(pl.col("day").min().alias("first_day"))
    monthly_stock = (
        balance.join(first_held, on=["facility_code", "product_code"])
        # months before the facility first held the product are no history of its consumption
        .filter(pl.col("month") >= pl.col("first_day").dt.truncate("1mo"))
        .group_by("facility_code", "product_code", "month")
        .agg(
            # a day counts as out of stock only once the facility has ever held the product
            ((pl.col("closing") <= 0) & (pl.col("day") >= pl.col("first_day")))
            .sum()
            .cast(pl.Int64)
            .alias("stockout_days"),
            pl.col("closing").last().alias("closing_stock"),
        )
    )
    used = (
        daily.filter(pl.col("kind") == "usage", pl.col("day") >= start)
        .with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
        .group_by("facility_code", "product_code", "month")
        .agg((-pl.col("doses").sum()).alias("doses_used"))
    )
    administered = (
        pl.DataFrame(
            given,
            schema={
                "facility_code": pl.String,
                "product_code": pl.String,
                "day": pl.Date,
                "doses_administered": pl.Int64,
            },
            orient="row",
        )
        .with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
        .group_by("facility_code", "product_code", "month")
        .agg(pl.col("doses_administered").sum())
    )
    keys = ["facility_code", "product_code", "month"]
    return (
        monthly_stock.join(used, on=keys, how="full", coalesce=True)
        .join(administered, on=keys, how="full", coalesce=True)
        .with_columns(pl.col("doses_used", "doses_administered", "stockout_days").fill_null(0))
        .select(needs.CONSUMPTION.names())
        .cast(dict(needs.CONSUMPTION))
        .sort(keys)
    )
