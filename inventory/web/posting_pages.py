"""Posting pages: receive, issue, adjust, usage and count forms."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from inventory.errors import InventoryError
from inventory.i18n import translate
from inventory.stock import schemas as s
from inventory.stock.domain import REASON_DIRECTIONS
from inventory.stock.use_cases import adjustments, counts, issuing, receiving, usage, views
from inventory.stock.use_cases import lots as lot_state
from inventory.web.forms import Form, FormInvalid, parse, refuse
from inventory.web.pages import FormData, Page, language, provide_page, saved_redirect

EMPTY_LINES = 8
LINE_LOT = re.compile(r"lines\[\d+\]\.lot_number")


class PostingPages(Controller):
    """The forms that post to the ledger: receipts, issues, adjustments, usage and counts."""

    dependencies = {"page": Provide(provide_page)}

    # ---- receive -------------------------------------------------------------------------------------------

    async def _receive_form(self, page: Page, form: Form, status_code: int = 200) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        await page.require_write(facility)
        locations = await page.catalog.list_locations(facility)
        lots = await lot_state.list_lots(page.stock, None)
        products = await page.products()
        gtins = {lot.gtin: {"product": lot.product} for lot in lots if lot.gtin}
        return await page.render(
            "receive.html",
            status_code,
            form=form,
            facility=facility,
            products=products,
            locations=[loc for loc in locations if loc.kind != "transit"],
            gtins=gtins,
            line_count=EMPTY_LINES,
        )

    @get("/receive", operation_id="ReceivePage", include_in_schema=False)
    async def receive_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._receive_form(
            page, Form(values={"facility": page.facility_code(facility), "supplier": "CDC-LC"})
        )

    @post("/receive", operation_id="ReceiveForm", include_in_schema=False)
    async def receive(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        values = {k: v for k, v in data.items() if not k.endswith(".scan")}
        try:
            command, form, origins = parse(values, s.ReceiptCreate, lang=page.lang)
        except FormInvalid as bad:
            bad.form.values = data
            return await self._receive_form(page, bad.form, 422)
        form.values = data
        try:
            document = await receiving.receive(page.stock, command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._receive_form(page, refuse(form, exc, origins, page.lang), exc.status_code)
        return saved_redirect(document.id)

    # ---- issue ---------------------------------------------------------------------------------------------

    async def _issue_form(
        self, page: Page, form: Form, proposal: list[Any] | None = None, status_code: int = 200
    ) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        await page.require_write(facility)
        locations = await page.catalog.list_locations(facility)
        line_total = sum(1 for k in form.values if LINE_LOT.fullmatch(k))
        return await page.render(
            "issue.html",
            status_code,
            form=form,
            facility=facility,
            line_total=line_total,
            products=[p for p in await page.products()],
            locations=[loc for loc in locations if loc.kind != "transit"],
            proposal=proposal,
        )

    @get("/issue", operation_id="IssuePage", include_in_schema=False)
    async def issue_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._issue_form(page, Form(values={"facility": page.facility_code(facility)}))

    @post("/issue", operation_id="IssueForm", include_in_schema=False)
    async def issue(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        """Step 1 (action=propose): doses per product → proposed lots. Step 2 (action=post): the chosen lots."""
        if data.get("action") == "propose":
            # the previous proposal's lines are dropped: only the new proposal is shown and posted
            values = {k: v for k, v in data.items() if not k.startswith("lines[")}
            form = Form(values=values, key=data.get("idempotency_key") or uuid.uuid4().hex)
            proposal: list[dict[str, Any]] = []
            for key, value in data.items():
                if not key.startswith("want.") or not value.strip():
                    continue
                product = key.removeprefix("want.")
                try:
                    doses = int(value)
                    result = await issuing.propose(
                        page.stock,
                        s.ProposalRequest(facility=data.get("facility", ""), product=product, doses=doses),
                    )
                except ValueError:
                    form.errors[key] = translate("errors.whole_number", language(page.request))
                    continue
                except InventoryError as exc:
                    form.errors[key] = exc.text(page.lang)
                    continue
                proposal.extend(
                    {"product": product, **{f: getattr(lot, f) for f in lot.__struct_fields__}}
                    for lot in result.lots
                )
            if not data.get("to_facility"):
                form.errors["to_facility"] = translate("errors.choose_destination", language(page.request))
            if not proposal and not form.errors:
                form.errors["form"] = translate("errors.enter_doses", language(page.request))
            for i, p in enumerate(proposal):
                form.values.update(
                    {
                        f"lines[{i}].product": p["product"],
                        f"lines[{i}].lot_number": p["lot_number"],
                        f"lines[{i}].location": p["location"],
                        f"lines[{i}].doses": str(p["doses"]),
                    }
                )
            status = 422 if form.errors else 200
            return await self._issue_form(page, form, proposal if not form.errors else None, status)
        values = {k: v for k, v in data.items() if not k.startswith("want.")}
        try:
            command, form, origins = parse(values, s.IssueCreate, lang=page.lang)
        except FormInvalid as bad:
            bad.form.values = data
            return await self._issue_form(page, bad.form, [], 422)
        form.values = data
        try:
            document = await issuing.issue(page.stock, command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._issue_form(page, refuse(form, exc, origins, page.lang), [], exc.status_code)
        return Redirect(f"/documents/{document.id}/voucher?saved=1", status_code=303)

    # ---- adjust, usage -------------------------------------------------------------------------------------

    async def _lines_form(self, page: Page, template: str, form: Form, status_code: int = 200) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        await page.require_write(facility)
        locations = [loc for loc in await page.catalog.list_locations(facility) if loc.kind != "transit"]
        soh = await views.stock_on_hand(page.stock, facility)
        return await page.render(
            template,
            status_code,
            form=form,
            facility=facility,
            locations=locations,
            products=await page.products(),
            soh=soh,
            reasons=list(REASON_DIRECTIONS),
            line_count=EMPTY_LINES,
        )

    @get("/adjust", operation_id="AdjustPage", include_in_schema=False)
    async def adjust_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._lines_form(
            page, "adjust.html", Form(values={"facility": page.facility_code(facility)})
        )

    @post("/adjust", operation_id="AdjustForm", include_in_schema=False)
    async def adjust(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        return await self._post_lines(page, data, "adjust.html", s.AdjustmentCreate, adjustments.adjust)

    @get("/usage", operation_id="UsagePage", include_in_schema=False)
    async def usage_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._lines_form(
            page, "usage.html", Form(values={"facility": page.facility_code(facility)})
        )

    @post("/usage", operation_id="UsageForm", include_in_schema=False)
    async def usage(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        return await self._post_lines(page, data, "usage.html", s.UsageCreate, usage.record_usage)

    async def _post_lines(
        self, page: Page, data: dict[str, str], template: str, schema: type[Any], action: Any
    ) -> Template | Redirect:
        try:
            command, form, origins = parse(data, schema, lang=page.lang)
        except FormInvalid as bad:
            return await self._lines_form(page, template, bad.form, 422)
        try:
            document = await action(page.stock, command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._lines_form(
                page, template, refuse(form, exc, origins, page.lang), exc.status_code
            )
        return saved_redirect(document.id)

    # ---- count ---------------------------------------------------------------------------------------------

    @get("/count", operation_id="CountPage", include_in_schema=False)
    async def count_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        code = page.facility_code(facility)
        await page.require_write(code)
        soh = await views.stock_on_hand(page.stock, code)
        form = Form(values={"facility": code})
        for i, row in enumerate(soh.rows):
            form.values.update(
                {
                    f"lines[{i}].location": row.location,
                    f"lines[{i}].product": row.product,
                    f"lines[{i}].lot_number": row.lot_number,
                }
            )
        return await page.render("count.html", form=form, facility=code, soh=soh)

    @post("/count", operation_id="CountForm", include_in_schema=False)
    async def count(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        code = data.get("facility", page.facility_code())
        soh = await views.stock_on_hand(page.stock, code)
        try:
            command, form, origins = parse(data, s.CountCreate, lang=page.lang)
        except FormInvalid as bad:
            return await page.render("count.html", 422, form=bad.form, facility=code, soh=soh)
        try:
            draft = await counts.create_count(page.stock, command, key=f"web:{form.key}")
            submitted = await counts.submit_count(page.stock, draft.id, key=f"web:{form.key}:submit")
        except InventoryError as exc:
            return await page.render(
                "count.html",
                exc.status_code,
                form=refuse(form, exc, origins, page.lang),
                facility=code,
                soh=soh,
            )
        return saved_redirect(submitted.document_id or 0)
