"""Document pages: the documents list, one document, its voucher and reversal, and delivery confirmation."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from inventory.catalog.service import TRANSIT
from inventory.errors import InventoryError
from inventory.paging import DEFAULT_LIMIT, Window
from inventory.stock import schemas as s
from inventory.stock.domain import REASON_DIRECTIONS
from inventory.stock.use_cases import confirmation, views, vouchers
from inventory.stock.use_cases import lots as lot_state
from inventory.stock.use_cases import reversal as reversals
from inventory.types import RowIdPath
from inventory.web.forms import Form, FormInvalid, parse, refuse
from inventory.web.pages import FormData, Page, provide_page, saved_redirect
from inventory.web.paging import PageLimit, PageOffset, Pager


class DocumentPages(Controller):
    """Posted documents, their vouchers and reversals, and confirming deliveries in transit."""

    dependencies = {"page": Provide(provide_page)}

    # ---- documents -----------------------------------------------------------------------------------------

    @get("/documents", operation_id="DocumentsPage", include_in_schema=False)
    async def documents(
        self,
        page: NamedDependency[Page],
        facility: FromQuery[str | None] = None,
        limit: PageLimit = DEFAULT_LIMIT,
        offset: PageOffset = 0,
    ) -> Template:
        code = page.facility_code(facility)
        window = Window(limit, offset)
        documents, total = await page.cached(
            ("documents", code, window), lambda: views.list_documents(page.stock, code, window)
        )
        paging = Pager("/documents", window, total, {"facility": facility})
        return await page.render("documents.html", facility=code, documents=documents, paging=paging)

    @get("/documents/{document_id:int}", operation_id="DocumentPage", include_in_schema=False)
    async def document(
        self, page: NamedDependency[Page], document_id: RowIdPath, saved: FromQuery[bool] = False
    ) -> Template:
        return await _document_page(page, document_id, Form(), saved=saved)

    @get("/documents/{document_id:int}/voucher", operation_id="VoucherPage", include_in_schema=False)
    async def voucher(
        self, page: NamedDependency[Page], document_id: RowIdPath, saved: FromQuery[bool] = False
    ) -> Template:
        return await page.render(
            "voucher.html", v=await vouchers.voucher(page.stock, document_id), saved=saved
        )

    @post("/documents/{document_id:int}/reverse", operation_id="ReverseForm", include_in_schema=False)
    async def reverse(
        self, page: NamedDependency[Page], document_id: RowIdPath, data: FormData
    ) -> Template | Redirect:
        fields = {name: data.get(name, "") for name in ("reason", "idempotency_key")}
        try:  # the one form adapter: a reason left out or too short is refused naming the field
            command, form, _ = parse(fields, s.ReversalCreate, lang=page.lang)
        except FormInvalid as bad:
            bad.form.values = dict(data)
            return await _document_page(page, document_id, bad.form, status=422)
        form.values = dict(data)
        try:
            reversal = await reversals.reverse(page.stock, document_id, command, key=f"web:{form.key}")
        except InventoryError as exc:
            form.errors["reason"] = exc.text(page.lang)
            return await _document_page(page, document_id, form, status=exc.status_code)
        return saved_redirect(reversal.id)

    # ---- confirm deliveries --------------------------------------------------------------------------------

    @get("/confirm", operation_id="ConfirmList", include_in_schema=False)
    async def confirm_list(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        code = page.facility_code(facility)
        in_transit, _ = await views.list_shipments(page.stock, code, "in_transit")
        shipments = [sh for sh in in_transit if sh.to_facility == code]
        return await page.render("confirm_list.html", facility=code, shipments=shipments)

    async def _confirm_form(
        self, page: Page, shipment_id: int, form: Form, status_code: int = 200
    ) -> Template:
        shipment = await views.get_shipment(page.stock, shipment_id)
        if not form.values:
            # the VVM as last recorded (it only darkens): the worker changes it only if it looks worse
            keys = [(line.product, line.lot_number) for line in shipment.lines]
            stages = {
                (lot.product, lot.lot_number): lot.vvm_stage
                for lot in await lot_state.lots_named(page.stock, keys)
            }
            for i, line in enumerate(shipment.lines):
                form.values.update(
                    {
                        f"lines[{i}].product": line.product,
                        f"lines[{i}].lot_number": line.lot_number,
                        f"lines[{i}].doses_received": str(line.doses_sent),
                        f"lines[{i}].vvm_stage": str(stages.get((line.product, line.lot_number), 1)),
                    }
                )
        reasons = [r for r, d in REASON_DIRECTIONS.items() if d == -1]
        return await page.render("confirm.html", status_code, shipment=shipment, form=form, reasons=reasons)

    @get("/shipments/{shipment_id:int}", operation_id="ShipmentPage", include_in_schema=False)
    async def shipment_page(self, page: NamedDependency[Page], shipment_id: RowIdPath) -> Redirect:
        """A shipment's own address (the alerts link to it): its confirmation while it travels, then the
        document of its receipt (what arrived, any shortfall), or its issue if the issue was reversed."""
        shipment = await views.get_shipment(page.stock, shipment_id)
        if shipment.status == "in_transit":
            return Redirect(f"/shipments/{shipment.id}/confirm")
        return Redirect(f"/documents/{shipment.receipt_document_id or shipment.issue_document_id}")

    @get("/shipments/{shipment_id:int}/confirm", operation_id="ConfirmPage", include_in_schema=False)
    async def confirm_page(self, page: NamedDependency[Page], shipment_id: RowIdPath) -> Template:
        return await self._confirm_form(page, shipment_id, Form())

    @post("/shipments/{shipment_id:int}/confirm", operation_id="ConfirmForm", include_in_schema=False)
    async def confirm(
        self, page: NamedDependency[Page], shipment_id: RowIdPath, data: FormData
    ) -> Template | Redirect:
        values = dict(data)
        count = sum(1 for k in values if k.endswith(".lot_number"))
        for i in range(count):  # an unticked checkbox sends nothing
            values.setdefault(f"lines[{i}].freeze_indicator_alarm", "false")
        try:
            command, form, origins = parse(values, s.ShipmentConfirm, lang=page.lang)
        except FormInvalid as bad:
            bad.form.values = data
            return await self._confirm_form(page, shipment_id, bad.form, 422)
        form.values = data
        try:
            shipment = await confirmation.confirm_shipment(
                page.stock, shipment_id, command, key=f"web:{form.key}"
            )
        except InventoryError as exc:
            return await self._confirm_form(
                page, shipment_id, refuse(form, exc, origins, page.lang), exc.status_code
            )
        return saved_redirect(shipment.receipt_document_id or 0)


async def _document_page(
    page: Page, document_id: int, form: Form, *, saved: bool = False, status: int = 200
) -> Template:
    """One document as its users read it: no internal transit rows, its voucher, its reversal if any."""
    document = await views.get_document(page.stock, document_id)
    return await page.render(
        "document.html",
        status,
        document=document,
        saved=saved,
        form=form,
        voucher=vouchers.voucher_kind(document.kind),
        transit=TRANSIT,
    )
