"""The monthly reports on a small ledger whose every figure is worked out by hand below, and submission."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.errors import InventoryError
from inventory.reports.service import ReportsService
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.use_cases import adjustments, receiving, reversal, usage

pytestmark = pytest.mark.anyio

COMMUNE = "TYT-03451"


async def _post(settings: Settings, day: date, action) -> object:
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            stock = StockContext(session, settings, Principal.system("test"), today=day)
            return await action(stock)
    finally:
        await engine.dispose()


async def _report(settings: Settings, kind: str, period: str, facility: str = COMMUNE, principal=None):
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            service = ReportsService(session, principal or Principal.system("test"), today=date(2026, 12, 3))
            return await service.report(kind, period, facility)
    finally:
        await engine.dispose()


def _row(report, product: str, scope: str = "facility") -> dict:
    rows = [r for r in report.tables["usage"].iter_rows(named=True) if r["product_code"] == product]
    rows = [r for r in rows if r["scope"] == scope]
    assert len(rows) == 1, rows
    return rows[0]


def _usage(day: date, product: str, lot: str, vials: int, given: int) -> s.UsageCreate:
    return s.UsageCreate(
        facility=COMMUNE,
        session_on=day,
        lines=[
            s.UsageLine(
                product=product, lot_number=lot, location="TL", doses_administered=given, vials_opened=vials
            )
        ],
    )


def _adjust(day: date, product: str, lot: str, doses: int, reason: str) -> s.AdjustmentCreate:
    return s.AdjustmentCreate(
        facility=COMMUNE,
        occurred_on=day,
        lines=[s.AdjustmentLine(product=product, lot_number=lot, location="TL", doses=doses, reason=reason)],
    )


@pytest.fixture
async def quarter(settings: Settings) -> Settings:
    return await load_quarter(settings)


async def load_quarter(settings: Settings) -> Settings:
    """A commune's first quarter of 2026, bOPV (20 doses a vial, opened vials kept 28 days) and Penta.

    Jan: received 400 bOPV, opened 5 vials (100 doses) and gave 80; lost 20 in closed vials.
         received 100 Penta; 3 expired, 2 broken.
    Feb: opened 2 bOPV vials (40 doses) and gave 50 (from the vials kept since January); found 5.
         a session of 1 vial / 15 doses, reversed the same day (uses nothing).
         Penta: 10 vials opened, 10 given.
    """
    jan5, jan10, jan20 = date(2026, 1, 5), date(2026, 1, 10), date(2026, 1, 20)
    feb10, feb12, feb15, feb20 = date(2026, 2, 10), date(2026, 2, 12), date(2026, 2, 15), date(2026, 2, 20)
    receipt = s.DirectReceiptCreate(
        facility=COMMUNE,
        reason="opening stock of the quarter (a station receives directly only with a reason)",
        occurred_on=jan5,
        lines=[
            s.ReceiptLine(
                product="BOPV", lot_number="B1", expires_on=date(2027, 6, 30), doses=400, location="TL"
            ),
            s.ReceiptLine(
                product="PENTA", lot_number="P1", expires_on=date(2027, 6, 30), doses=100, location="TL"
            ),
        ],
    )
    await _post(settings, jan5, lambda st: receiving.receive_direct(st, receipt, key="report-r1"))
    await _post(
        settings,
        jan10,
        lambda st: usage.record_usage(st, _usage(jan10, "BOPV", "B1", 5, 80), key="report-u1"),
    )
    for key, (product, lot, doses, reason) in enumerate(
        [("BOPV", "B1", -20, "lost"), ("PENTA", "P1", -3, "expired"), ("PENTA", "P1", -2, "broken")]
    ):
        await _post(
            settings,
            jan20,
            lambda st, a=(product, lot, doses, reason), k=key: adjustments.adjust(
                st, _adjust(jan20, *a), key=f"report-a{k}"
            ),
        )
    await _post(
        settings,
        feb10,
        lambda st: usage.record_usage(st, _usage(feb10, "BOPV", "B1", 2, 50), key="report-u2"),
    )
    await _post(
        settings,
        feb12,
        lambda st: usage.record_usage(st, _usage(feb12, "PENTA", "P1", 10, 10), key="report-u3"),
    )
    await _post(
        settings,
        feb15,
        lambda st: adjustments.adjust(st, _adjust(feb15, "BOPV", "B1", 5, "found"), key="report-a9"),
    )
    wrong = await _post(
        settings,
        feb20,
        lambda st: usage.record_usage(st, _usage(feb20, "BOPV", "B1", 1, 15), key="report-u4"),
    )
    await _post(
        settings,
        feb20,
        lambda st: reversal.reverse(st, wrong.id, s.ReversalCreate(reason="entered twice"), key="report-x1"),
    )
    return settings


async def test_january_usage_report_counts_and_rates_worked_by_hand(quarter: Settings) -> None:
    report = await _report(quarter, "usage", "2026-01")
    bopv = _row(report, "BOPV")
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
    penta = _row(report, "PENTA")
    assert (penta["wasted_expired"], penta["wasted_broken"], penta["closing"]) == (3, 2, 95)
    assert penta["usage_rate"] == 0.0 and penta["wastage_factor"] is None  # nothing given: no factor


async def test_february_open_vial_wastage_is_negative_and_the_year_to_date_is_cumulative(
    quarter: Settings,
) -> None:
    report = await _report(quarter, "usage", "2026-02")
    bopv = _row(report, "BOPV")
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
    bopv = _row(await _report(quarter, "usage", "2026-Q1"), "BOPV")
    # 130 given of 140 opened + 20 closed-vial = 160: usage 81.25 % → 81.3, wastage 18.75 % → 18.8, 160/130 → 1.23
    assert (bopv["administered"], bopv["doses_used"], bopv["closed_vial_wastage"]) == (130, 140, 20)
    assert (bopv["usage_rate"], bopv["wastage_rate"], bopv["wastage_factor"]) == (81.3, 18.8, 1.23)
    assert bopv["closing"] == 245


async def test_stock_movement_report_has_one_row_per_lot(quarter: Settings) -> None:
    report = await _report(quarter, "stock", "2026-02")
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
    report = await _report(quarter, "usage", "2026-01", facility=None, principal=worker)  # type: ignore[arg-type]
    assert set(report.tables["usage"]["facility_code"]) == {COMMUNE}
    with pytest.raises(InventoryError) as refused:
        await _report(quarter, "usage", "2026-01", facility="TTYT-MT", principal=worker)
    assert refused.value.code == "forbidden"


async def test_a_submitted_report_stays_as_it_was_and_a_correction_is_a_new_version(
    quarter: Settings,
) -> None:
    engine = create_engine(quarter)
    today = date(2026, 12, 3)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            first = await ReportsService(session, Principal.system("mai"), today=today).submit(
                "usage", "2026-02", COMMUNE, note="tháng 2"
            )
        assert first["version"] == 1
        # a late posting into February arrives after the submission
        await _post(
            quarter,
            date(2026, 3, 1),
            lambda st: adjustments.adjust(
                st, _adjust(date(2026, 2, 27), "BOPV", "B1", -20, "frozen"), key="report-late"
            ),
        )
        live = _row(await _report(quarter, "usage", "2026-02"), "BOPV")
        assert (live["wasted_frozen"], live["closing"]) == (20, 225)
        async with unit_of_work(session_factory(engine)) as session:
            service = ReportsService(session, Principal.system("mai"), today=today)
            frozen = await service.submitted("usage", "2026-02", COMMUNE)
            row = next(r for r in frozen.tables["usage"].iter_rows(named=True) if r["product_code"] == "BOPV")
            assert (row["wasted_frozen"], row["closing"]) == (0, 245)
            assert frozen.submitted["version"] == 1 and frozen.submitted["submitted_by"] == "mai"
            second = await service.submit("usage", "2026-02", COMMUNE, note="sửa: 20 liều đông băng")
        assert second["version"] == 2
        async with unit_of_work(session_factory(engine)) as session:
            service = ReportsService(session, Principal.system("mai"), today=today)
            latest = await service.submitted("usage", "2026-02", COMMUNE)
            kept = await service.submitted("usage", "2026-02", COMMUNE, version=1)
            status = await service.submissions("usage", "2026-02", "TTYT-MT")
        assert (
            next(r for r in latest.tables["usage"].iter_rows(named=True) if r["product_code"] == "BOPV")[
                "closing"
            ]
            == 225
        )
        assert (
            next(r for r in kept.tables["usage"].iter_rows(named=True) if r["product_code"] == "BOPV")[
                "closing"
            ]
            == 245
        )
        by_code = {r["facility_code"]: r for r in status}
        assert by_code[COMMUNE]["submitted"] and by_code[COMMUNE]["versions"] == 2
        assert by_code[COMMUNE]["due_on"] == date(2026, 3, 5)
        missing = [c for c, r in by_code.items() if not r["submitted"]]
        assert "TYT-03433" in missing and by_code["TTYT-MT"]["due_on"] == date(2026, 3, 10)
    finally:
        await engine.dispose()


async def test_a_period_that_is_not_a_month_quarter_or_year_is_refused_naming_it(quarter: Settings) -> None:
    for bad in ("2026-13", "2027-2029", "soon"):
        with pytest.raises(InventoryError) as refused:
            await _report(quarter, "usage", bad)
        assert refused.value.field == "period"
        assert refused.value.message == "error.reports.period"


async def test_the_api_serves_the_report_its_files_and_submission(quarter: Settings) -> None:
    import io

    from litestar.testing import AsyncTestClient
    from openpyxl import load_workbook

    from inventory.app import create_app
    from tests.integration.conftest import Api

    async with AsyncTestClient(app=create_app(quarter)) as client:
        api = Api(client)
        body = await api.read("/reports/usage", period="2026-Q1", facility=COMMUNE)
        bopv = next(r for r in body["tables"]["usage"] if r["product_code"] == "BOPV")
        assert (bopv["usage_rate"], bopv["wastage_factor"], bopv["open_vial_wastage_ytd"]) == (81.3, 1.23, 10)
        assert "nửa lên" in body["rounding"]
        xlsx = await api.get("/reports/usage/workbook", period="2026-Q1", facility=COMMUNE)
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content))["Sử dụng vắc xin"]
        header = [c.value for c in sheet[2]]
        rate = header.index("Tỷ lệ sử dụng") + 1
        row = next(r for r in sheet.iter_rows(min_row=3) if r[header.index("Vắc xin")].value == "BOPV")
        assert row[rate - 1].value == pytest.approx(0.813) and row[rate - 1].number_format == "0.0%"
        assert row[header.index("Tồn cuối kỳ")].value == 245
        csv_body = await api.get(
            "/reports/usage/csv", period="2026-02", facility=COMMUNE, table="usage_by_month"
        )
        assert csv_body.status_code == 200 and "open_vial_wastage_ytd" in csv_body.text.splitlines()[0]
        docx = await api.get("/reports/usage/document", period="2026-02", facility=COMMUNE)
        assert docx.status_code == 200 and docx.content[:2] == b"PK"
        bad = await api.get("/reports/usage/csv", period="2026-02", facility=COMMUNE, table="nope")
        assert bad.status_code == 422 and bad.json()["field"] == "table"
        submitted = await api.post("/reports/usage/submissions", {"period": "2026-02", "facility": COMMUNE})
        assert submitted.status_code == 201 and submitted.json()["version"] == 1
        status = await api.read("/reports/usage/submissions", period="2026-02", facility="TTYT-MT")
        assert {r["facility_code"] for r in status if r["submitted"]} == {COMMUNE}
        refused = await api.as_user("viewer").post(
            "/reports/usage/submissions", {"period": "2026-02", "facility": COMMUNE}
        )
        assert refused.status_code == 403


def test_the_command_line_prints_the_report_and_writes_the_files(settings: Settings, tmp_path) -> None:
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from inventory.cli import main
    from tests.conftest import run_sync

    run_sync(load_quarter(settings))
    out, doc, folder = tmp_path / "r.xlsx", tmp_path / "r.docx", tmp_path / "csv"
    result = CliRunner(env={"VAXSTOCK_LANGUAGE": "en", "COLUMNS": "250"}).invoke(
        main,
        [
            "--database",
            settings.database_url,
            "report",
            "usage",
            "--period",
            "2026-Q1",
            "--facility",
            COMMUNE,
            "--out",
            str(out),
            "--doc",
            str(doc),
            "--csv",
            str(folder),
            "--submit",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "BOPV" in result.output and "version 1" in result.output
    assert load_workbook(out).sheetnames == ["Vaccine usage", "Wastage by month"]
    assert doc.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"usage-{COMMUNE}-2026-Q1.csv",
        f"usage_by_month-{COMMUNE}-2026-Q1.csv",
    ]
    refused = CliRunner().invoke(
        main, ["--database", settings.database_url, "report", "usage", "--period", "2026-14"]
    )
    assert refused.exit_code == 1 and "period" in refused.output


async def test_the_reports_page_shows_the_table_charts_downloads_and_who_has_not_submitted(
    quarter: Settings,
) -> None:
    from litestar.testing import AsyncTestClient

    from inventory.app import create_app
    from tests.integration.test_auth import sign_in

    async with AsyncTestClient(app=create_app(quarter)) as client:
        await sign_in(client, "keeper")
        page = await client.get(
            "/reports", params={"kind": "usage", "period": "2026-02", "facility": "TTYT-MT"}
        )
        assert page.status_code == 200, page.text
        assert 'id="report-table"' in page.text and 'id="download-xlsx"' in page.text
        assert 'data-chart="wastage"' in page.text
        assert 'data-facility="TYT-03433" class="missing"' in page.text  # not submitted yet
        chart = await client.get(
            "/api/v1/reports/usage/chart/wastage", params={"period": "2026-02", "facility": "TTYT-MT"}
        )
        assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"
        results = await client.get(
            "/reports", params={"kind": "results", "period": "2026-02", "facility": "TTYT-MT"}
        )
        assert results.status_code == 200 and 'data-chart="coverage"' in results.text
        bad = await client.get("/reports", params={"kind": "usage", "period": "2026-13"})
        assert bad.status_code == 422 and 'data-error-for="period"' in bad.text
        await sign_in(client, "commune")
        await client.get("/reports")
        sent = await client.post(
            "/reports/submit",
            data={
                "kind": "usage",
                "period": "2026-02",
                "facility": COMMUNE,
                "idempotency_key": "form-report-submit-1",
                "_csrf_token": client.cookies.get("csrftoken", ""),
            },
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text
        await sign_in(client, "keeper")
        again = await client.get(
            "/reports", params={"kind": "usage", "period": "2026-02", "facility": "TTYT-MT"}
        )
        assert f'data-facility="{COMMUNE}" class="missing"' not in again.text
        assert 'data-facility="TYT-03433" class="missing"' in again.text
