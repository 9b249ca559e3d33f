"""The duty alerts on a real database, each opened by the cold chain's and the reports' own writes and resolved
by the write that ends it: a missing twice-daily reading, an open excursion (its lots get no on-hold alert of
their own), equipment needing repair, and the monthly report not submitted by its deadline."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from inventory.alerts.service import AlertService
from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from tests.integration.conftest import Api
from tests.integration.ledger_samples import DISTRICT, TODAY, day, lot, receipt

pytestmark = pytest.mark.anyio


async def evaluate(settings: Settings, *, today: date = TODAY, now: time = time(17, 0)):
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return await AlertService(session, Principal.system("test"), today=today, now=now).evaluate()
    finally:
        await engine.dispose()


async def open_alerts(api: Api, kind: str) -> list[dict]:
    return (await api.read("/alerts", kind=kind, facility=DISTRICT, per_page=200))["items"]


async def test_duty_alerts_open_with_their_condition_and_resolve_when_it_ends(settings, api: Api) -> None:
    await api.ok("/receipts", receipt(lot("PENTA", "P-1", 1000, location="TL-02"), occurred_on=day(-20)))
    await api.ok("/equipment", {"facility": DISTRICT, "location": "TL-02", "equipment_type": "refrigerator"})
    # registered today: at 09:59 nothing is due yet, at 17:00 both of today's readings are missing
    await evaluate(settings, now=time(9, 59))
    assert await open_alerts(api, "reading_missing") == []
    await evaluate(settings)
    [missing] = await open_alerts(api, "reading_missing")
    assert (missing["numbers"]["missing"], missing["link"]) == (2, f"/coldchain/{DISTRICT}/TL-02")
    assert "thiếu 2 lần ghi nhiệt độ" in missing["title"]

    # a warm morning opens an excursion holding P-1 there; the afternoon is fine; the fridge needs repair
    reading = {"facility": DISTRICT, "location": "TL-02", "period": "morning", "celsius": 9.5}
    hot = await api.ok("/readings", reading)
    await api.ok("/readings", {**reading, "period": "afternoon", "celsius": 5.0})
    status = f"/facilities/{DISTRICT}/locations/TL-02/status"
    await api.ok(status, {"status": "needs_repair", "reason": "door seal"})
    await evaluate(settings)
    assert await open_alerts(api, "reading_missing") == []
    [excursion] = await open_alerts(api, "excursion_open")
    assert (excursion["severity"], excursion["numbers"]["lots"], excursion["numbers"]["doses"]) == (
        "critical",
        1,
        1000,
    )
    assert excursion["numbers"]["excursion_id"] == hot["excursion_id"]
    assert await open_alerts(api, "on_hold") == []  # the excursion's alert speaks for its lot
    [repair] = await open_alerts(api, "equipment_broken")
    assert (repair["severity"], repair["numbers"]["status_reason"]) == ("warning", "door seal")

    decision = {
        "product": "PENTA",
        "lot_number": "P-1",
        "decision": "release",
        "reason": "VVM 2",
        "vvm_stage": 2,
    }
    await api.ok(f"/excursions/{hot['excursion_id']}/decisions", decision)
    await api.ok(status, {"status": "working", "reason": "seal replaced"})
    result = await evaluate(settings)
    assert result.resolved >= 2
    assert await open_alerts(api, "excursion_open") == [] and await open_alerts(api, "equipment_broken") == []
    again = await evaluate(settings)
    assert (again.opened, again.resolved) == (0, 0)

    # this month's reports are due by the 10th of the next: overdue on the 11th until submitted
    later = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=11)
    period = f"{TODAY:%Y-%m}"
    await evaluate(settings, today=later)
    owed = [a for a in await open_alerts(api, "report_overdue") if a["numbers"]["period"] == period]
    assert sorted(a["numbers"]["report"] for a in owed) == ["results", "usage"]
    usage = next(a for a in owed if a["numbers"]["report"] == "usage")
    assert usage["link"] == f"/reports?kind=usage&period={period}&facility={DISTRICT}"
    assert usage["since"] == later.isoformat() and usage["numbers"]["days_late"] == 1
    await api.ok("/reports/usage/submissions", {"period": period, "facility": DISTRICT})
    await evaluate(settings, today=later)
    still = [a for a in await open_alerts(api, "report_overdue") if a["numbers"]["period"] == period]
    assert [a["numbers"]["report"] for a in still] == ["results"]
