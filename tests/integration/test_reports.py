"""The monthly reports on a small ledger whose every figure is worked out by hand (report_samples): usage and
wastage, stock movement, who may read which station, and the periods refused."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.auth import Principal
from inventory.db import create_engine, session_factory
from inventory.errors import InventoryError
from inventory.settings import Settings
from tests.integration.report_samples import COMMUNE, build_report, usage_row

pytestmark = pytest.mark.anyio


async def test_january_usage_report_counts_and_rates_worked_by_hand(quarter: Settings) -> None:
    report = await build_report(quarter, "usage", "2026-01")
    bopv = usage_row(report, "BOPV")
    assert {
        k: bopv[k] for k in ("opening", "received", "issued", "doses_used", "administered", "wasted_lost")
    } == {
        "opening": 0,
        "received": 400,
        "issued": 0,
        "doses_used": 100,
        "administered": 80,
        "wasted_lost": 20,
    }
    assert bopv["closed_vial_wastage"] == 20
    assert bopv["open_vial_wastage"] == 20
    assert bopv["open_vial_wastage_ytd"] == 20
    assert bopv["closing"] == 280
    # 100 opened + 20 closed-vial = 120 used; 80 given: usage 66.67 %, wastage 33.33 %, factor 1.5
    assert (bopv["usage_rate"], bopv["wastage_rate"], bopv["wastage_factor"]) == (66.7, 33.3, 1.5)
    assert (bopv["open_vial_wastage_rate"], bopv["closed_vial_wastage_rate"]) == (20.0, 16.7)
    penta = usage_row(report, "PENTA")
    assert (penta["wasted_expired"], penta["wasted_broken"], penta["closing"]) == (3, 2, 95)
    assert penta["usage_rate"] == 0.0 and penta["wastage_factor"] is None  # nothing given: no factor


async def test_february_open_vial_wastage_is_negative_and_the_year_to_date_is_cumulative(
    quarter: Settings,
) -> None:
    report = await build_report(quarter, "usage", "2026-02")
    bopv = usage_row(report, "BOPV")
    assert bopv["opening"] == 280
    assert bopv["doses_used"] == 40  # the reversed session uses nothing
    assert bopv["administered"] == 50
    assert bopv["open_vial_wastage"] == -10  # 50 given from 40 opened: vials kept from January
    assert bopv["open_vial_wastage_ytd"] == 10  # 20 in January − 10 in February
    assert bopv["adjustments"] == 5
    assert bopv["closing"] == 245
    by_month = {
        r["month"]: (r["open_vial_wastage"], r["open_vial_wastage_ytd"])
        for r in report.tables["usage_by_month"].iter_rows(named=True)
        if r["product_code"] == "BOPV" and r["scope"] == "facility"
    }
    assert by_month == {date(2026, 1, 1): (20, 20), date(2026, 2, 1): (-10, 10)}


async def test_the_quarter_rounds_a_tie_half_up_once(quarter: Settings) -> None:
    bopv = usage_row(await build_report(quarter, "usage", "2026-Q1"), "BOPV")
    # 130 given of 140 opened + 20 closed-vial = 160: usage 81.25 % → 81.3, wastage 18.75 % → 18.8, 160/130 → 1.23
    assert (bopv["administered"], bopv["doses_used"], bopv["closed_vial_wastage"]) == (130, 140, 20)
    assert (bopv["usage_rate"], bopv["wastage_rate"], bopv["wastage_factor"]) == (81.3, 18.8, 1.23)
    assert bopv["closing"] == 245


async def test_stock_movement_report_has_one_row_per_lot(quarter: Settings) -> None:
    report = await build_report(quarter, "stock", "2026-02")
    rows = {r["lot_number"]: r for r in report.tables["stock"].iter_rows(named=True)}
    assert set(rows) == {"B1", "P1"}
    b1 = rows["B1"]
    assert (b1["opening"], b1["received"], b1["doses_used"], b1["adjustments"], b1["closing"]) == (
        280,
        0,
        40,
        5,
        245,
    )
    p1 = rows["P1"]
    assert (p1["opening"], p1["doses_used"], p1["administered"], p1["closing"]) == (95, 10, 10, 85)


async def test_a_commune_worker_gets_only_their_own_station(quarter: Settings) -> None:
    from sqlalchemy import select

    from inventory.catalog.models import Facility

    engine = create_engine(quarter)
    async with session_factory(engine)() as session:
        own = await session.scalar(select(Facility.id).where(Facility.code == COMMUNE))
    await engine.dispose()
    worker = Principal(
        "w", "commune_worker", facility_id=own, facility_code=COMMUNE, readable=frozenset({own})
    )
    report = await build_report(quarter, "usage", "2026-01", facility=None, principal=worker)  # type: ignore[arg-type]
    assert set(report.tables["usage"]["facility_code"]) == {COMMUNE}
    with pytest.raises(InventoryError) as refused:
        await build_report(quarter, "usage", "2026-01", facility="TTYT-MT", principal=worker)
    assert refused.value.code == "forbidden"


async def test_a_period_that_is_not_a_month_quarter_or_year_is_refused_naming_it(quarter: Settings) -> None:
    for bad in ("2026-13", "2027-2029", "soon"):
        with pytest.raises(InventoryError) as refused:
            await build_report(quarter, "usage", bad)
        assert refused.value.field == "period"
        assert refused.value.message == "error.reports.period"
