"""The reports page: a report's table and charts for a period, its downloads, submission and who submitted."""

from __future__ import annotations

import re
import uuid
from typing import Any

import polars as pl
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from inventory.errors import InventoryError, ValidationFailed
from inventory.idempotency import Request, run_once
from inventory.reports import documents
from inventory.reports.configuration import ReportSettingsService, SettingsRefused
from inventory.reports.service import ReportsService
from inventory.web.forms import Form
from inventory.web.pages import FormData, Page, provide_page

KINDS = ("usage", "results", "stock")
WHOLE_NUMBER = re.compile(r"^-?\d{1,9}$")


def _typed(raw: str) -> int | str | None:
    """A setting as typed: blank is back to the default, a whole number an int, anything else stays text
    (and is refused, naming the field)."""
    text = raw.strip()
    if not text:
        return None
    return int(text) if WHOLE_NUMBER.match(text) else text


def _default_period(page: Page) -> str:
    today = page.stock.today
    index = today.year * 12 + today.month - 2  # the month just ended
    return f"{index // 12}-{index % 12 + 1:02d}"


class ReportPages(Controller):
    dependencies = {"page": Provide(provide_page)}

    @get("/reports", operation_id="ReportsPage", include_in_schema=False)
    async def reports(
        self,
        page: NamedDependency[Page],
        kind: FromQuery[str] = "usage",
        period: FromQuery[str | None] = None,
        facility: FromQuery[str | None] = None,
        product: FromQuery[str | None] = None,
    ) -> Template:
        return await self._render(page, kind if kind in KINDS else "usage", period, facility, product, Form())

    async def _render(
        self, page: Page, kind: str, period: str | None, facility: str | None, product: str | None, form: Form
    ) -> Template:
        service = ReportsService(page.session, page.principal)
        chosen = period or _default_period(page)
        form.values.update({"kind": kind, "period": chosen, "facility": page.facility_code(facility)})
        rows: list[dict[str, Any]] = []
        columns: list[str] = []
        products: list[str] = []
        submissions: list[dict[str, Any]] = []
        charts: list[str] = []
        report = None
        try:
            report = await service.report(kind, chosen, page.facility_code(facility))
            table = report.tables[kind]
            if kind == "usage" and table.height > 40:
                # every facility × product at once would weigh more than a page may: totals, then one vaccine
                products = sorted(table["product_code"].unique().to_list())
                shown = product if product in products else products[0]
                table = table.filter((pl.col("scope") != "facility") | (pl.col("product_code") == shown))
                form.values["product"] = shown
            columns = documents.table_columns(kind, table.columns)
            if kind == "results":
                columns.append("high_dropout")
                columns.append("low_coverage")
            rows = table.to_dicts()
            charts = {"usage": ["wastage"], "results": ["coverage", "dropout"], "stock": []}[kind]
            submissions = await service.submissions(kind, chosen, report.facility)
        except InventoryError as exc:
            form.errors[exc.field or "period"] = exc.text(page.lang)
        return await page.render(
            "reports.html",
            form=form,
            kind=kind,
            kinds=KINDS,
            period=chosen,
            report=report,
            rows=rows,
            columns=columns,
            products=products,
            charts=charts,
            submissions=submissions,
            label=documents.label,
            cell=documents.cell_text,
            status_code=422 if form.errors else 200,
        )

    @post("/reports/submit", operation_id="SubmitReportForm", include_in_schema=False)
    async def submit(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        service = ReportsService(page.session, page.principal)
        kind = data.get("kind", "usage")
        period, facility = data.get("period", ""), data.get("facility") or None

        async def action() -> dict[str, Any]:
            done = await service.submit(kind, period, facility, data.get("note") or None)
            return {"version": done["version"]}

        try:
            if kind not in KINDS:  # refused before the key is claimed: the key's scope names the kind
                raise ValidationFailed(message="error.reports.kind", params={"kind": kind[:64]}, field="kind")
            await run_once(
                page.session,
                Request(
                    key=f"web:{data.get('idempotency_key') or uuid.uuid4().hex}",
                    scope=f"report.submit:{kind}",
                    payload=dict(data),
                    principal=page.principal,
                ),
                action,
                dict[str, Any],
            )
        except InventoryError as exc:
            form = Form(values=dict(data), errors={exc.field or "period": exc.text(page.lang)})
            return await self._render(page, kind if kind in KINDS else "usage", period, facility, None, form)
        return Redirect(f"/reports?kind={kind}&period={period}&facility={facility or ''}", status_code=303)

    @get("/reports/settings", operation_id="ReportSettingsPage", include_in_schema=False)
    async def settings_page(
        self, page: NamedDependency[Page], saved: FromQuery[str | None] = None
    ) -> Template:
        return await self._settings(page, Form(), 200, saved=bool(saved))

    async def _settings(self, page: Page, form: Form, status_code: int, *, saved: bool = False) -> Template:
        rows = await ReportSettingsService(page.session, page.principal).rows()
        for row in rows:
            form.values.setdefault(row["name"], str(row["value"]))
        return await page.render(
            "report_settings.html",
            form=form,
            rows=rows,
            editable=page.principal.role == "admin",
            saved=saved,
            status_code=status_code,
        )

    @post("/reports/settings", operation_id="ReportSettingsForm", include_in_schema=False)
    async def change_settings(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        service = ReportSettingsService(page.session, page.principal)
        names = [row["name"] for row in await service.rows()]
        changes = {name: _typed(data[name]) for name in names if name in data}

        async def action() -> dict[str, int]:
            return await service.change(changes)

        try:
            await run_once(
                page.session,
                Request(
                    key=f"web:{data.get('idempotency_key') or uuid.uuid4().hex}",
                    scope="report.settings",
                    payload=dict(data),
                    principal=page.principal,
                ),
                action,
                dict[str, int],
            )
        except SettingsRefused as exc:
            form = Form(values={k: v for k, v in data.items() if k in names}, errors=exc.texts(page.lang))
            return await self._settings(page, form, exc.status_code)
        except InventoryError as exc:
            form = Form(values={k: v for k, v in data.items() if k in names})
            form.errors[exc.field or "settings"] = exc.text(page.lang)
            return await self._settings(page, form, exc.status_code)
        return Redirect("/reports/settings?saved=1", status_code=303)
