"""Submitting a report: a frozen copy with who and when (a later submission is a new version), reading a
submitted copy back, and who in the tree has submitted a period's report by its deadline."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from sqlalchemy import func, select

from inventory.audit.service import record
from inventory.auth import Forbidden
from inventory.errors import NotFound
from inventory.reports import domain, repository
from inventory.reports.building import ReportBuilder
from inventory.reports.models import ReportSubmission
from inventory.reports.summary import Report


class ReportSubmissions(ReportBuilder):
    """The submitted copies of the reports of a facility and the facilities it supplies."""

    async def submit(
        self, kind: str, period_text: str, facility: str | None, note: str | None = None
    ) -> dict:
        """Freeze the report as it stands now, with who and when; a later submission is a new version."""
        report = await self.report(kind, period_text, facility)
        tree = await repository.facilities(self.session, report.period.start, report.period.end)
        fid = tree.filter(pl.col("facility_code") == report.facility)["facility_id"][0]
        if not self.principal.can_write(fid):
            raise Forbidden(
                message="error.reports.submit_forbidden",
                params={"facility": report.facility},
                field="facility",
            )
        latest = await self.session.scalar(
            select(func.max(ReportSubmission.version)).where(
                ReportSubmission.kind == kind,
                ReportSubmission.period == report.period.label,
                ReportSubmission.facility_code == report.facility,
            )
        )
        row = ReportSubmission(
            kind=kind,
            period=report.period.label,
            facility_code=report.facility,
            version=(latest or 0) + 1,
            submitted_at=self.now(),
            submitted_by=self.principal.username,
            note=note,
            content=json.dumps(
                {name: frame.to_dicts() for name, frame in report.tables.items()}, default=str
            ),
        )
        self.session.add(row)
        await self.session.flush()
        record(
            self.session,
            self.principal,
            "report.submit",
            facility_code=row.facility_code,
            entity=f"report_submission:{row.id}",
            at=row.submitted_at,
            changes={
                "kind": kind,
                "period": row.period,
                "facility": row.facility_code,
                "version": row.version,
            },
        )
        return _submission(row)

    async def submitted(
        self, kind: str, period_text: str, facility: str, version: int | None = None
    ) -> Report:
        """A submitted report as it was frozen (the latest version unless one is asked for)."""
        period = self._period(period_text)
        await self._tree(facility, period)
        stmt = select(ReportSubmission).where(
            ReportSubmission.kind == kind,
            ReportSubmission.period == period.label,
            ReportSubmission.facility_code == facility,
        )
        stmt = (
            stmt.where(ReportSubmission.version == version)
            if version
            else stmt.order_by(ReportSubmission.version.desc())
        )
        row = (await self.session.scalars(stmt.limit(1))).first()
        if row is None:
            raise NotFound(
                message="error.reports.not_submitted", params={"facility": facility}, field="period"
            )
        content = json.loads(row.content)
        tables = {name: pl.DataFrame(rows, infer_schema_length=None) for name, rows in content.items()}
        name = (await repository.facilities(self.session, period.start, period.end)).filter(
            pl.col("facility_code") == facility
        )["facility_name"][0]
        return Report(kind, period, facility, name, tables, submitted=_submission(row))

    async def submissions(self, kind: str, period_text: str, facility: str | None = None) -> list[dict]:
        """Who in the tree has submitted this report for the period, and who has not (with the due date)."""
        period = self._period(period_text)
        tree, _root = await self._tree(facility, period)
        settings = await self.settings()
        calendar = {(d.route, d.period_kind): d for d in domain.calendar_from(settings)}
        rows = (
            await self.session.scalars(
                select(ReportSubmission)
                .where(
                    ReportSubmission.kind == kind,
                    ReportSubmission.period == period.label,
                    ReportSubmission.facility_code.in_(tree["facility_code"].to_list()),
                )
                .order_by(ReportSubmission.facility_code, ReportSubmission.version)
            )
        ).all()
        by_facility: dict[str, list[ReportSubmission]] = {}
        for r in rows:
            by_facility.setdefault(r.facility_code, []).append(r)
        out = []
        for code, name, level in tree.select("facility_code", "facility_name", "level").iter_rows():
            route = domain.route_of(level)
            if route is None:
                continue
            deadline = calendar.get((route, period.kind))
            due = domain.due_on(deadline, period.end) if deadline else None
            versions = by_facility.get(code, [])
            first = versions[0] if versions else None
            out.append(
                {
                    "facility_code": code,
                    "facility_name": name,
                    "route": route,
                    "due_on": due,
                    "submitted": bool(versions),
                    "versions": len(versions),
                    "first_submitted_at": first.submitted_at if first else None,
                    "late": (first.submitted_at.date() > due)
                    if first and due
                    else (due is not None and self.today > due and not versions),
                }
            )
        return out


def _submission(row: ReportSubmission) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "period": row.period,
        "facility": row.facility_code,
        "version": row.version,
        "submitted_at": row.submitted_at,
        "submitted_by": row.submitted_by,
        "note": row.note,
    }
