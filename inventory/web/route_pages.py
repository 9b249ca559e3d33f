"""Supply route pages: the peer transfer form (to a facility of the same level with the same supplier) and
the extra routes an administrator allows beyond the facility tree (list, allow, end)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from inventory.errors import InventoryError
from inventory.routes.schemas import RouteCreate, RouteRevoke
from inventory.routes.service import RouteService
from inventory.stock import schemas as s
from inventory.stock.use_cases import issuing
from inventory.types import RowIdPath
from inventory.web.forms import Form, FormInvalid, parse, refuse
from inventory.web.pages import FormData, Page, provide_page
from inventory.web.posting_pages import LINE_LOT
from inventory.web.proposals import propose_or_send


class RoutePages(Controller):
    """/peer-transfer (the issue form's two steps, to a peer, with a reason) and /routes (extra routes)."""

    dependencies = {"page": Provide(provide_page)}

    # ---- peer transfer -------------------------------------------------------------------------------------

    async def _peer_form(
        self, page: Page, form: Form, proposal: list[dict[str, object]] | None = None, status_code: int = 200
    ) -> Template:
        facility = page.facility_code(form.value("facility") or None)
        place = await page.require_write(facility)
        return await page.render(
            "issue.html",
            status_code,
            peer=True,
            form=form,
            facility=facility,
            line_total=sum(1 for k in form.values if LINE_LOT.fullmatch(k)),
            products=await page.products(),
            proposal=proposal,
            destinations=await page.counterparty_options("peer_transfer", place),
        )

    @get("/peer-transfer", operation_id="PeerTransferPage", include_in_schema=False)
    async def peer_page(
        self, page: NamedDependency[Page], facility: FromQuery[str | None] = None
    ) -> Template:
        return await self._peer_form(page, Form(values={"facility": page.facility_code(facility)}))

    @post("/peer-transfer", operation_id="PeerTransferForm", include_in_schema=False)
    async def peer_transfer(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        """Step 1 (action=propose): doses per product → the lots lot picking proposes. Step 2 (action=post):
        the lots chosen, sent to the peer with the reason; refused as an issue is (route, stock, lot state)."""
        return await propose_or_send(
            page, data, s.PeerTransferCreate, issuing.transfer_to_peer, self._peer_form
        )

    # ---- extra routes --------------------------------------------------------------------------------------

    async def _routes_page(
        self,
        page: Page,
        *,
        allow: Form | None = None,
        revoking: tuple[int, Form] | None = None,
        show_all: bool = False,
        saved: bool = False,
        status_code: int = 200,
    ) -> Template:
        routes = await RouteService(page.session, page.principal).routes(include_revoked=show_all)
        allow = allow or Form()
        # one form (its own one-time key) per route that can be ended; the one sent keeps its input and errors
        revoke_forms = {r.id: Form() for r in routes if r.active} | dict([revoking] if revoking else [])
        submitted = revoking[1] if revoking else allow
        return await page.render(
            "routes.html",
            status_code,
            form=submitted,
            allow=allow,
            revoke_forms=revoke_forms,
            routes=routes,
            show_all=show_all,
            saved=saved,
            is_admin=page.principal.role == "admin",
        )

    @get("/routes", operation_id="RoutesPage", include_in_schema=False)
    async def routes_page(
        self, page: NamedDependency[Page], show_all: FromQuery[bool] = False, saved: FromQuery[bool] = False
    ) -> Template:
        """Every signed-in user may read the extra routes; administrators get the forms."""
        return await self._routes_page(page, show_all=show_all, saved=saved)

    @post("/routes", operation_id="AllowRouteForm", include_in_schema=False)
    async def allow_route(self, page: NamedDependency[Page], data: FormData) -> Template | Redirect:
        page.principal.require_role("admin", action="allow a supply route")
        try:
            command, form, origins = parse(data, RouteCreate, lang=page.lang)
        except FormInvalid as bad:
            return await self._routes_page(page, allow=bad.form, status_code=422)
        service = RouteService(page.session, page.principal)
        try:
            await service.allow(command, key=f"web:{form.key}")
        except InventoryError as exc:
            refused = refuse(form, exc, origins, page.lang)
            return await self._routes_page(page, allow=refused, status_code=exc.status_code)
        return Redirect("/routes?saved=true", status_code=303)

    @post("/routes/{route_id:int}/revoke", operation_id="RevokeRouteForm", include_in_schema=False)
    async def revoke_route(
        self, page: NamedDependency[Page], route_id: RowIdPath, data: FormData
    ) -> Template | Redirect:
        page.principal.require_role("admin", action="revoke a supply route")
        try:
            command, form, origins = parse(data, RouteRevoke, lang=page.lang)
        except FormInvalid as bad:
            return await self._routes_page(page, revoking=(route_id, bad.form), status_code=422)
        service = RouteService(page.session, page.principal)
        try:
            await service.revoke(route_id, command, key=f"web:{form.key}")
        except InventoryError as exc:
            refused = refuse(form, exc, origins, page.lang)
            return await self._routes_page(page, revoking=(route_id, refused), status_code=exc.status_code)
        return Redirect("/routes?saved=true", status_code=303)
