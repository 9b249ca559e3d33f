"""The demo's monthly reports: each station and the district submit every past month's usage and results
reports by the reporting calendar's deadline, through the same use case as the reports page; a month whose
deadline has not come yet is still being prepared."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from inventory.alerts.duties import MONTHLY_REPORTS
from inventory.catalog.models import Facility
from inventory.demo.clock import COMMUNE_ACTOR, DEMO_ACTOR, _Clock, _key
from inventory.idempotency import Request, run_once
from inventory.reports import domain, repository

EARLY_DAYS = 3
"""A report is sent on its due day or up to this many days before it (never before its month has ended)."""


async def _reports(
    clock: _Clock, start: date, today: date, district: Facility, communes: list[Facility]
) -> dict[str, int]:
    """Submit the monthly reports due on or before today, each on a working day before its deadline."""
    rng = random.Random(34)  # its own draws: the ledger's stay as they were
    await repository.refresh_statistics(clock.session)
    settings = await clock.reports(today, DEMO_ACTOR).settings()
    deadlines = {d.route: d for d in domain.calendar_from(settings) if d.period_kind == "month"}
    senders = [(c, COMMUNE_ACTOR) for c in communes] + [(district, DEMO_ACTOR)]
    planned: list[tuple[date, str, str, str]] = []
    month = start.replace(day=1)
    while month < today.replace(day=1):
        following = (month + timedelta(days=32)).replace(day=1)
        end = following - timedelta(days=1)
        for facility, actor in senders:
            route = domain.route_of(facility.level)
            if route not in deadlines:
                continue
            due = domain.due_on(deadlines[route], end)
            if due > today:
                continue
            sent = max(following, due - timedelta(days=rng.randint(0, EARLY_DAYS)))
            planned.append((sent, f"{month.year:04d}-{month.month:02d}", facility.code, actor))
        month = following
    for sent, period, facility, actor in sorted(planned):
        for kind in MONTHLY_REPORTS:
            await _submit(clock, sent, actor, kind, period, facility)
    return {"reports_submitted": len(planned) * len(MONTHLY_REPORTS)}


async def _submit(clock: _Clock, day: date, actor: str, kind: str, period: str, facility: str) -> None:
    service = clock.reports(day, actor)

    async def action() -> dict[str, Any]:
        done = await service.submit(kind, period, facility)
        return {"version": done["version"]}

    await run_once(
        service.session,
        Request(
            key=_key("report", kind, period, facility),
            scope=f"report.submit:{kind}",
            payload={"kind": kind, "period": period, "facility": facility},
            principal=service.principal,
            at=service.now,
        ),
        action,
        dict[str, Any],
    )
