"""The alerts' delivery page: a user's daily digest (their own; an administrator anyone's) and the facility
webhooks a store keeper or an administrator may set. Errors stand next to the field, the input kept."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Template

from inventory.alerts.subscriptions import Subscriptions
from inventory.errors import InventoryError
from inventory.web.forms import Form
from inventory.web.pages import FormData, Page, provide_page


class AlertDeliveryPages(Controller):
    dependencies = {"page": Provide(provide_page)}

    @get("/alerts/delivery", operation_id="AlertDeliveryPage", include_in_schema=False)
    async def delivery(self, page: NamedDependency[Page], user: FromQuery[str | None] = None) -> Template:
        return await self._render(page, user or page.principal.username, Form(), None)

    async def _render(
        self, page: Page, username: str, form: Form, secret: dict | None, status: int = 200
    ) -> Template:
        subscriptions = Subscriptions(page.session, page.principal)
        current = None
        try:
            current = await subscriptions.subscription(username)
        except InventoryError as exc:
            form.errors.setdefault("username", exc.text(page.lang))
            status = max(status, exc.status_code)
        if current is not None and not form.values:
            form.values.update(
                {
                    "email": current.email,
                    "language": current.language,
                    "active": "on" if current.active else "",
                }
            )
        return await page.render(
            "alert_delivery.html",
            status,
            form=form,
            username=username,
            webhooks=await subscriptions.webhooks(),
            may_set_webhooks=page.principal.is_admin or page.principal.role == "store_keeper",
            secret=secret,
        )

    @post("/alerts/delivery/subscription", operation_id="AlertSubscriptionForm", include_in_schema=False)
    async def subscribe(self, page: NamedDependency[Page], data: FormData) -> Template:
        username = data.get("username") or page.principal.username
        try:
            await Subscriptions(page.session, page.principal).subscribe(
                username, data.get("email", ""), data.get("language", "vi"), data.get("active") == "on"
            )
        except InventoryError as exc:
            form = Form(values=dict(data), errors={exc.field or "email": exc.text(page.lang)})
            return await self._render(page, username, form, None, exc.status_code)
        form = Form(values=dict(data))
        form.errors.clear()
        return await self._render(page, username, form, {"saved": True})

    @post("/alerts/delivery/webhook", operation_id="AlertWebhookForm", include_in_schema=False)
    async def webhook(self, page: NamedDependency[Page], data: FormData) -> Template:
        try:
            made = await Subscriptions(page.session, page.principal).set_webhook(
                data.get("facility", ""), data.get("url", ""), data.get("active", "on") == "on"
            )
        except InventoryError as exc:
            form = Form(values=dict(data), errors={f"webhook.{exc.field or 'url'}": exc.text(page.lang)})
            return await self._render(page, page.principal.username, form, None, exc.status_code)
        return await self._render(
            page, page.principal.username, Form(), {"facility": made.facility, "secret": made.secret}
        )
