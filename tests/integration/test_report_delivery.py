"""A monthly report submitted as a frozen copy (a correction is a new version), and served by the API, the
command line and the reports page, on the hand-worked quarter of report_samples."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.reports.service import ReportsService
from inventory.settings import Settings
from inventory.stock.use_cases import adjustments
from tests.integration.report_samples import COMMUNE, adjustment, build_report, load_quarter, post, usage_row

pytestmark = pytest.mark.anyio


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
        await post(
            quarter,
            date(2026, 3, 1),
            lambda st: adjustments.adjust(
                st, adjustment(date(2026, 2, 27), "BOPV", "B1", -20, "frozen"), key="report-late"
            ),
        )
        live = usage_row(await build_report(quarter, "usage", "2026-02"), "BOPV")
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
