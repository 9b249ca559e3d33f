"""JSON API and downloads for the vaccine request."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.datacache import DataCache
from inventory.forecast.service import ForecastService
from inventory.idempotency import Request, run_once
from inventory.settings import Settings
from inventory.stock.api.shared import IdempotencyKey
from inventory.stock.schemas.base import Command

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class SettingOverride(Command):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    value: float | int | str | None
    facility: str | None = None
    product: str | None = None
    clear: bool = False


class SettingRead(msgspec.Struct):
    name: str
    value: Any
    facility: str | None
    product: str | None
    updated_by: str


async def _settings(service: ForecastService) -> list[SettingRead]:
    return [
        SettingRead(
            o.name,
            msgspec.json.decode(o.value),
            o.facility_code or None,
            o.product_code or None,
            o.updated_by,
        )
        for o in await service.overrides()
    ]


async def provide_forecast_service(
    db_session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal],
    settings: NamedDependency[Settings],
    data_cache: NamedDependency[DataCache],
) -> ForecastService:
    return ForecastService(db_session, principal, settings=settings, cache=data_cache)


class ForecastController(Controller):
    path = "/api/v1/forecast"
    tags = ["forecast"]
    dependencies = {"forecast_service": Provide(provide_forecast_service)}

    @get(
        "/",
        operation_id="Forecast",
        summary="Needs and order per facility × product for a period, with workings",
    )
    async def forecast(
        self,
        forecast_service: NamedDependency[ForecastService],
        period: FromQuery[str],
        facility: FromQuery[str | None] = None,
    ) -> list[dict[str, Any]]:
        result = await forecast_service.run(period, facility)
        return result.lines.to_dicts()

    @get(
        "/request.xlsx", operation_id="ForecastWorkbook", summary="The request workbook (summary + workings)"
    )
    async def workbook(
        self,
        forecast_service: NamedDependency[ForecastService],
        period: FromQuery[str],
        facility: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        result = await forecast_service.run(period, facility)
        body = await anyio.to_thread.run_sync(lambda: forecast_service.workbook(result))
        name = f"du-tru-vac-xin-{result.root}-{result.period.label}.xlsx"
        return Response(
            body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @get("/request.docx", operation_id="ForecastLetter", summary="The proposal letter to the provincial CDC")
    async def letter(
        self,
        forecast_service: NamedDependency[ForecastService],
        period: FromQuery[str],
        facility: FromQuery[str | None] = None,
        signer: Annotated[
            str, Parameter(description="Name under the signature; the signed-in user's full name if empty")
        ] = "",
        signer_title: Annotated[
            str,
            Parameter(
                description="Title (chức vụ) above the name; the signed-in user's title if empty and no signer "
                "is named, else Giám đốc",
                max_length=100,
            ),
        ] = "",
    ) -> Response[bytes]:
        result = await forecast_service.run(period, facility)
        issuer, recipient, place = await forecast_service.letter_names(result.root)
        if signer.strip():  # someone else signs: their title is the one given (or the head of the unit's)
            name, title = signer.strip(), signer_title
        else:
            name, title = await forecast_service.signer()
            title = signer_title.strip() or title

        body = await anyio.to_thread.run_sync(
            lambda: forecast_service.letter(
                result, issuer=issuer, recipient=recipient, place=place, signer_name=name, signer_title=title
            )
        )

        name = f"de-nghi-cung-ung-{result.root}-{result.period.label}.docx"
        return Response(
            body, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @get("/settings", operation_id="ForecastSettings", summary="Parameter overrides (WHO defaults otherwise)")
    async def settings(self, forecast_service: NamedDependency[ForecastService]) -> list[SettingRead]:
        return await _settings(forecast_service)

    @post("/settings", operation_id="SetForecastSetting", summary="Override (or clear) one parameter")
    async def set_setting(
        self,
        forecast_service: NamedDependency[ForecastService],
        data: JSONBody[SettingOverride],
        idempotency_key: IdempotencyKey,
    ) -> list[SettingRead]:
        async def action() -> list[SettingRead]:
            if data.clear:
                await forecast_service.clear_override(
                    name=data.name, facility=data.facility, product=data.product
                )
            else:
                await forecast_service.set_override(
                    name=data.name, value=data.value, facility=data.facility, product=data.product
                )
            return await _settings(forecast_service)

        return await run_once(
            forecast_service.session,
            Request(
                key=idempotency_key,
                scope="forecast.setting",
                payload=data,
                principal=forecast_service.principal,
            ),
            action,
            list[SettingRead],
        )
