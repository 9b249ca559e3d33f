"""Stock pages: the dashboard, stock on hand, the stock card, and lots with their holds and VVM."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from inventory.alerts.service import AlertService
from inventory.auth import Forbidden
from inventory.authn import SESSION_COOKIE, cache_key
from inventory.errors import InventoryError
from inventory.i18n import translate
from inventory.paging import DEFAULT_LIMIT, Window
from inventory.stock import schemas as s
from inventory.stock.use_cases import lots as lot_state
from inventory.stock.use_cases import views
from inventory.timeutil import today_vn
from inventory.users.service import UserService
from inventory.web.forms import Form
from inventory.web.pages import FormData, Page, day_param, provide_page
from inventory.web.paging import PageLimit, PageOffset, Pager


class StockPages(Controller):
    """The store keeper's and commune worker's stock views: dashboard, stock, stock card, lots."""

    dependencies = {"page": Provide(provide_page)}

    @post("/logout", operation_id="Logout", include_in_schema=False)
    async def logout(self, request: Request[Any, Any, Any], page: NamedDependency[Page]) -> Redirect:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await UserService(page.session).sign_out(token)
            request.app.state.principals.forget(cache_key(token, by_token=False))
        response = Redirect("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/", operation_id="Dashboard", include_in_schema=False)
    async def dashboard(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        code = page.facility_code(facility)
        board = await page.cached(("dashboard", code), lambda: views.dashboard(page.stock, code))
        levels = await AlertService(page.session, page.principal).levels(board.facility)
        return await page.render("dashboard.html", board=board, levels=levels)

    @get("/stock", operation_id="StockPage", include_in_schema=False)
    async def stock(
        self,
        page: NamedDependency[Page],
        facility: FromQuery[str | None] = None,
        limit: PageLimit = DEFAULT_LIMIT,
        offset: PageOffset = 0,
    ) -> Template:
        window = Window(limit, offset)
        code = page.facility_code(facility)
        soh = await page.cached(
            ("stock", code, window), lambda: views.stock_on_hand(page.stock, code, window)
        )
        paging = Pager("/stock", window, soh.total, {"facility": facility})
        return await page.render("stock.html", soh=soh, paging=paging)

    # ---- stock card, lots ----------------------------------------------------------------------------------

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
        end = day_param(date_to, "date_to", form, page.lang) or today_vn()
        start = day_param(date_from, "date_from", form, page.lang) or (end - timedelta(days=90))
        card = None
        form.values = {
            "facility": code,
            "product": product or "",
            "lot_number": lot_number or "",
            # what was typed stays, even a day that does not exist (the reason is beside it)
            "date_from": (date_from or "").strip() if "date_from" in form.errors else start.isoformat(),
            "date_to": (date_to or "").strip() if "date_to" in form.errors else end.isoformat(),
        }
        if product and lot_number and not form.errors:
            try:
                card = await views.stock_card(page.stock, code, product, lot_number, start, end)
            except InventoryError as exc:
                form.errors[exc.field or "form"] = exc.text(page.lang)
        lots = await lot_state.lot_choices(page.stock, code)
        return await page.render(
            "stock_card.html", 422 if form.errors else 200, card=card, form=form, facility=code, lots=lots
        )

    async def _lots_page(
        self,
        page: Page,
        product: str | None,
        window: Window,
        status: int = 200,
        form: Form | None = None,
    ) -> Template:
        lots, total = await page.cached(
            ("lots", product or None, window),
            lambda: lot_state.page_lots(page.stock, product or None, window),
        )
        paging = Pager("/lots", window, total, {"product": product})
        return await page.render(
            "lots.html",
            status,
            lots=lots,
            paging=paging,
            product=product or "",
            products=await page.products(),
            form=form or Form(),
        )

    @get("/lots", operation_id="LotsPage", include_in_schema=False)
    async def lots(
        self,
        page: NamedDependency[Page],
        product: FromQuery[str | None] = None,
        limit: PageLimit = DEFAULT_LIMIT,
        offset: PageOffset = 0,
    ) -> Template:
        return await self._lots_page(page, product, Window(limit, offset))

    @post("/lots/{action:str}", operation_id="LotForm", include_in_schema=False)
    async def lot_action(
        self, page: NamedDependency[Page], action: FromPath[str], data: FormData
    ) -> Template | Redirect:
        # the lot travels in the form, not the path: lot numbers may hold "/", "#", "?" or "%"
        product, lot_number = data.get("product", ""), data.get("lot_number", "")
        key = f"web:{data.get('idempotency_key') or uuid.uuid4().hex}"
        try:
            if action in {"hold", "release"}:
                await lot_state.set_hold(
                    page.stock,
                    product,
                    lot_number,
                    s.HoldUpdate(reason=data.get("reason", "").strip()),
                    hold=action == "hold",
                    key=key,
                )
            elif action == "vvm":
                await lot_state.record_vvm(
                    page.stock,
                    product,
                    lot_number,
                    s.VVMUpdate(vvm_stage=int(data.get("vvm_stage", "0") or 0)),
                    key=key,
                )
            else:
                raise Forbidden(message="error.lot.action", params={"action": action})
        except (InventoryError, ValueError) as exc:  # ValueError: a VVM stage that is not a number
            detail = (
                exc.text(page.lang)
                if isinstance(exc, InventoryError)
                else translate("error.lot.vvm_form", page.lang)
            )

            status = exc.status_code if isinstance(exc, InventoryError) else 422
            form = Form(values=dict(data), errors={f"{product}/{lot_number}": detail})
            return await self._lots_page(page, product, Window(), status, form)
        back = data.get("back", "")  # the page of lots the form was on (only ever a /lots page)
        safe = back.startswith("/lots") and "//" not in back
        return Redirect(back if safe else "/lots", status_code=303)
