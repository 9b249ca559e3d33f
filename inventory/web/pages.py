"""Server-rendered pages: thin handlers over the same services as the API."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit import service as audit
from inventory.auth import Forbidden, Principal
from inventory.authn import SESSION_COOKIE
from inventory.catalog.service import CatalogService
from inventory.errors import InventoryError, ValidationFailed
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.domain import REASON_DIRECTIONS
from inventory.stock.service import StockService
from inventory.tabular import parse_date
from inventory.timeutil import today_vn
from inventory.types import RowIdPath
from inventory.users.service import SESSION_MAX, TooManyAttempts, UserService
from inventory.web.forms import Form, FormInvalid, parse, refuse
from inventory.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
EMPTY_LINES = 8
LINE_LOT = re.compile(r"lines\[\d+\]\.lot_number")


def language(request: Request[Any, Any, Any]) -> str:
    lang = request.cookies.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


async def provide_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Page:
    return Page(request, db_session, settings)


class Page:
    """Per-request page helper: the user, their facility, services and template rendering."""

    def __init__(self, request: Request[Any, Any, Any], session: AsyncSession, settings: Settings) -> None:
        self.request = request
        self.session = session
        self.settings = settings
        self.principal: Principal = request.user
        self.stock = StockService(session, settings, self.principal)
        self.catalog = CatalogService(session)

    def facility_code(self, requested: str | None = None) -> str:
        """The facility a page is about: the user's own, or (for readers of many) the one asked for."""
        if requested:
            return requested
        return self.principal.facility_code or "TTYT-MT"

    async def require_write(self, code: str) -> None:
        """Forms for postings open only where the user may post."""
        facility = await self.catalog.facility(code, field="facility")
        self.principal.require_write(facility.id, facility.code, field="facility")

    async def render(self, name: str, status_code: int = 200, **context: Any) -> Template:
        facilities = await self.catalog.list_facilities()
        visible = [f for f in facilities if f.valid_to is None]
        context.setdefault("form", Form())
        context.setdefault("facility_options", [(f.code, f"{f.code} — {f.name}") for f in visible])
        return Template(
            template_name=name,
            context={
                "lang": language(self.request),
                "user": self.principal,
                "facilities": visible,
                "today": today_vn(),
                "path": self.request.url.path,
                **context,
            },
            status_code=status_code,
        )

    async def products(self) -> list[Any]:
        return await self.catalog.list_products()


def _day_param(value: str | None, name: str, form: Form) -> date | None:
    """A date from a page's query string: empty is none; dd/mm/yyyy or yyyy-mm-dd, else an error at the field."""
    if not value or not value.strip():
        return None
    try:
        return parse_date(value.strip())
    except ValueError as exc:
        form.errors[name] = str(exc)
        return None


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
    start, end = _day_param(date_from, "date_from", form), _day_param(date_to, "date_to", form)
    return audit.AuditFilter(username or None, action or None, facility or None, start, end, limit)


def _saved(document_id: int) -> Redirect:
    return Redirect(f"/documents/{document_id}?saved=1", status_code=303)


class AuthPages(Controller):
    """Sign-in, sign-out and the language switch (public)."""

    @get("/login", operation_id="LoginPage", include_in_schema=False)
    async def login_page(self, request: Request[Any, Any, Any], next_path: FromQuery[str] = "/") -> Template:
        return Template(
            "login.html",
            context={"lang": language(request), "next": next_path, "error": None, "username": ""},
        )

    @post("/login", operation_id="Login", include_in_schema=False)
    async def login(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], data: FormData
    ) -> Template | Redirect:
        username = data.get("username", "").strip()
        address = request.client.host if request.client else ""
        target = data.get("next") or "/"
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        context = {"lang": language(request), "next": target, "username": username}
        try:
            signed = await UserService(db_session).sign_in(username, data.get("password", ""), address)
        except TooManyAttempts:
            return Template("login.html", context={**context, "error": "login.throttled"}, status_code=429)
        if signed is None:
            # 200 so that the failed attempt is committed and counts towards throttling
            return Template("login.html", context={**context, "error": "login.failed"})
        response = Redirect(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            signed.token,
            httponly=True,
            samesite="lax",
            path="/",
            max_age=int(SESSION_MAX.total_seconds()),
            secure=request.url.scheme == "https",
        )
        return response

    @get("/lang/{code:str}", operation_id="SwitchLanguage", include_in_schema=False)
    async def switch_language(self, request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
        back = request.headers.get("referer", "/")
        response = Redirect(back if back.startswith(("/", str(request.base_url))) else "/", status_code=303)
        response.set_cookie(
            "lang",
            code if code in LANGUAGES else DEFAULT_LANGUAGE,
            path="/",
            samesite="lax",
            max_age=3600 * 24 * 365,
        )
        return response


class StockPages(Controller):
    """The store keeper's and commune worker's pages."""

    dependencies = {"page": Provide(provide_page)}

    @post("/logout", operation_id="Logout", include_in_schema=False)
    async def logout(self, request: Request[Any, Any, Any], page: NamedDependency[Page]) -> Redirect:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await UserService(page.session).sign_out(token)
        response = Redirect("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/", operation_id="Dashboard", include_in_schema=False)
    async def dashboard(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        board = await page.stock.dashboard(page.facility_code(facility))
        return await page.render("dashboard.html", board=board)

    @get("/stock", operation_id="StockPage", include_in_schema=False)
    async def stock(self, page: NamedDependency[Page], facility: FromQuery[str | None] = None) -> Template:
        soh = await page.stock.stock_on_hand(page.facility_code(facility))
        return await page.render("stock.html", soh=soh)

    # ---- receive -------------------------------------------------------------------------------------------

    async def _receive_form(self, page: Page, form: Form, status_code: int = 200) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        await page.require_write(facility)
        locations = await page.catalog.list_locations(facility)
        lots = await page.stock.lots(None)
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
            command, form, origins = parse(values, s.ReceiptCreate)
        except FormInvalid as bad:
            bad.form.values = data
            return await self._receive_form(page, bad.form, 422)
        form.values = data
        try:
            document = await page.stock.receive(command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._receive_form(page, refuse(form, exc, origins), exc.status_code)
        return _saved(document.id)

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
                    result = await page.stock.propose(
                        s.ProposalRequest(facility=data.get("facility", ""), product=product, doses=doses)
                    )
                except ValueError:
                    form.errors[key] = translate("errors.whole_number", language(page.request))
                    continue
                except InventoryError as exc:
                    form.errors[key] = exc.detail
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
            command, form, origins = parse(values, s.IssueCreate)
        except FormInvalid as bad:
            bad.form.values = data
            return await self._issue_form(page, bad.form, [], 422)
        form.values = data
        try:
            document = await page.stock.issue(command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._issue_form(page, refuse(form, exc, origins), [], exc.status_code)
        return Redirect(f"/documents/{document.id}/voucher?saved=1", status_code=303)

    # ---- documents -----------------------------------------------------------------------------------------

    @get("/documents", operation_id="DocumentsPage", include_in_schema=False)
    async def documents(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        code = page.facility_code(facility)
        return await page.render(
            "documents.html", facility=code, documents=await page.stock.documents(code, 200)
        )

    @get("/documents/{document_id:int}", operation_id="DocumentPage", include_in_schema=False)
    async def document(
        self, page: NamedDependency[Page], document_id: RowIdPath, saved: FromQuery[bool] = False
    ) -> Template:
        document = await page.stock.document(document_id)
        return await page.render("document.html", document=document, saved=saved, form=Form())

    @get("/documents/{document_id:int}/voucher", operation_id="VoucherPage", include_in_schema=False)
    async def voucher(
        self, page: NamedDependency[Page], document_id: RowIdPath, saved: FromQuery[bool] = False
    ) -> Template:
        document = await page.stock.document(document_id)
        products = {p.code: p for p in await page.products()}
        lots = {(lot.product, lot.lot_number): lot for lot in await page.stock.lots(None)}
        lines = [m for m in document.movements if m.doses < 0] or document.movements
        return await page.render(
            "voucher.html", document=document, lines=lines, products=products, lots=lots, saved=saved
        )

    @post("/documents/{document_id:int}/reverse", operation_id="ReverseForm", include_in_schema=False)
    async def reverse(
        self, page: NamedDependency[Page], document_id: RowIdPath, data: FormData
    ) -> Template | Redirect:
        form = Form(values=dict(data), key=data.get("idempotency_key") or uuid.uuid4().hex)
        try:
            reversal = await page.stock.reverse(
                document_id, s.ReversalCreate(reason=data.get("reason", "").strip()), key=f"web:{form.key}"
            )
        except Exception as exc:
            detail = exc.detail if isinstance(exc, InventoryError) else str(exc)
            form.errors["reason"] = detail
            document = await page.stock.document(document_id)
            status = exc.status_code if isinstance(exc, InventoryError) else 422
            return await page.render("document.html", status, document=document, saved=False, form=form)
        return _saved(reversal.id)

    # ---- confirm deliveries --------------------------------------------------------------------------------

    @get("/confirm", operation_id="ConfirmList", include_in_schema=False)
    async def confirm_list(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        code = page.facility_code(facility)
        shipments = [sh for sh in await page.stock.shipments(code, "in_transit") if sh.to_facility == code]
        return await page.render("confirm_list.html", facility=code, shipments=shipments)

    async def _confirm_form(
        self, page: Page, shipment_id: int, form: Form, status_code: int = 200
    ) -> Template:
        shipment = await page.stock.shipment(shipment_id)
        if not form.values:
            # the VVM as last recorded (it only darkens): the worker changes it only if it looks worse
            stages = {(lot.product, lot.lot_number): lot.vvm_stage for lot in await page.stock.lots(None)}
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
            command, form, origins = parse(values, s.ShipmentConfirm)
        except FormInvalid as bad:
            bad.form.values = data
            return await self._confirm_form(page, shipment_id, bad.form, 422)
        form.values = data
        try:
            shipment = await page.stock.confirm_shipment(shipment_id, command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._confirm_form(page, shipment_id, refuse(form, exc, origins), exc.status_code)
        return _saved(shipment.receipt_document_id or 0)

    # ---- adjust, usage -------------------------------------------------------------------------------------

    async def _lines_form(self, page: Page, template: str, form: Form, status_code: int = 200) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        await page.require_write(facility)
        locations = [loc for loc in await page.catalog.list_locations(facility) if loc.kind != "transit"]
        soh = await page.stock.stock_on_hand(facility)
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
        return await self._post_lines(page, data, "adjust.html", s.AdjustmentCreate, page.stock.adjust)

    @get("/usage", operation_id="UsagePage", include_in_schema=False)
    async def usage_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._lines_form(
            page, "usage.html", Form(values={"facility": page.facility_code(facility)})
        )

    @post("/usage", operation_id="UsageForm", include_in_schema=False)
    async def usage(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        return await self._post_lines(page, data, "usage.html", s.UsageCreate, page.stock.record_usage)

    async def _post_lines(
        self, page: Page, data: dict[str, str], template: str, schema: type[Any], action: Any
    ) -> Template | Redirect:
        try:
            command, form, origins = parse(data, schema)
        except FormInvalid as bad:
            return await self._lines_form(page, template, bad.form, 422)
        try:
            document = await action(command, key=f"web:{form.key}")
        except InventoryError as exc:
            return await self._lines_form(page, template, refuse(form, exc, origins), exc.status_code)
        return _saved(document.id)

    # ---- count ---------------------------------------------------------------------------------------------

    @get("/count", operation_id="CountPage", include_in_schema=False)
    async def count_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        code = page.facility_code(facility)
        await page.require_write(code)
        soh = await page.stock.stock_on_hand(code)
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
        soh = await page.stock.stock_on_hand(code)
        try:
            command, form, origins = parse(data, s.CountCreate)
        except FormInvalid as bad:
            return await page.render("count.html", 422, form=bad.form, facility=code, soh=soh)
        try:
            draft = await page.stock.create_count(command, key=f"web:{form.key}")
            submitted = await page.stock.submit_count(draft.id, key=f"web:{form.key}:submit")
        except InventoryError as exc:
            return await page.render(
                "count.html", exc.status_code, form=refuse(form, exc, origins), facility=code, soh=soh
            )
        return _saved(submitted.document_id or 0)

    # ---- stock card, lots, audit ---------------------------------------------------------------------------

    @get("/stock-card", operation_id="StockCardPage", include_in_schema=False)
    async def stock_card(
        self,
        page: NamedDependency[Page],
        facility: FromQuery[str | None] = None,
        product: FromQuery[str | None] = None,
        lot_number: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
    ) -> Template:
        code = page.facility_code(facility)
        form = Form()
        end = _day_param(date_to, "date_to", form) or today_vn()
        start = _day_param(date_from, "date_from", form) or (end - timedelta(days=90))
        card = None
        form.values = {
            "facility": code,
            "product": product or "",
            "lot_number": lot_number or "",
            "date_from": start.isoformat(),
            "date_to": end.isoformat(),
        }
        if product and lot_number and not form.errors:
            try:
                card = await page.stock.stock_card(code, product, lot_number, start, end)
            except InventoryError as exc:
                form.errors[exc.field or "form"] = exc.detail
        lots = await page.stock.lots(None)
        return await page.render("stock_card.html", card=card, form=form, facility=code, lots=lots)

    @get("/lots", operation_id="LotsPage", include_in_schema=False)
    async def lots(self, page: NamedDependency[Page]) -> Template:
        return await page.render("lots.html", lots=await page.stock.lots(None))

    @post("/lots/{action:str}", operation_id="LotForm", include_in_schema=False)
    async def lot_action(
        self, page: NamedDependency[Page], action: FromPath[str], data: FormData
    ) -> Template | Redirect:
        # the lot travels in the form, not the path: lot numbers may hold "/", "#", "?" or "%"
        product, lot_number = data.get("product", ""), data.get("lot_number", "")
        key = f"web:{data.get('idempotency_key') or uuid.uuid4().hex}"
        try:
            if action in {"hold", "release"}:
                await page.stock.set_hold(
                    product,
                    lot_number,
                    s.HoldUpdate(reason=data.get("reason", "").strip()),
                    hold=action == "hold",
                    key=key,
                )
            elif action == "vvm":
                await page.stock.record_vvm(
                    product, lot_number, s.VVMUpdate(vvm_stage=int(data.get("vvm_stage", "0") or 0)), key=key
                )
            else:
                raise Forbidden(f"unknown action {action}")
        except (InventoryError, ValueError, Exception) as exc:
            detail = exc.detail if isinstance(exc, InventoryError) else str(exc)
            status = exc.status_code if isinstance(exc, InventoryError) else 422
            form = Form(values=dict(data), errors={f"{product}/{lot_number}": detail})
            return await page.render("lots.html", status, lots=await page.stock.lots(None), form=form)
        return Redirect("/lots", status_code=303)

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
