"""Cold-chain pages: equipment and open excursions with their decisions; per location the reading form (fast
on a phone), the month sheet in the paper layout, and the temperature chart."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import anyio.to_thread
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from forecasting.charts import figure_to_png
from inventory.coldchain import reads
from inventory.coldchain import schemas as c
from inventory.coldchain.charts import temperature_figure
from inventory.coldchain.use_cases import alarm_rules, decisions, readings, views
from inventory.commands import input_refused
from inventory.datacache import scope_of
from inventory.errors import InventoryError, NotFound
from inventory.i18n import translate
from inventory.timeutil import today_vn
from inventory.web.caching import NO_COMPRESSION, cached_image
from inventory.web.forms import Form
from inventory.web.pages import FormData, Page, provide_page


class ColdChainPages(Controller):
    dependencies = {"page": Provide(provide_page)}

    @get("/coldchain", operation_id="ColdChainPage", include_in_schema=False)
    async def overview(self, page: NamedDependency[Page], facility: FromQuery[str | None] = None) -> Template:
        return await self._overview(page, facility, Form())

    async def _overview(self, page: Page, facility: str | None, form: Form, status: int = 200) -> Template:
        code = page.facility_code(facility)
        return await page.render(
            "coldchain.html",
            status,
            equipment=await reads.equipment_list(page.stock, code),
            excursions=await reads.excursions(page.stock, facility_code=code, status="open"),
            facility=code,
            form=form,
        )

    @post(
        "/coldchain/excursions/{excursion_id:int}/decide", operation_id="DecideForm", include_in_schema=False
    )
    async def decide(
        self, page: NamedDependency[Page], excursion_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        key = f"web:{data.get('idempotency_key') or uuid.uuid4().hex}"
        stage = data.get("vvm_stage", "").strip()
        shake = data.get("shake_test", "")
        try:
            cmd = c.DecisionCreate(
                product=data.get("product", ""),
                lot_number=data.get("lot_number", ""),
                decision="write_off" if data.get("decision") == "write_off" else "release",
                reason=data.get("reason", "").strip(),
                vvm_stage=int(stage) if stage.isdigit() else None,
                shake_test_passed={"pass": True, "fail": False}.get(shake),
            )
            await decisions.decide(page.stock, excursion_id, cmd, key=key)
        except (InventoryError, ValueError) as exc:
            # a ValueError: a NUL character in a text (Command.__post_init__), read by the one adapter
            refusal = exc if isinstance(exc, InventoryError) else input_refused(str(exc))
            detail = refusal.text(page.lang)

            form = Form(values=dict(data), errors={f"{excursion_id}/{data.get('lot_number', '')}": detail})
            return await self._overview(page, None, form, getattr(exc, "status_code", 422))
        return Redirect("/coldchain", status_code=303)

    @get(
        "/coldchain/{facility:str}/{location:str}",
        operation_id="LocationTemperaturesPage",
        include_in_schema=False,
    )
    async def location(
        self,
        page: NamedDependency[Page],
        facility: FromPath[str],
        location: FromPath[str],
        month: FromQuery[str | None] = None,
    ) -> Template:
        return await self._location(page, facility, location, month, Form())

    async def _location(
        self, page: Page, facility: str, location: str, month: str | None, form: Form, status: int = 200
    ) -> Template:
        first = _month(month)
        sheet = await views.month(page.stock, facility, location, first)
        try:
            rules: c.AlarmRulesRead | None = await alarm_rules.show(page.stock, facility, location)
        except NotFound:
            rules = None  # not equipment: judged by a refrigerator's rules, none of its own
        return await page.render(
            "coldchain_location.html", status, sheet=sheet, month=first, form=form, rules=rules
        )

    @post(
        "/coldchain/{facility:str}/{location:str}/readings",
        operation_id="ReadingForm",
        include_in_schema=False,
    )
    async def reading(
        self, page: NamedDependency[Page], facility: FromPath[str], location: FromPath[str], data: FormData
    ) -> Template | Redirect:
        key = f"web:{data.get('idempotency_key') or uuid.uuid4().hex}"
        try:
            cmd = c.ReadingCreate(
                facility=facility,
                location=location,
                period="afternoon" if data.get("period") == "afternoon" else "morning",
                celsius=float(data.get("celsius", "").replace(",", ".")),
                freeze_indicator=data.get("freeze_indicator") or "not_checked",  # type: ignore[arg-type]
            )
            await readings.record_reading(page.stock, cmd, key=key)
        except (InventoryError, ValueError) as exc:
            detail = (
                exc.text(page.lang)
                if isinstance(exc, InventoryError)
                else translate("coldchain.celsius_needed", page.lang)
            )
            form = Form(values=dict(data), errors={"celsius": detail})
            return await self._location(
                page, facility, location, None, form, getattr(exc, "status_code", 422)
            )
        return Redirect(f"/coldchain/{facility}/{location}", status_code=303)

    @get(
        "/coldchain/{facility:str}/{location:str}/chart.png",
        operation_id="TemperatureChart",
        include_in_schema=False,
        opt=NO_COMPRESSION,
    )
    async def chart(
        self,
        page: NamedDependency[Page],
        facility: FromPath[str],
        location: FromPath[str],
        days: FromQuery[int] = 30,
    ) -> Response[bytes]:
        end = today_vn()
        span = max(1, min(days, 366))

        async def render() -> bytes:
            data = await views.series_for_chart(
                page.stock, facility, location, end - timedelta(days=span), end
            )
            labels = {
                k: translate(f"coldchain.chart.{k}", page.lang) for k in ("band", "logger", "manual", "days")
            }
            excursions = [(e.started_at, e.ended_at, e.kind) for e in data["excursions"]]  # type: ignore[attr-defined]
            title = f"{facility}/{location}"
            return await anyio.to_thread.run_sync(
                lambda: figure_to_png(
                    temperature_figure(
                        title,
                        series=data["series"],
                        manual=data["manual"],
                        days=data["days"],
                        excursions=excursions,
                        labels=labels,
                    )
                )
            )

        key = ("coldchain.chart", facility, location, span, end, page.lang, scope_of(page.principal))
        return await cached_image(page.request, page.cache, page.session, key, render)


def _month(value: str | None) -> date:
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today_vn().replace(day=1)
