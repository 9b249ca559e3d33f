"""The vaccine request: inputs read from the ledger and the register, needs computed by forecasting.needs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from forecasting import charts, documents, needs
from forecasting.periods import SupplyPeriod, parse_period
from forecasting.schedule import schedule_in_force
from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import AdminUnit, Facility, Location, Product
from inventory.errors import RuleViolation, UnknownReference, ValidationFailed
from inventory.forecast.models import ForecastSetting
from inventory.register.service import RegisterService
from inventory.stock.domain import is_usable
from inventory.stock.models import (
    Balance,
    Lot,
    Movement,
    Shipment,
    ShipmentLine,
    StockDocument,
    UsageRecord,
)
from inventory.stock.repository import lot_state
from inventory.timeutil import today_vn, utcnow

TARGET_GROUPS = {"BCG": "births", "HEPB": "births", "TT": "pregnant_women", "TD": "children_7y"}
"""Which population a product's doses are counted against (others: surviving infants)."""
ORAL = ("BOPV", "ROTA")
"""Given by mouth: no syringe or safety box bundled."""
HISTORY_MONTHS = 13


@dataclass(frozen=True)
class Forecast:
    period: SupplyPeriod
    root: str
    parameters: needs.Parameters
    lines: pl.DataFrame
    supplies: pl.DataFrame
    backlog: pl.DataFrame
    history: pl.DataFrame


def _refuse_parameter(exc: needs.ForecastParameterError) -> ValidationFailed:
    return ValidationFailed(str(exc), field=exc.field, scope=getattr(exc, "scope", None))


class ForecastService:
    def __init__(self, session: AsyncSession, principal: Principal, *, today: date | None = None) -> None:
        self.session = session
        self.principal = principal
        self.today = today or today_vn()

    # ---- parameters ----------------------------------------------------------------------------------------

    async def overrides(self) -> list[ForecastSetting]:
        stmt = select(ForecastSetting).order_by(
            ForecastSetting.facility_code, ForecastSetting.product_code, ForecastSetting.name
        )
        return list((await self.session.scalars(stmt)).all())

    async def parameters(self) -> needs.Parameters:
        """WHO defaults with the stored overrides (facility × product beats facility beats product)."""
        defaults: dict[str, Any] = {}
        by_product: dict[str, dict[str, Any]] = {}
        by_facility: dict[str, dict[str, Any]] = {}
        by_pair: dict[tuple[str, str], dict[str, Any]] = {}
        for o in await self.overrides():
            value = json.loads(o.value)
            if o.facility_code and o.product_code:
                by_pair.setdefault((o.facility_code, o.product_code), {})[o.name] = value
            elif o.facility_code:
                by_facility.setdefault(o.facility_code, {})[o.name] = value
            elif o.product_code:
                by_product.setdefault(o.product_code, {})[o.name] = value
            else:
                defaults[o.name] = value
        try:
            return needs.Parameters(
                defaults=needs.Settings(**defaults).validate(),
                by_product=by_product,
                by_facility=by_facility,
                by_facility_product=by_pair,
            )
        except needs.ForecastParameterError as exc:
            raise _refuse_parameter(exc) from None
        except TypeError as exc:
            raise ValidationFailed(str(exc), field="name") from None

    async def set_override(self, *, name: str, value: Any, facility: str | None, product: str | None) -> None:
        """Store one override after checking it (an impossible value is refused, naming it)."""
        facility_id = await self._scoped_facility(facility)
        if name not in needs.SETTING_NAMES:
            raise ValidationFailed(
                f"unknown setting {name!r}; known: {', '.join(needs.SETTING_NAMES)}", field="name"
            )
        if facility and facility_id is None:
            raise UnknownReference(f"unknown facility {facility!r}", field="facility")
        if product and await self.session.scalar(select(Product.id).where(Product.code == product)) is None:
            raise UnknownReference(f"unknown product {product!r}", field="product")
        try:
            needs.Settings(**{name: value}).validate(scope=f"{facility or '*'} × {product or '*'}")
        except needs.ForecastParameterError as exc:
            raise _refuse_parameter(exc) from None
        except TypeError as exc:
            raise ValidationFailed(str(exc), field="value") from None
        row = await self.session.scalar(
            select(ForecastSetting).where(
                ForecastSetting.facility_code == (facility or ""),
                ForecastSetting.product_code == (product or ""),
                ForecastSetting.name == name,
            )
        )
        if row is None:
            row = ForecastSetting(
                facility_code=facility or "",
                product_code=product or "",
                name=name,
                value="null",
                updated_at=utcnow(),
                updated_by=self.principal.username,
            )
            self.session.add(row)
        old = row.value
        row.value, row.updated_at, row.updated_by = json.dumps(value), utcnow(), self.principal.username
        record(
            self.session,
            self.principal,
            "forecast.setting",
            facility_code=facility,
            changes={"name": name, "product": product, "from": json.loads(old), "to": value},
        )
        await self.session.flush()

    async def _scoped_facility(self, facility: str | None) -> int | None:
        """Admins set defaults for everyone; a store keeper sets them for its own facility and those it
        supplies, one facility at a time; nobody else changes forecast parameters. Returns the facility's
        id: None for every facility (or, for an admin, an unknown code, which the caller refuses)."""
        self.principal.require_role("admin", "store_keeper", action="change forecast parameters")
        facility_id = (
            await self.session.scalar(select(Facility.id).where(Facility.code == facility))
            if facility
            else None
        )
        if self.principal.is_admin:
            return facility_id
        if not facility:
            raise Forbidden(
                f"{self.principal.username} may set parameters for a facility only (defaults for every "
                "facility are an administrator's)",
                field="facility",
            )
        if facility_id is None:
            raise UnknownReference(f"unknown facility {facility!r}", field="facility")
        if not self.principal.can_read(facility_id):
            raise Forbidden(
                f"{self.principal.username} may not set parameters for {facility}", field="facility"
            )
        return facility_id

    async def clear_override(self, *, name: str, facility: str | None, product: str | None) -> None:
        await self._scoped_facility(facility)
        row = await self.session.scalar(
            select(ForecastSetting).where(
                ForecastSetting.facility_code == (facility or ""),
                ForecastSetting.product_code == (product or ""),
                ForecastSetting.name == name,
            )
        )
        if row is not None:
            await self.session.delete(row)
            record(
                self.session,
                self.principal,
                "forecast.setting",
                facility_code=facility,
                changes={"name": name, "product": product, "from": json.loads(row.value), "to": None},
            )

    # ---- inputs --------------------------------------------------------------------------------------------

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
            raise UnknownReference(f"unknown facility {root_code!r}", field="facility")
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
            await RegisterService(self.session, self.principal).schedule(), on=max(period.start, self.today)
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
        schema = {
            "facility_code": pl.String,
            "product_code": pl.String,
            "day": pl.Date,
            "kind": pl.String,
            "doses": pl.Int64,
        }
        daily = pl.DataFrame(moves, schema=schema, orient="row")
        end = self.today - timedelta(days=1)
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
        first_held = daily.group_by("facility_code", "product_code").agg(
            pl.col("day").min().alias("first_day")
        )
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

    async def _stock(self, facilities: pl.DataFrame) -> pl.DataFrame:
        """Usable doses on hand and doses in transit to each facility, per product."""
        codes = facilities["facility_code"].to_list()
        rows = (
            await self.session.execute(
                select(Facility.code, Product.code, Lot, Balance.doses)
                .join(Location, Location.id == Balance.location_id)
                .join(Facility, Facility.id == Location.facility_id)
                .join(Lot, Lot.id == Balance.lot_id)
                .join(Product, Product.id == Lot.product_id)
                .where(Facility.code.in_(codes), Location.kind != "transit", Balance.doses > 0)
            )
        ).all()
        on_hand: dict[tuple[str, str], int] = {}
        for facility, product, lot, doses in rows:
            if is_usable(lot_state(lot, product), self.today):
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
        register = RegisterService(self.session, self.principal, today=self.today)
        frame = await register.backlog_frame(self.today)
        rows = (
            await self.session.execute(
                select(AdminUnit.code, Facility.code)
                .join(Facility, Facility.admin_unit_id == AdminUnit.id)
                .where(Facility.level == "commune", Facility.valid_to.is_(None))
            )
        ).all()
        commune_facilities = pl.LazyFrame(rows, schema=needs.COMMUNE_FACILITIES, orient="row")
        backlog = needs.catchup_backlog(
            frame.lazy().select(needs.REGISTER_BACKLOG.names()), facilities=commune_facilities
        ).collect()
        return backlog.filter(pl.col("facility_code").is_in(facilities["facility_code"].implode()))

    # ---- the forecast --------------------------------------------------------------------------------------

    async def run(self, period_text: str, root: str | None = None) -> Forecast:
        """Needs and orders for the root facility's tree over a period, with every line's workings."""
        try:
            period = parse_period(period_text)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="period") from None
        root = root or self.principal.facility_code or "TTYT-MT"
        facilities = await self._facilities(root)
        parameters = await self.parameters()
        products = await self._products(period)
        history = await self._history(facilities)
        stock = await self._stock(facilities)
        backlog = await self._backlog(facilities)
        try:
            lines = needs.forecast_needs(
                products=products.lazy(),
                facilities=facilities.lazy(),
                history=history.lazy(),
                stock=stock.lazy(),
                backlog=backlog.lazy(),
                period=period,
                today=self.today,
                parameters=parameters,
            ).collect()
        except needs.ForecastParameterError as exc:
            raise _refuse_parameter(exc) from None
        except ValueError as exc:
            raise RuleViolation(str(exc).removeprefix("period: "), field="period") from None
        ratios = needs.default_bundle_ratios(products.lazy(), oral_product_codes=ORAL)
        supplies = needs.bundled_supplies(lines.lazy(), ratios).collect()
        by_commune = charts.backlog_by_commune(backlog.lazy(), facilities.lazy()).collect()
        return Forecast(period, root, parameters, lines, supplies, by_commune, history)

    def workbook(self, forecast: Forecast) -> bytes:
        return documents.request_workbook(
            forecast=forecast.lines,
            supplies=forecast.supplies,
            backlog=forecast.backlog,
            parameters=forecast.parameters,
            title=f"Dự trù vắc xin {forecast.period.label_vi}",
            requested_by=forecast.root,
            issued_on=self.today,
        )

    def letter(
        self,
        forecast: Forecast,
        *,
        issuer: str,
        recipient: str,
        place: str,
        signer_name: str = "",
        number: str = "    /TTYT-KSBT",
    ) -> bytes:
        stock_chart = charts.stock_vs_need(
            forecast.history.lazy(), forecast.lines.lazy(), today=self.today
        ).collect()
        pictures = [charts.figure_to_png(charts.stock_vs_need_figure(stock_chart))]
        if forecast.backlog.height:
            pictures.append(charts.figure_to_png(charts.backlog_figure(forecast.backlog)))
        letter = documents.RequestLetter(
            issuer_parent="Sở Y tế tỉnh Lai Châu",
            issuer=issuer,
            number=number,
            place=place,
            issued_on=self.today,
            recipient=recipient,
            signer_title="Giám đốc",
            signer_name=signer_name,
            grounds=(
                documents.legal_grounds(self.today),
                "Căn cứ số đối tượng, số liệu sử dụng vắc xin và danh sách trẻ cần tiêm bù của các xã;",
            ),
        )
        return documents.request_letter(
            letter=letter,
            forecast=forecast.lines,
            supplies=forecast.supplies,
            backlog=forecast.backlog,
            charts=pictures,
        )

    async def letter_names(self, root: str) -> tuple[str, str, str]:
        """Issuer, recipient and place for the letter: the root facility, its supplier, its district or commune."""
        supplier = aliased(Facility)
        row = (
            await self.session.execute(
                select(Facility.name, supplier.name)
                .outerjoin(supplier, supplier.id == Facility.supplier_id)
                .where(Facility.code == root)
            )
        ).first()
        if row is None:
            raise UnknownReference(f"unknown facility {root!r}", field="facility")
        issuer, recipient = row
        if recipient is None:
            # the province's own request goes to the Ministry, in another format: not this letter
            raise ValidationFailed(
                f"{root} has no supplier to send a request letter to; the letter is from a district or a "
                "commune to the store that supplies it (the workbook is still available)",
                field="facility",
            )
        place = "Mường Tè" if "Mường Tè" in issuer else issuer.split(" xã ")[-1]
        return issuer, recipient, place
