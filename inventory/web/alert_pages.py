"""Alert pages: the alerts list (filters, paging, acknowledge) and the cross-commune view of a district."""

from __future__ import annotations

import math
import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from inventory.alerts.config import AlertConfig
from inventory.alerts.domain import KINDS, SEVERITY_RANK
from inventory.alerts.schemas import AlertRead
from inventory.alerts.service import STATES, AlertService, Filters
from inventory.errors import InventoryError
from inventory.idempotency import Request as Write
from inventory.idempotency import run_once
from inventory.types import RowIdPath
from inventory.web.forms import Form
from inventory.web.pages import FormData, Page, provide_page


class AlertPages(Controller):
    dependencies = {"page": Provide(provide_page)}

    @get("/alerts", operation_id="AlertsPage", include_in_schema=False)
    async def alerts(
        self,
        page: NamedDependency[Page],
        facility: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        severity: FromQuery[str | None] = None,
        alert_state: Annotated[str, QueryParameter(name="state")] = "open",
        page_number: FromQuery[int] = 1,
    ) -> Template:
        form = Form(
            values={
                "facility": facility or "",
                "kind": kind or "",
                "severity": severity or "",
                "state": alert_state,
            }
        )
        return await _alerts_page(page, form, page_number)

    @post("/alerts/{alert_id:int}/acknowledge", operation_id="AcknowledgeAlertForm", include_in_schema=False)
    async def acknowledge(
        self, page: NamedDependency[Page], alert_id: RowIdPath, data: FormData
    ) -> Template | Redirect:
        service = AlertService(page.session, page.principal)
        note = data.get("note", "")
        try:
            await run_once(
                page.session,
                Write(
                    key=f"web:{data.get('idempotency_key') or uuid.uuid4().hex}",
                    scope="alert.acknowledge",
                    payload={"alert": alert_id, "note": note},
                    principal=page.principal,
                ),
                lambda: service.acknowledge(alert_id, note, page.lang),
                AlertRead,
            )
        except InventoryError as exc:
            # the list again, the reason above it and beside the alert (acknowledged by someone else meanwhile…)
            form = Form(
                values={"facility": "", "kind": "", "severity": "", "state": "open", "note": note},
                errors={f"a{alert_id}": exc.text(page.lang)},
            )
            return await _alerts_page(page, form, 1, exc.status_code)
        back = data.get("back") or "/alerts"
        return Redirect(back if back.startswith("/alerts") else "/alerts", status_code=303)

    @get("/alerts/communes", operation_id="AlertsAcrossCommunes", include_in_schema=False)
    async def across(self, page: NamedDependency[Page], facility: FromQuery[str | None] = None) -> Template:
        """Open alerts per facility the reader sees (a district store and every commune it supplies) × kind."""
        service = AlertService(page.session, page.principal)
        await service.refresh_for_reader(AlertConfig.from_env().max_age_seconds)
        table = await service.across(facility)
        return await page.render("alerts_communes.html", table=table, kinds=list(KINDS), root=facility or "")

    @get("/alerts/{alert_id:int}", operation_id="AlertPage", include_in_schema=False)
    async def one(self, page: NamedDependency[Page], alert_id: FromPath[int]) -> Redirect:
        return Redirect(f"/alerts?state=all#a{alert_id}", status_code=303)


async def _alerts_page(page: Page, form: Form, page_number: int, status: int = 200) -> Template:
    """The alerts list with the filters in `form.values`; a refused filter or acknowledgement in `form.errors`."""
    service = AlertService(page.session, page.principal)
    await service.refresh_for_reader(AlertConfig.from_env().max_age_seconds)
    v = form.values
    filters = Filters(
        v["facility"] or None, v["kind"] or None, v["severity"] or None, v["state"], page_number, 50
    )
    result = None
    try:
        result = await service.list(filters, page.lang)
    except InventoryError as exc:
        form.errors[exc.field or "form"] = exc.text(page.lang)
    readable = await service.facility_choices()
    pages = max(1, math.ceil(result.total / result.per_page)) if result else 1
    return await page.render(
        "alerts.html",
        status_code=status if status >= 400 else (422 if form.errors else 200),
        result=result,
        form=form,
        kinds=list(KINDS),
        severities=list(SEVERITY_RANK),
        states=STATES,
        pages=pages,
        readable=readable,
    )
