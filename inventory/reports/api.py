"""JSON API and downloads of the monthly reports (usage and wastage, stock movement, immunization results)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.datacache import DataCache, cached, scope_of
from inventory.i18n import language
from inventory.idempotency import Request as OnceRequest
from inventory.idempotency import run_once
from inventory.reports import documents
from inventory.reports.configuration import ReportSettingsService
from inventory.reports.service import ReportsService
from inventory.reports.summary import Report
from inventory.stock.api.shared import IdempotencyKey
from inventory.stock.schemas.base import Command
from inventory.timeutil import today_vn
from inventory.web.caching import NO_COMPRESSION, cached_image

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Kind = Literal["usage", "results", "stock"]


class ReportRead(msgspec.Struct):
    kind: str
    period: str
    facility: str
    facility_name: str
    rounding: str
    tables: dict[str, list[dict[str, Any]]]
    settings: dict[str, int]
    submitted: dict[str, Any] | None = None


class SubmissionCreate(Command):
    period: Annotated[str, msgspec.Meta(min_length=4, max_length=16)]
    facility: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    note: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class SubmissionRead(msgspec.Struct):
    id: int
    kind: str
    period: str
    facility: str
    version: int
    submitted_at: datetime
    submitted_by: str
    note: str | None


class SubmissionStatus(msgspec.Struct):
    facility_code: str
    facility_name: str
    route: str
    due_on: date | None
    submitted: bool
    versions: int
    first_submitted_at: datetime | None
    late: bool


class ReportSettingChange(Command):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    value: int | None
    """None: back to the default."""


class ReportSettingsChange(Command):
    values: Annotated[
        dict[Annotated[str, msgspec.Meta(max_length=64)], int | None], msgspec.Meta(max_length=64)
    ]
    """Settings by name; None: back to the default. All are saved or none."""


class ReportSettingRead(msgspec.Struct):
    name: str
    value: int
    default: int
    changed: bool
    updated_at: datetime | None
    updated_by: str | None


def _read(report: Report, lang: str) -> ReportRead:
    from inventory.i18n import translate

    return ReportRead(
        kind=report.kind,
        period=report.period.label,
        facility=report.facility,
        facility_name=report.facility_name,
        rounding=translate("reports.rounding", lang),
        tables={name: frame.to_dicts() for name, frame in report.tables.items()},
        settings=report.settings,
        submitted=report.submitted,
    )


def _lang(request: Request[Any, Any, Any]) -> str:
    return language(request.headers.get("accept-language"))


async def provide_reports_service(
    db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
) -> ReportsService:
    return ReportsService(db_session, principal)


async def provide_settings_service(
    db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
) -> ReportSettingsService:
    return ReportSettingsService(db_session, principal)


class ReportsController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    dependencies = {
        "reports_service": Provide(provide_reports_service),
        "settings_service": Provide(provide_settings_service),
    }

    @get("/settings", operation_id="ReportSettings", summary="Thresholds and reporting calendar days")
    async def settings(self, settings_service: NamedDependency[ReportSettingsService]) -> dict[str, int]:
        return await settings_service.values()

    @get(
        "/settings/details",
        operation_id="ReportSettingDetails",
        summary="Each report setting with its default and who changed it last",
    )
    async def setting_details(
        self, settings_service: NamedDependency[ReportSettingsService]
    ) -> list[ReportSettingRead]:
        return [ReportSettingRead(**row) for row in await settings_service.rows()]

    @post("/settings", operation_id="SetReportSetting", summary="Change one report setting (administrators)")
    async def set_setting(
        self,
        settings_service: NamedDependency[ReportSettingsService],
        data: JSONBody[ReportSettingChange],
        idempotency_key: IdempotencyKey,
    ) -> dict[str, int]:
        return await run_once(
            settings_service.session,
            OnceRequest(
                key=idempotency_key,
                scope="report.setting",
                payload=data,
                principal=settings_service.principal,
            ),
            lambda: settings_service.change({data.name: data.value}),
            dict[str, int],
        )

    @patch(
        "/settings",
        operation_id="ChangeReportSettings",
        summary="Change several report settings at once, all or none (administrators)",
    )
    async def change_settings(
        self,
        settings_service: NamedDependency[ReportSettingsService],
        data: JSONBody[ReportSettingsChange],
        idempotency_key: IdempotencyKey,
    ) -> dict[str, int]:
        return await run_once(
            settings_service.session,
            OnceRequest(
                key=idempotency_key,
                scope="report.settings",
                payload=data,
                principal=settings_service.principal,
            ),
            lambda: settings_service.change(data.values),
            dict[str, int],
        )

    @get(
        "/{kind:str}", operation_id="Report", summary="A report's tables for a period (month, quarter, year)"
    )
    async def report(
        self,
        request: Request[Any, Any, Any],
        reports_service: NamedDependency[ReportsService],
        kind: FromPath[Kind],
        period: FromQuery[str],
        facility: FromQuery[str | None] = None,
    ) -> ReportRead:
        return _read(await reports_service.report(kind, period, facility), _lang(request))

    @get("/{kind:str}/workbook", operation_id="ReportWorkbook", summary="The report as an Excel workbook")
    async def workbook(
        self,
        request: Request[Any, Any, Any],
        reports_service: NamedDependency[ReportsService],
        kind: FromPath[Kind],
        period: FromQuery[str],
        facility: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        report = await reports_service.report(kind, period, facility)
        lang = _lang(request)
        body = await anyio.to_thread.run_sync(lambda: reports_service.workbook(report, lang))
        name = f"bao-cao-{kind}-{report.facility}-{report.period.label}.xlsx"
        return Response(
            body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @get("/{kind:str}/document", operation_id="ReportDocument", summary="The report as a Word document")
    async def document(
        self,
        request: Request[Any, Any, Any],
        reports_service: NamedDependency[ReportsService],
        kind: FromPath[Kind],
        period: FromQuery[str],
        facility: FromQuery[str | None] = None,
        signer: FromQuery[str] = "",
    ) -> Response[bytes]:
        report = await reports_service.report(kind, period, facility)
        body = await reports_service.word(report, _lang(request), signer)
        name = f"bao-cao-{kind}-{report.facility}-{report.period.label}.docx"
        return Response(
            body, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @get("/{kind:str}/csv", operation_id="ReportCsv", summary="One table of the report as CSV")
    async def csv(
        self,
        reports_service: NamedDependency[ReportsService],
        kind: FromPath[Kind],
        period: FromQuery[str],
        table: FromQuery[str],
        facility: FromQuery[str | None] = None,
    ) -> Response[str]:
        report = await reports_service.report(kind, period, facility)
        frame = report.tables.get(table)
        if frame is None:
            from inventory.errors import ValidationFailed

            raise ValidationFailed(
                message="error.reports.table",
                params={"table": table, "known": ", ".join(report.tables)},
                field="table",
            )
        name = f"bao-cao-{table}-{report.facility}-{report.period.label}.csv"
        return Response(
            documents.csv_text(frame),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get(
        "/{kind:str}/chart/{chart:str}",
        operation_id="ReportChart",
        summary="A chart of the report (PNG; with an ETag, 304 when unchanged)",
        opt=NO_COMPRESSION,
    )
    async def chart(
        self,
        request: Request[Any, Any, Any],
        reports_service: NamedDependency[ReportsService],
        data_cache: NamedDependency[DataCache],
        kind: FromPath[Kind],
        chart: FromPath[str],
        period: FromQuery[str],
        facility: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        lang = _lang(request)
        session = reports_service.session
        scope = scope_of(reports_service.principal)
        today = today_vn()

        async def charts() -> dict[str, bytes]:
            report = await reports_service.report(kind, period, facility)
            return await anyio.to_thread.run_sync(lambda: reports_service.chart_pngs(report, lang))

        async def render() -> bytes:
            # every chart of the report is drawn at once, and kept: the page asks for them together
            pngs = await cached(
                data_cache, session, ("report.charts", kind, period, facility, lang, today, scope), charts
            )
            if chart not in pngs:
                from inventory.errors import NotFound

                raise NotFound(message="error.reports.chart", params={"chart": chart}, field="chart")
            return pngs[chart]

        key = ("report.chart", kind, chart, period, facility, lang, today, scope)
        return await cached_image(request, data_cache, session, key, render)

    @post(
        "/{kind:str}/submissions",
        operation_id="SubmitReport",
        summary="Submit the report (a frozen copy; a later submission is a new version)",
    )
    async def submit(
        self,
        reports_service: NamedDependency[ReportsService],
        kind: FromPath[Kind],
        data: JSONBody[SubmissionCreate],
        idempotency_key: IdempotencyKey,
    ) -> SubmissionRead:
        async def action() -> SubmissionRead:
            done = await reports_service.submit(kind, data.period, data.facility, data.note)
            return SubmissionRead(**done)

        return await run_once(
            reports_service.session,
            OnceRequest(
                key=idempotency_key,
                scope=f"report.submit:{kind}",
                payload=data,
                principal=reports_service.principal,
            ),
            action,
            SubmissionRead,
        )

    @get(
        "/{kind:str}/submissions",
        operation_id="ReportSubmissions",
        summary="Who has submitted the report for a period, who has not, and when it is due",
    )
    async def submissions(
        self,
        reports_service: NamedDependency[ReportsService],
        kind: FromPath[Kind],
        period: FromQuery[str],
        facility: FromQuery[str | None] = None,
    ) -> list[SubmissionStatus]:
        return [SubmissionStatus(**r) for r in await reports_service.submissions(kind, period, facility)]

    @get(
        "/{kind:str}/submitted", operation_id="SubmittedReport", summary="A submitted report as it was frozen"
    )
    async def submitted(
        self,
        request: Request[Any, Any, Any],
        reports_service: NamedDependency[ReportsService],
        kind: FromPath[Kind],
        period: FromQuery[str],
        facility: FromQuery[str],
        version: FromQuery[int | None] = None,
    ) -> ReportRead:
        return _read(await reports_service.submitted(kind, period, facility, version), _lang(request))
