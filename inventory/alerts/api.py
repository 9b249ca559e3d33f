"""JSON API of the alerts: list (filters, paging), acknowledge, thresholds."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.alerts.config import AlertConfig
from inventory.alerts.schemas import AlertAcknowledge, AlertPage, AlertRead, AlertSettingWrite
from inventory.alerts.service import AlertService, Filters
from inventory.auth import Principal
from inventory.idempotency import Request as Write
from inventory.idempotency import run_once
from inventory.problems import reader_language
from inventory.stock.api import IdempotencyKey
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
        await alert_service.refresh(AlertConfig.from_env().max_age_seconds)
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
