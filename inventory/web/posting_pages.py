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
from inventory.web.pages import FormData, Page, provide_page, saved_redirect
from inventory.web.proposals import propose_or_send

EMPTY_LINES = 8
LINE_LOT = re.compile(r"lines\[\d+\]\.lot_number")


class PostingPages(Controller):
    """The forms that post to the ledger: receipts, issues, adjustments, usage and counts."""

    dependencies = {"page": Provide(provide_page)}

    # ---- receive -------------------------------------------------------------------------------------------

    async def _receive_form(self, page: Page, form: Form, status_code: int = 200) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        place = await page.require_write(facility)
        suppliers = await page.counterparty_options("receipt", place)
        if "supplier" not in form.values and suppliers:
            form.values["supplier"] = suppliers[0][0]
        locations = await page.catalog.list_locations(facility)
        products = await page.products()
        gtins = {gtin: {"product": code} for gtin, code in (await lot_state.known_gtins(page.stock)).items()}
        return await page.render(
            "receive.html",
            status_code,
            form=form,
            facility=facility,
            products=products,
            locations=[loc for loc in locations if loc.kind != "transit"],
            gtins=gtins,
            line_count=EMPTY_LINES,
            suppliers=suppliers,
            station=place.level == "commune",
            top=place.supplier_id is None,
        )

    @get("/receive", operation_id="ReceivePage", include_in_schema=False)
    async def receive_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._receive_form(page, Form(values={"facility": page.facility_code(facility)}))

    @post("/receive", operation_id="ReceiveForm", include_in_schema=False)
    async def receive(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        """A receipt from the supplier chosen; with a reason, a direct receipt (from outside the chain)."""
        values = {k: v for k, v in data.items() if not k.endswith(".scan")}
        direct = bool(values.get("reason", "").strip())
        drop = {"supplier", "note"} if direct else {"reason"}
        values = {k: v for k, v in values.items() if k not in drop}
        try:
            command, form, origins = parse(
                values, s.DirectReceiptCreate if direct else s.ReceiptCreate, lang=page.lang
            )
        except FormInvalid as bad:
            bad.form.values = data
            return await self._receive_form(page, bad.form, 422)
        form.values = data
        try:
            if isinstance(command, s.DirectReceiptCreate):
                document = await receiving.receive_direct(page.stock, command, key=f"web:{form.key}")
            else:
                document = await receiving.receive(page.stock, command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._receive_form(page, refuse(form, exc, origins, page.lang), exc.status_code)
        return saved_redirect(document.id)

    # ---- issue ---------------------------------------------------------------------------------------------

    async def _issue_form(
        self, page: Page, form: Form, proposal: list[Any] | None = None, status_code: int = 200
    ) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        place = await page.require_write(facility)
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
            destinations=await page.counterparty_options("issue", place),
        )

    @get("/issue", operation_id="IssuePage", include_in_schema=False)
    async def issue_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._issue_form(page, Form(values={"facility": page.facility_code(facility)}))

    @post("/issue", operation_id="IssueForm", include_in_schema=False)
    async def issue(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        """Step 1 (action=propose): doses per product → proposed lots. Step 2 (action=post): the chosen lots."""
        return await propose_or_send(page, data, s.IssueCreate, issuing.issue, self._issue_form)

    # ---- return ------------------------------------------------------------------------------------------

    async def _return_form(self, page: Page, form: Form, status_code: int = 200) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        place = await page.require_write(facility)
        locations = [loc for loc in await page.catalog.list_locations(facility) if loc.kind != "transit"]
        return await page.render(
            "return.html",
            status_code,
            form=form,
            facility=facility,
            locations=locations,
            products=await page.products(),
            soh=await views.stock_on_hand(page.stock, facility),
            destinations=await page.counterparty_options("return", place),
            line_count=EMPTY_LINES,
        )

    @get("/return", operation_id="ReturnPage", include_in_schema=False)
    async def return_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._return_form(page, Form(values={"facility": page.facility_code(facility)}))

    @post("/return", operation_id="ReturnForm", include_in_schema=False)
    async def return_stock(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        """Stock sent back to the supplier (the only destinations offered), with the reason."""
        try:
            command, form, origins = parse(data, s.ReturnCreate, lang=page.lang)
        except FormInvalid as bad:
            return await self._return_form(page, bad.form, 422)
        try:
            document = await issuing.return_stock(page.stock, command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._return_form(page, refuse(form, exc, origins, page.lang), exc.status_code)
        return saved_redirect(document.id)

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
        return await self._count_sheet(page, Form(values={"facility": code}), code, soh)

    async def _count_sheet(
        self,
        page: Page,
        form: Form,
        code: str,
        soh: s.StockOnHand,
        status: int = 200,
        *,
        review: bool = False,
    ) -> Template:
        products = {p.code: p for p in await page.products()}
        for i, row in enumerate(soh.rows):
            form.values.update(
                {
                    f"lines[{i}].location": row.location,
                    f"lines[{i}].product": row.product,
                    f"lines[{i}].lot_number": row.lot_number,
                }
            )
        reasons = {
            "fewer": [r for r, d in REASON_DIRECTIONS.items() if d <= 0 and r != "open_vial_wastage"],
            "more": [r for r, d in REASON_DIRECTIONS.items() if d >= 0],
        }
        return await page.render(
            "count.html",
            status,
            form=form,
            facility=code,
            soh=soh,
            products=products,
            review=review,
            counted=_counted(form, soh),
            reasons=reasons,
        )

    @post("/count", operation_id="CountForm", include_in_schema=False)
    async def count(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        """Three steps, like a store keeper's: enter vials and loose doses as counted, review the differences
        with a reason for each, then confirm. Nothing is written before the confirmation."""
        code = data.get("facility", page.facility_code())
        await page.require_write(code)
        soh = await views.stock_on_hand(page.stock, code)
        products = {p.code: p for p in await page.products()}
        form = Form(values=dict(data), key=data.get("idempotency_key") or uuid.uuid4().hex)
        step = data.get("step", "review")
        if step == "edit":
            return await self._count_sheet(page, form, code, soh)
        _count_in_doses(form, soh, products, page.lang)
        if form.errors:
            return await self._count_sheet(page, form, code, soh, 422)
        if step != "post":
            return await self._count_sheet(page, form, code, soh, review=True)
        for i, (row, doses) in enumerate(zip(soh.rows, _counted(form, soh), strict=True)):
            if doses is not None and doses != row.doses and not form.value(f"lines[{i}].difference_reason"):
                form.errors[f"lines[{i}].difference_reason"] = translate("count.reason_needed", page.lang)
        if form.errors:
            form.errors["form"] = translate("errors.form", page.lang)
            return await self._count_sheet(page, form, code, soh, 422, review=True)
        values = {
            k: v
            for k, v in form.values.items()
            if k != "step"
            and not k.endswith(("counted_vials", "counted_loose"))
            and not (k.endswith("difference_reason") and not v)
        }
        try:
            command, form, origins = parse(
                {**values, "idempotency_key": form.key}, s.CountCreate, lang=page.lang
            )
        except FormInvalid as bad:
            return await self._count_sheet(page, bad.form, code, soh, 422, review=True)
        try:
            draft = await counts.create_count(page.stock, command, key=f"web:{form.key}")
            submitted = await counts.submit_count(page.stock, draft.id, key=f"web:{form.key}:submit")
        except InventoryError as exc:
            refused = refuse(form, exc, origins, page.lang)
            return await self._count_sheet(page, refused, code, soh, exc.status_code, review=True)
        return saved_redirect(submitted.document_id or 0)


def _count_in_doses(form: Form, soh: s.StockOnHand, products: dict[str, Any], lang: str) -> None:
    """Each line's count in doses, from the vials and loose doses entered (or the doses a review carried)."""
    for i, row in enumerate(soh.rows):
        name = f"lines[{i}]"
        if form.value(f"{name}.counted_doses") and not form.value(f"{name}.counted_vials"):
            continue  # carried from the review
        per_vial = products[row.product].doses_per_vial
        vials, loose = (
            form.value(f"{name}.counted_vials").strip(),
            form.value(f"{name}.counted_loose").strip(),
        )
        if not vials and not loose:
            form.errors[f"{name}.counted_vials"] = translate("count.enter_count", lang)
            continue
        numbers = []
        for field, text in (("counted_vials", vials), ("counted_loose", loose)):
            if text and not text.isdigit():
                form.errors[f"{name}.{field}"] = translate("errors.whole_number", lang)
            numbers.append(int(text) if text.isdigit() else 0)
        if numbers[1] >= per_vial > 1:
            form.errors[f"{name}.counted_loose"] = translate(
                "count.loose_too_many", lang, {"per_vial": per_vial}
            )
        if not any(k.startswith(name + ".") for k in form.errors):
            form.values[f"{name}.counted_doses"] = str(numbers[0] * per_vial + numbers[1])


def _counted(form: Form, soh: s.StockOnHand) -> list[int | None]:
    """The counted doses of each line, where known."""
    out: list[int | None] = []
    for i in range(len(soh.rows)):
        text = form.value(f"lines[{i}].counted_doses")
        out.append(int(text) if text and text.isdigit() else None)
    return out
