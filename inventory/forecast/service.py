"""The vaccine request: inputs read from the ledger and the register, needs computed by forecasting.needs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from forecasting import charts, documents, needs
from forecasting.periods import SupplyPeriod, parse_period
from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Facility, Product
from inventory.datacache import DataCache, cached, scope_of
from inventory.errors import UnknownReference, ValidationFailed
from inventory.forecast.inputs import HISTORY_MONTHS as HISTORY_MONTHS
from inventory.forecast.inputs import TARGET_GROUPS as TARGET_GROUPS
from inventory.forecast.inputs import ForecastInputs
from inventory.forecast.models import ForecastSetting
from inventory.settings import Settings
from inventory.timeutil import today_vn, utcnow
from inventory.users.models import User

ORAL = ("BOPV", "ROTA")
"""Given by mouth: no syringe or safety box bundled."""


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
    """The forecasting package's refusal as a catalogue message (its English text when it has no code)."""
    if exc.code is None:  # every refusal of forecasting/ has a code; an older one reads as an invalid value
        return ValidationFailed(
            message="error.forecast.invalid", params={"value": exc.value}, field=exc.field, scope=exc.scope
        )
    return ValidationFailed(
        message=f"error.forecast.{exc.code}", params=exc.params, field=exc.field, scope=exc.scope
    )


DEFAULT_SIGNER_TITLE = "Giám đốc"
"""The title above the signature when the signer has none: the head of the unit."""


class ForecastService(ForecastInputs):
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        today: date | None = None,
        settings: Settings | None = None,
        cache: DataCache | None = None,
    ) -> None:
        self.session = session
        self.principal = principal
        self.today = today or today_vn()
        self.settings = settings or Settings()
        self.cache = cache
        """Results kept until their data change (the server's); None computes every time (the CLI)."""

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
        except TypeError:  # a stored setting this version no longer knows
            raise ValidationFailed(
                message="error.forecast.setting.stored",
                params={"known": ", ".join(needs.SETTING_NAMES)},
                field="name",
            ) from None

    async def set_override(self, *, name: str, value: Any, facility: str | None, product: str | None) -> None:
        """Store one override after checking it (an impossible value is refused, naming it)."""
        facility_id = await self._scoped_facility(facility)
        if name not in needs.SETTING_NAMES:
            raise ValidationFailed(
                message="error.forecast.setting.unknown",
                params={"name": name, "known": ", ".join(needs.SETTING_NAMES)},
                field="name",
            )
        if facility and facility_id is None:
            raise UnknownReference(
                message="error.facility.unknown", params={"code": facility}, field="facility"
            )
        if product and await self.session.scalar(select(Product.id).where(Product.code == product)) is None:
            raise UnknownReference(message="error.product.unknown", params={"code": product}, field="product")
        try:
            needs.Settings(**{name: value}).validate(scope=f"{facility or '*'} × {product or '*'}")
        except needs.ForecastParameterError as exc:
            raise _refuse_parameter(exc) from None
        except TypeError:
            raise ValidationFailed(
                message="error.forecast.setting.number", params={"value": str(value)}, field="value"
            ) from None
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
        self.principal.require_role("admin", "store_keeper", action="change_forecast_settings")
        facility_id = (
            await self.session.scalar(select(Facility.id).where(Facility.code == facility))
            if facility
            else None
        )
        if self.principal.is_admin:
            return facility_id
        if not facility:
            raise Forbidden(
                message="error.forecast.defaults_admin",
                params={"user": self.principal.username},
                field="facility",
            )
        if facility_id is None:
            raise UnknownReference(
                message="error.facility.unknown", params={"code": facility}, field="facility"
            )
        if not self.principal.can_read(facility_id):
            raise Forbidden(
                message="error.forecast.not_your_facility",
                params={"user": self.principal.username, "facility": facility},
                field="facility",
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

    # ---- the forecast --------------------------------------------------------------------------------------

    async def run(self, period_text: str, root: str | None = None) -> Forecast:
        """Needs and orders for the root facility's tree over a period, with every line's workings."""
        try:
            period = parse_period(period_text)
        except needs.ForecastParameterError as exc:
            raise _refuse_parameter(exc) from None
        root = root or self.principal.facility_code or "TTYT-MT"
        facilities = await self._facilities(root)  # refuses a facility this principal may not read
        key = ("forecast", period.label, root, self.today, scope_of(self.principal), self._setting_days())
        return await cached(self.cache, self.session, key, lambda: self._run(period, root, facilities))

    def _setting_days(self) -> tuple[int | None, ...]:
        return (self.settings.grace_days, self.settings.one_month_days)

    async def _run(self, period: SupplyPeriod, root: str, facilities: pl.DataFrame) -> Forecast:
        """The forecast computed from the database (run() keeps it until its data change)."""
        parameters = await self.parameters()
        products = await self._products(period)
        history = await self._history(facilities)
        stock = await self._stock(facilities)
        backlog = await self._backlog(facilities)
        try:
            lines = await needs.forecast_needs(
                products=products.lazy(),
                facilities=facilities.lazy(),
                history=history.lazy(),
                stock=stock.lazy(),
                backlog=backlog.lazy(),
                period=period,
                today=self.today,
                parameters=parameters,
            ).collect_async()
        except needs.ForecastParameterError as exc:
            raise _refuse_parameter(exc) from None

        ratios = needs.default_bundle_ratios(products.lazy(), oral_product_codes=ORAL)
        supplies = await needs.bundled_supplies(lines.lazy(), ratios).collect_async()
        by_commune = await charts.backlog_by_commune(backlog.lazy(), facilities.lazy()).collect_async()
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
        signer_title: str = "",
        number: str = "    /TTYT-KSBT",
    ) -> bytes:
        """The letter, signed by `signer_name` with `signer_title` (chức vụ) above the name; the head of the
        unit ("Giám đốc") when no title is given."""
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
            signer_title=signer_title.strip() or DEFAULT_SIGNER_TITLE,
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

    async def signer(self) -> tuple[str, str]:
        """The signed-in user's full name and title (chức vụ) as stored now (a token's principal may be a
        few seconds old); the username and no title for the command line."""
        row = (
            await self.session.execute(
                select(User.full_name, User.title).where(User.username == self.principal.username)
            )
        ).first()
        if row is None:
            return self.principal.full_name or self.principal.username, self.principal.title or ""
        return row[0] or self.principal.username, row[1] or ""

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
            raise UnknownReference(message="error.facility.unknown", params={"code": root}, field="facility")
        issuer, recipient = row
        if recipient is None:
            # the province's own request goes to the Ministry, in another format: not this letter
            raise ValidationFailed(
                message="error.forecast.letter_no_supplier", params={"facility": root}, field="facility"
            )

        place = "Mường Tè" if "Mường Tè" in issuer else issuer.split(" xã ")[-1]
        return issuer, recipient, place
