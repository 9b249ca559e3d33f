"""The demo year's monthly reports: every station and the district have sent each past month's reports by
its deadline, as a real district would, so the demo opens no overdue-report alert; a month whose deadline
has not come yet is still being prepared."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from inventory.alerts.models import Alert
from inventory.auth import Principal
from inventory.db import create_engine, session_factory
from inventory.reports.models import ReportSubmission
from inventory.reports.service import ReportsService
from inventory.settings import Settings
from inventory.timeutil import VIETNAM
from tests.conftest import load_demo_year

pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 7)
"""After the stations' deadline for October (the 5th), before the district's (the 10th)."""


def _months(first: date, last: date) -> list[str]:
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(f"{month.year:04d}-{month.month:02d}")
        month = (month + timedelta(days=32)).replace(day=1)
    return out


async def test_the_demo_sends_every_past_months_reports_on_time_and_opens_no_overdue_alert(
    settings: Settings,
) -> None:
    loaded = await load_demo_year(settings, TODAY)
    engine = create_engine(settings)
    try:
        assert loaded["reports_submitted"] > 0
        async with session_factory(engine)() as session:
            overdue = (
                await session.scalars(
                    select(Alert.key).where(Alert.kind == "report_overdue", Alert.resolved_at.is_(None))
                )
            ).all()
            assert overdue == []
            service = ReportsService(session, Principal.system("test"), today=TODAY)
            for period in _months(TODAY - timedelta(days=365), date(2026, 10, 1)):
                for kind in ("usage", "results"):
                    status = {
                        r["facility_code"]: r for r in await service.submissions(kind, period, "TTYT-MT")
                    }
                    assert len(status) == 8, status  # the seven stations and the district
                    for code, row in status.items():
                        not_due_yet = period == "2026-10" and code == "TTYT-MT"  # due on 10/11
                        assert row["submitted"] is not not_due_yet, (kind, period, code)
                        assert not row["late"], (kind, period, code)
            stamps = (
                await session.execute(select(ReportSubmission.period, ReportSubmission.submitted_at))
            ).all()
        assert {period for period, _at in stamps} == set(
            _months(TODAY - timedelta(days=365), date(2026, 10, 1))
        )
        for period, at in stamps:
            year, month = map(int, period.split("-"))
            sent = at.astimezone(VIETNAM).date()
            assert (sent.year, sent.month) == (year + month // 12, month % 12 + 1), (
                period,
                at,
            )  # the month after
            assert sent <= TODAY
    finally:
        await engine.dispose()
