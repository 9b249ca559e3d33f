"""The forecast page: parameters, needs with their workings, and the request documents."""

from __future__ import annotations

import json
import uuid
from typing import Any

import polars as pl
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from forecasting import needs
from forecasting.periods import parse_period
from inventory.errors import InventoryError, UnknownReference
from inventory.forecast.service import ForecastService
from inventory.idempotency import Request, run_once
from inventory.web.forms import Form
from inventory.web.pages import FormData, Page, provide_page


def _default_period(page: Page) -> str:
    today = page.stock.today
    month = today.month % 12 + 1
    return f"{today.year + (today.month == 12)}-{month:02d}"


class ForecastPages(Controller):
    dependencies = {"page": Provide(provide_page)}

    @get("/forecast", operation_id="ForecastPage", include_in_schema=False)
    async def forecast(
        self,
        page: NamedDependency[Page],
        period: FromQuery[str | None] = None,
        facility: FromQuery[str | None] = None,
        product: FromQuery[str | None] = None,
    ) -> Template:
        service = ForecastService(page.session, page.principal, settings=page.settings, cache=page.cache)
        chosen = period or _default_period(page)
        form = Form(values={"period": chosen, "facility": page.facility_code(facility)})
        if not page.principal.is_admin and page.principal.facility_code:
            form.values["scope_facility"] = page.principal.facility_code  # keepers set their own facility's
        totals: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        try:
            result = await service.run(chosen, page.facility_code(facility))
            totals = result.lines.filter(pl.col("scope") == "total").to_dicts()
            # one vaccine's workings at a time (the first unless one is chosen): every line of every
            # vaccine at once would weigh more than a page may over a slow link
            shown = product or (totals[0]["product_code"] if totals else None)
            if product and not any(t["product_code"] == product for t in totals):
                raise UnknownReference(
                    message="error.forecast.no_such_vaccine", params={"product": product}, field="product"
                )

            lines = (
                result.lines.filter(pl.col("scope") != "total", pl.col("product_code") == shown)
                .sort("facility_code")
                .to_dicts()
            )
        except InventoryError as exc:
            form.errors[exc.field or "period"] = exc.text(page.lang)
        overrides = await service.overrides()
        return await page.render(
            "forecast.html",
            form=form,
            totals=totals,
            lines=lines,
            overrides=overrides,
            defaults=needs.Settings(),
            setting_names=needs.SETTING_NAMES,
            period=chosen,
            shown_product=lines[0]["product_code"] if lines else None,
            status_code=422 if form.errors else 200,
        )

    @post("/forecast/settings", operation_id="ForecastSettingForm", include_in_schema=False)
    async def set_setting(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        service = ForecastService(page.session, page.principal, settings=page.settings, cache=page.cache)
        name = data.get("name", "")
        raw = data.get("value", "").strip().replace(",", ".")
        facility, product = data.get("scope_facility") or None, data.get("scope_product") or None
        period = data.get("period", "")
        try:
            value: Any = json.loads(raw) if raw and raw[0] in "-0123456789." else (raw or None)
        except json.JSONDecodeError:
            value = raw

        async def action() -> dict[str, str]:
            if data.get("clear"):
                await service.clear_override(name=name, facility=facility, product=product)
            else:
                await service.set_override(name=name, value=value, facility=facility, product=product)
            return {"ok": "yes"}

        try:
            request = Request(
                key=f"web:{data.get('idempotency_key') or uuid.uuid4().hex}",
                scope="forecast.setting",
                payload=dict(data),
                principal=page.principal,
            )
            await run_once(page.session, request, action, dict[str, str])
        except InventoryError as exc:
            form = Form(
                values={"period": period, "facility": page.facility_code(), **data},
                errors={
                    {"facility": "scope_facility", "product": "scope_product", "name": "name"}.get(
                        exc.field or "", "value"
                    ): exc.text(page.lang)
                },
            )
            overrides = await service.overrides()
            return await page.render(
                "forecast.html",
                form=form,
                totals=[],
                lines=[],
                overrides=overrides,
                defaults=needs.Settings(),
                setting_names=needs.SETTING_NAMES,
                period=period,
                status_code=exc.status_code,
            )
        try:
            parse_period(period)
        except ValueError:
            period = _default_period(page)
        return Redirect(f"/forecast?period={period}", status_code=303)
