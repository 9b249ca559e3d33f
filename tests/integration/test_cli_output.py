"""What `vaxstock` prints, in the CLI's language: Vietnamese by default, English with VAXSTOCK_LANGUAGE=en;
numbers written each language's way (2.640 / 2,640), dates dd/mm/yyyy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from inventory.cli import demo_summary, main
from inventory.cli.verifying import verify_lines
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.timeutil import today_vn

TODAY = today_vn()
EXPIRY = (TODAY + timedelta(days=300)).strftime("%d/%m/%Y")
STOCK_HEADERS = {
    "vi": ["Vắc xin", "Số lô", "Hạn dùng", "VVM", "Vị trí bảo quản", "Số liều", "Số lọ", "Dùng được"],
    "en": ["Vaccine", "Lot number", "Expiry", "VVM", "Storage location", "Doses", "Vials", "Usable"],
}
BACKLOG_HEADERS = {
    "vi": [
        "Xã",
        "Kháng nguyên",
        "Mũi",
        "Vắc xin",
        "Đến hạn",
        "Quá hạn",
        "Trẻ chưa tiêm mũi nào",
        "Số liều cần",
    ],
    "en": ["Commune", "Antigen", "Dose", "Vaccine", "Due", "Overdue", "Zero-dose children", "Doses needed"],
}


def run(settings: Settings, *args: str, language: str = "vi"):
    return CliRunner().invoke(
        main,
        ["--database", settings.database_url, *args],
        env={"VAXSTOCK_LANGUAGE": language},
        catch_exceptions=False,
    )


def cells(output: str) -> list[list[str]]:
    """The header and body rows of a rich table, each as its stripped cells."""
    return [
        [cell.strip() for cell in line.strip()[1:-1].split(line.strip()[0])]
        for line in output.splitlines()
        if line.strip()[:1] in ("│", "┃")
    ]


@pytest.fixture
def stocked(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "opening.csv"
    path.write_text(
        "product,lot_number,expires_on,location,doses,vvm_stage\n"
        f"PENTA,P-2640,{EXPIRY},TL-01,2640,1\nBCG,B-205,{EXPIRY},TL-02,2050,2\n",
        encoding="utf-8",
    )
    result = run(settings, "import", str(path), "--facility", "TTYT-MT")
    assert result.exit_code == 0, result.output
    return settings


def test_stock_on_hand_is_printed_in_vietnamese_with_vietnamese_numbers(stocked: Settings) -> None:
    result = run(stocked, "stock", "TTYT-MT")
    assert result.exit_code == 0, result.output
    assert f"Tồn kho — TTYT-MT — {TODAY:%d/%m/%Y}" in result.output
    header, *rows = cells(result.output)
    assert header == STOCK_HEADERS["vi"]
    assert rows == [
        ["BCG", "B-205", EXPIRY, "2", "TL-02", "2.050", "205", "Có"],
        ["PENTA", "P-2640", EXPIRY, "1", "TL-01", "2.640", "2.640", "Có"],
    ]
    words = ("stock on hand", "product", "lot", "expiry", "location", "doses", "vials", "usable", "yes")
    assert not [w for w in words if w in result.output.lower()]


def test_stock_on_hand_is_printed_in_english_when_asked(stocked: Settings) -> None:
    result = run(stocked, "stock", "TTYT-MT", language="en")
    assert result.exit_code == 0, result.output
    assert f"Stock on hand — TTYT-MT — {TODAY:%d/%m/%Y}" in result.output
    header, *rows = cells(result.output)
    assert header == STOCK_HEADERS["en"]
    assert ["PENTA", "P-2640", EXPIRY, "1", "TL-01", "2,640", "2,640", "Yes"] in rows
    assert "Tồn kho" not in result.output


def test_an_empty_stock_says_so_in_the_language(settings: Settings) -> None:
    assert "Không có" in run(settings, "stock", "TYT-03451").output
    assert "None" in run(settings, "stock", "TYT-03451", language="en").output


@pytest.fixture
def registered(settings: Settings, tmp_path: Path) -> Settings:
    born = (TODAY - timedelta(days=150)).strftime("%d/%m/%Y")
    path = tmp_path / "register.csv"
    path.write_text(
        "child_id,name,sex,birth_date,commune_code,antigen,dose_number,given_on,place\n"
        f"B2,Pờ Thị B,F,{born},03451,,,,\n",
        encoding="utf-8",
    )
    result = run(settings, "register", "import", str(path))
    assert result.exit_code == 0, result.output
    return settings


def test_the_backlog_is_printed_in_vietnamese(registered: Settings) -> None:
    result = run(registered, "backlog", "--commune", "03451")
    assert result.exit_code == 0, result.output
    assert f"Tồn đọng tiêm chủng (tiêm bù, tiêm vét) — {TODAY:%d/%m/%Y} (lịch tiêm " in result.output
    header, *rows = cells(result.output)
    assert header == BACKLOG_HEADERS["vi"]
    assert ["03451 Trạm Y tế xã Mù Cả", "DTP", "1", "PENTA", "0", "1", "1", "1"] in rows
    words = ("catch-up", "schedule", "commune", "antigen", "dose", "product", "due", "overdue", "needed")
    assert not [w for w in words if w in result.output.lower()]


def test_the_backlog_is_printed_in_english_when_asked(registered: Settings) -> None:
    result = run(registered, "backlog", "--commune", "03451", language="en")
    assert result.exit_code == 0, result.output
    assert f"Catch-up backlog — {TODAY:%d/%m/%Y} (schedule " in result.output
    header, *rows = cells(result.output)
    assert header == BACKLOG_HEADERS["en"]
    assert ["03451 Trạm Y tế xã Mù Cả", "DTP", "1", "PENTA", "0", "1", "1", "1"] in rows
    assert "Tồn đọng" not in result.output


def test_the_import_and_verify_lines_follow_the_language(stocked: Settings, tmp_path: Path) -> None:
    path = tmp_path / "more.csv"
    path.write_text(
        f"product,lot_number,expires_on,location,doses\nMR,MR-1,{EXPIRY},TL-01,50\n", encoding="utf-8"
    )
    imported = run(stocked, "import", str(path), "--facility", "TTYT-MT", language="en")
    assert "Imported 1 lines as document(s) 2" in imported.output
    english = run(stocked, "verify", language="en").output.replace("\n", " ")
    assert english.startswith("ledger verified: 3 (location, lot) balances equal their movements")
    vietnamese = run(stocked, "verify").output.replace("\n", " ")
    assert vietnamese.startswith("sổ kho đã được kiểm chứng: 3 số dư (vị trí, lô) bằng tổng các dòng")


def test_the_demo_summary_counts_in_words() -> None:
    counts = {"receipts": 12, "issues": 1480, "children": 3, "alerts": 2}
    assert (
        demo_summary(counts, "vi")
        == "12 phiếu nhập, 1.480 phiếu xuất, 3 trẻ trong sổ tiêm chủng, 2 cảnh báo đang mở"
    )
    assert (
        demo_summary(counts, "en") == "12 receipts, 1,480 issues, 3 children in the register, 2 open alerts"
    )
    sent = {"reports_submitted": 176}
    assert demo_summary(sent, "vi") == "176 báo cáo tháng đã gửi"
    assert demo_summary(sent, "en") == "176 monthly reports sent"
    again = {"documents": 0, "already_loaded": 2134}
    assert demo_summary(again, "vi") == "đã có sẵn (2.134 chứng từ), không thêm gì"
    assert demo_summary(again, "en") == "already loaded (2,134 documents), nothing added"


def test_a_transit_gap_is_reported_in_the_language() -> None:
    report = s.VerifyReport(
        ok=False, pairs_checked=4, mismatches=[], transit_gaps=[s.VerifyTransitGap(3, 1204, 1500, 1200)]
    )
    assert verify_lines(report, "vi") == [
        "Cơ sở số 3, lô số 1204: đang vận chuyển 1.500 liều trên sổ, nhưng các chuyến hàng đang đi có 1.200 liều"
    ]
    assert verify_lines(report, "en") == [
        "Facility 3, lot 1204: 1,500 doses in transit on the ledger, but the shipments in transit carry "
        "1,200 doses"
    ]
