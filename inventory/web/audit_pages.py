"""Audit pages: the audit trail, filtered, on a page and as CSV."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Template

from inventory.audit import service as audit
from inventory.errors import ValidationFailed
from inventory.web.forms import Form
from inventory.web.pages import Page, day_param, provide_page


def _audit_filter(
    username: str | None,
    action: str | None,
    facility: str | None,
    date_from: str | None,
    date_to: str | None,
    form: Form,
    *,
    limit: int,
) -> audit.AuditFilter:
    """The audit page's filters from its query string: blanks are no filter, bad dates go to `form`."""
    start, end = day_param(date_from, "date_from", form), day_param(date_to, "date_to", form)
    return audit.AuditFilter(username or None, action or None, facility or None, start, end, limit)


class AuditPages(Controller):
    """The audit trail: who did what, where and when."""

    dependencies = {"page": Provide(provide_page)}

    @get("/audit", operation_id="AuditPage", include_in_schema=False)
    async def audit_page(
        self,
        page: NamedDependency[Page],
        username: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        facility: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
    ) -> Template:
        form = Form()
        flt = _audit_filter(username, action, facility, date_from, date_to, form, limit=500)
        rows = await audit.events(page.session, page.principal, flt)
        return await page.render("audit.html", 422 if form.errors else 200, rows=rows, flt=flt, form=form)

    @get("/audit.csv", operation_id="AuditCSV", include_in_schema=False)
    async def audit_csv(
        self,
        page: NamedDependency[Page],
        username: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        facility: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
    ) -> Response[str]:
        form = Form()
        flt = _audit_filter(username, action, facility, date_from, date_to, form, limit=10_000)
        if form.errors:
            raise ValidationFailed(next(iter(form.errors.values())), field=next(iter(form.errors)))
        rows = await audit.events(page.session, page.principal, flt)
        return Response(
            audit.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="vaxstock-audit.csv"'},
        )
