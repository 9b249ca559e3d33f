"""The `vaxstock` command on the test database."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import String, cast, literal, select, text

from inventory.audit.models import AuditEvent
from inventory.cli import main
from inventory.db import create_engine
from inventory.i18n import cli_language, translate
from inventory.settings import Settings
from inventory.stock.models import StockDocument
from inventory.timeutil import today_vn, vietnam_day
from tests.integration.route_samples import off_route_documents

EXPIRY = (today_vn() + timedelta(days=300)).strftime("%d/%m/%Y")


def run(settings: Settings, *args: str):
    return CliRunner().invoke(main, ["--database", settings.database_url, *args], catch_exceptions=False)


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(
        "\n".join(["product,lot_number,expires_on,location,doses,vvm_stage", *rows]) + "\n", encoding="utf-8"
    )
    return path


def test_import_posts_every_row_and_a_second_import_posts_nothing(settings: Settings, tmp_path: Path) -> None:
    csv = write_csv(
        tmp_path / "opening.csv", [f"PENTA,P-100,{EXPIRY},TL-01,120,1", f"BCG,B-7,{EXPIRY},TL-02,200,2"]
    )
    first = run(settings, "import", str(csv), "--facility", "TTYT-MT")
    assert first.exit_code == 0, first.output
    second = run(settings, "import", str(csv), "--facility", "TTYT-MT")
    assert second.exit_code == 0
    table = run(settings, "stock", "TTYT-MT")
    assert "P-100" in table.output and "B-7" in table.output and "120" in table.output
    assert "200" in table.output and table.output.count("P-100") == 1


def test_import_refuses_the_whole_file_naming_row_and_column(settings: Settings, tmp_path: Path) -> None:
    csv = write_csv(
        tmp_path / "bad.csv",
        [
            f"PENTA,P-1,{EXPIRY},TL-01,120,1",
            f"PENTA,P-2,{EXPIRY},TL-01,12.5,1",
            "PENTA,P-3,31/02/2027,TL-01,10,1",
            f"PENTA,P-4,{EXPIRY},TL-01,10,7",
        ],
    )
    result = run(settings, "import", str(csv), "--facility", "TTYT-MT")
    assert result.exit_code == 1
    assert "dòng 3, cột doses" in result.output  # the CLI speaks Vietnamese by default
    assert "dòng 4, cột expires_on" in result.output
    assert "dòng 5, cột vvm_stage" in result.output
    assert "P-1" not in run(settings, "stock", "TTYT-MT").output


def test_import_maps_a_rule_violation_back_to_its_row(settings: Settings, tmp_path: Path) -> None:
    csv = write_csv(
        tmp_path / "rule.csv", [f"PENTA,P-1,{EXPIRY},TL-01,120,1", f"BCG,B-1,{EXPIRY},TL-01,15,1"]
    )
    result = run(settings, "import", str(csv), "--facility", "TTYT-MT")
    assert result.exit_code == 1
    assert "dòng 3, cột doses: 15 liều không phải là số lọ nguyên" in result.output


def test_import_reads_excel_files(settings: Settings, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["product", "lot_number", "expires_on", "location", "doses"])
    sheet.append(["MR", "MR-X1", today_vn() + timedelta(days=200), "TL-01", 50])
    workbook.save(tmp_path / "opening.xlsx")
    result = run(settings, "import", str(tmp_path / "opening.xlsx"), "--facility", "TTYT-MT")
    assert result.exit_code == 0, result.output
    assert "MR-X1" in run(settings, "stock", "TTYT-MT").output


def test_verify_fails_when_a_balance_drifts_from_its_movements(settings: Settings, tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "opening.csv", [f"PENTA,P-9,{EXPIRY},TL-01,120,1"])
    run(settings, "import", str(csv), "--facility", "TTYT-MT")
    assert run(settings, "verify").exit_code == 0

    async def tamper(delta: int) -> None:
        engine = create_engine(settings)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE balance SET doses = doses + :d"), {"d": delta})
        await engine.dispose()

    asyncio.run(tamper(5))
    drifted = run(settings, "verify")
    assert drifted.exit_code == 1
    assert translate("verify.failed", cli_language(), {"problems": 1}) in drifted.output
    asyncio.run(tamper(-5))
    assert run(settings, "verify").exit_code == 0


def test_the_demo_loads_a_year_once_and_verifies(settings: Settings) -> None:
    first = run(settings, "demo", "--no-serve")
    assert first.exit_code == 0, first.output
    assert "phiếu xuất" in first.output and "{'" not in first.output  # counted in words, not a dict
    assert "báo cáo tháng đã gửi" in first.output and "cli.demo" not in first.output  # every count in words
    again = run(settings, "demo", "--no-serve")
    assert "đã có sẵn" in again.output and "không thêm gì" in again.output
    assert run(settings, "verify").exit_code == 0
    assert asyncio.run(off_route_documents(settings)) == []  # every posting along a supply route
    district = run(settings, "stock", "TTYT-MT").output
    assert "Tạm dừng sử dụng" in district

    async def recorded() -> list[tuple[date, datetime]]:
        engine = create_engine(settings)
        async with engine.connect() as conn:
            rows = await conn.execute(select(StockDocument.occurred_on, StockDocument.recorded_at))
            found = [(day, at) for day, at in rows]
        await engine.dispose()
        return found

    async def audited() -> list[tuple[datetime, datetime]]:
        """Each posting's audit event with its document's recorded_at."""
        engine = create_engine(settings)
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(AuditEvent.at, StockDocument.recorded_at).join(
                    StockDocument,
                    AuditEvent.entity == literal("document ").concat(cast(StockDocument.id, String)),
                )
            )
            found = [(at, recorded_at) for at, recorded_at in rows]
        await engine.dispose()
        return found

    documents = asyncio.run(recorded())
    # a simulated year is recorded on its own days, in working hours, not all at the moment it was loaded
    assert len(documents) > 100
    assert all(vietnam_day(at) == day for day, at in documents)
    assert len({at for _, at in documents}) > len(documents) // 2
    # and so is its audit trail: each posting's event on its document's day
    events = asyncio.run(audited())
    assert len(events) > 100
    assert all(vietnam_day(at) == vietnam_day(recorded_at) for at, recorded_at in events)


def test_a_large_opening_stock_file_posts_whole_across_receipts(settings: Settings, tmp_path: Path) -> None:
    rows = [f"BCG,LOT-{n:04d},{EXPIRY},TL-01,20,1" for n in range(620)]
    result = run(settings, "import", str(write_csv(tmp_path / "big.csv", rows)), "--facility", "TTYT-MT")
    assert result.exit_code == 0, result.output
    assert "Đã nhập 620 dòng thành chứng từ số" in result.output
    again = run(settings, "import", str(tmp_path / "big.csv"), "--facility", "TTYT-MT")
    assert again.exit_code == 0
    assert run(settings, "stock", "TTYT-MT").output.count("LOT-06") == 20  # LOT-0600..0619, once each
    bad = [*rows[:600], f"BCG,LOT-X,{EXPIRY},NOWHERE,20,1"]  # row 602 is in the second receipt
    result = run(settings, "import", str(write_csv(tmp_path / "bad.csv", bad)), "--facility", "TTYT-MT")
    assert result.exit_code == 1 and "dòng 602, cột location" in result.output


def test_old_mac_line_endings_are_read_and_unknown_codes_are_refused_not_crashed(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(f"product,lot_number,expires_on,location,doses\rBCG,CR1,{EXPIRY},TL-01,20\r".encode())
    result = run(settings, "import", str(path), "--facility", "TTYT-MT")
    assert result.exit_code == 0, result.output
    result = run(settings, "stock", "NOPE")
    assert result.exit_code == 1 and "facility: Không có cơ sở mã «NOPE»" in result.output
