"""JSON API of the alerts: list (filters, paging), acknowledge, thresholds."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.alerts.config import AlertConfig
from inventory.alerts.schemas import (
    AlertAcknowledge,
    AlertPage,
    AlertRead,
    AlertSettingWrite,
    SubscriptionRead,
    SubscriptionWrite,
    WebhookRead,
    WebhookWrite,
)
from inventory.alerts.service import AlertService, Filters
from inventory.alerts.subscriptions import Subscriptions
from inventory.auth import Principal
from inventory.idempotency import Request as Write
from inventory.idempotency import run_once
from inventory.problems import reader_language
from inventory.stock.api.shared import IdempotencyKey
from inventory.types import RowIdPath


async def provide_alert_service(
    db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
) -> AlertService:
    return AlertService(db_session, principal)


class AlertsController(Controller):
    path = "/api/v1/alerts"
    tags = ["alerts"]
    dependencies = {"alert_service": Provide(provide_alert_service)}

    @get("/", operation_id="ListAlerts", summary="Alerts the reader may see, most severe first, paged")
    async def list_alerts(
        self,
        request: Request[Any, Any, Any],
        alert_service: NamedDependency[AlertService],
        facility: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        severity: FromQuery[str | None] = None,
        alert_state: Annotated[str, QueryParameter(name="state")] = "open",
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
    ) -> AlertPage:
        """`state`: open (default), unacknowledged, resolved or all. Titles and actions are in the language
        of Accept-Language (Vietnamese by default)."""
        filters = Filters(facility, kind, severity, alert_state, page, per_page)
        await alert_service.refresh_for_reader(AlertConfig.from_env().max_age_seconds)
        return await alert_service.list(filters, reader_language(request))

    @post(
        "/{alert_id:int}/acknowledge",
        operation_id="AcknowledgeAlert",
        summary="Acknowledge an alert (who, when, a note); it stays open while its condition lasts",
    )
    async def acknowledge(
        self,
        request: Request[Any, Any, Any],
        alert_service: NamedDependency[AlertService],
        alert_id: RowIdPath,
        data: JSONBody[AlertAcknowledge],
        idempotency_key: IdempotencyKey,
    ) -> AlertRead:
        lang = reader_language(request)
        return await run_once(
            alert_service.session,
            Write(
                key=idempotency_key,
                scope="alert.acknowledge",
                payload={"alert": alert_id, "note": data.note},
                principal=alert_service.principal,
            ),
            lambda: alert_service.acknowledge(alert_id, data.note, lang),
            AlertRead,
        )

    @post("/settings", operation_id="SetAlertThreshold", summary="Override one alert threshold")
    async def set_threshold(
        self,
        alert_service: NamedDependency[AlertService],
        data: JSONBody[AlertSettingWrite],
        idempotency_key: IdempotencyKey,
    ) -> dict[str, Any]:
        async def action() -> dict[str, Any]:
            await alert_service.set_threshold(
                name=data.name, value=data.value, facility=data.facility, product=data.product
            )
            return {
                "name": data.name,
                "value": data.value,
                "facility": data.facility,
                "product": data.product,
            }

        return await run_once(
            alert_service.session,
            Write(
                key=idempotency_key, scope="alert.setting", payload=data, principal=alert_service.principal
            ),
            action,
            dict[str, Any],
        )

    @get(
        "/settings", operation_id="AlertThresholds", summary="Alert threshold overrides (defaults otherwise)"
    )
    async def thresholds(self, alert_service: NamedDependency[AlertService]) -> list[dict[str, Any]]:
        return await alert_service.overrides()

    @get(
        "/subscriptions/{username:str}",
        operation_id="AlertSubscription",
        summary="A user's digest e-mail (their own; an administrator's: anyone's)",
    )
    async def subscription(
        self, alert_service: NamedDependency[AlertService], username: FromPath[str]
    ) -> SubscriptionRead:
        return await Subscriptions(alert_service.session, alert_service.principal).require_subscription(
            username
        )

    @post(
        "/subscriptions/{username:str}",
        operation_id="SetAlertSubscription",
        summary="Set a user's digest e-mail and language (their own; an administrator: anyone's)",
    )
    async def subscribe(
        self,
        alert_service: NamedDependency[AlertService],
        username: FromPath[str],
        data: JSONBody[SubscriptionWrite],
        idempotency_key: IdempotencyKey,
    ) -> SubscriptionRead:
        subscriptions = Subscriptions(alert_service.session, alert_service.principal)
        return await run_once(
            alert_service.session,
            Write(
                key=idempotency_key,
                scope="alert.subscription",
                payload={"username": username, **msgspec_dict(data)},
                principal=alert_service.principal,
            ),
            lambda: subscriptions.subscribe(username, data.email, data.language, data.active),
            SubscriptionRead,
        )

    @get(
        "/webhooks", operation_id="AlertWebhooks", summary="The webhooks of the facilities the reader may set"
    )
    async def webhooks(self, alert_service: NamedDependency[AlertService]) -> list[WebhookRead]:
        return await Subscriptions(alert_service.session, alert_service.principal).webhooks()

    @post(
        "/webhooks",
        operation_id="SetAlertWebhook",
        summary="Set a facility's webhook with a new HMAC key (shown in this answer only)",
    )
    async def set_webhook(
        self, alert_service: NamedDependency[AlertService], data: JSONBody[WebhookWrite]
    ) -> WebhookRead:
        """Each call makes a new key (audited without it): a retry replaces the key of a lost answer, and the
        last answer received holds the valid one."""
        return await Subscriptions(alert_service.session, alert_service.principal).set_webhook(
            data.facility, data.url, data.active
        )


def msgspec_dict(data: object) -> dict[str, Any]:
    return msgspec.structs.asdict(data)  # type: ignore[arg-type]
