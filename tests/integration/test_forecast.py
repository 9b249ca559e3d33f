"""The vaccine request end to end: ledger and register in, figures, documents and refusals out."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import anyio.to_thread
import polars as pl
import pytest
from click.testing import CliRunner
from docx import Document
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from inventory.app import create_app
from inventory.cli import main
from inventory.settings import Settings
from inventory.timeutil import today_vn
from tests.integration.conftest import Api
from tests.integration.test_auth import sign_in
from tests.integration.test_register import register_rows, write

pytestmark = pytest.mark.anyio
TODAY = today_vn()
EXPIRY = (TODAY + timedelta(days=500)).isoformat()
NEXT_MONTH = f"{TODAY.year + (TODAY.month == 12)}-{TODAY.month % 12 + 1:02d}"


@pytest.fixture
async def stocked(api: Api, settings: Settings, tmp_path: Path) -> Api:
    """District stock, an issue still in transit to Mù Cả, and a register with overdue children there."""
    await api.ok(
        "/receipts",
        {
            "facility": "TTYT-MT",
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "F-1",
                    "expires_on": EXPIRY,
                    "doses": 300,
                    "location": "TL-01",
                },
                {
                    "product": "BCG",
                    "lot_number": "F-2",
                    "expires_on": EXPIRY,
                    "doses": 500,
                    "location": "TL-01",
                },
            ],
        },
    )
    await api.ok(
        "/issues",
        {"facility": "TTYT-MT", "to_facility": "TYT-03451", "lines": [{"product": "PENTA", "doses": 40}]},
    )
    result = await cli(settings, "register", "import", str(write(tmp_path, register_rows())))
    assert result.exit_code == 0, result.output
    return api


async def cli(settings: Settings, *args: str):
    """The CLI runs its own event loop: call it from a worker thread."""
    return await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(main, ["--database", settings.database_url, *args], catch_exceptions=False)
    )


def line(lines: list[dict], scope: str, facility: str | None, product: str) -> dict:
    return next(
        x
        for x in lines
        if x["scope"] == scope and x["facility_code"] == facility and x["product_code"] == product
    )


async def test_stock_in_transit_counts_once_and_orders_are_never_negative(stocked: Api) -> None:
    lines = await stocked.read("/forecast/", period=NEXT_MONTH)
    commune = line(lines, "facility", "TYT-03451", "PENTA")
    district = line(lines, "facility", "TTYT-MT", "PENTA")
    total = line(lines, "total", None, "PENTA")
    assert commune["stock_in_transit"] == 40 and commune["stock_on_hand"] == 0
    assert district["stock_on_hand"] == 260 and district["stock_in_transit"] == 0
    assert total["stock_on_hand"] == 260 and total["stock_in_transit"] == 40
    assert all(x["order_doses"] >= 0 and x["order_doses_net"] >= 0 for x in lines)
    for x in lines:
        assert x["order_vials"] * x["doses_per_vial"] == x["order_doses"]
        assert x["order_vials"] * x["doses_per_vial"] >= x["order_doses_net"]
        assert "max(0" in x["workings"] or x["scope"] != "facility"


async def test_the_backlog_term_uses_the_register_backlog(stocked: Api) -> None:
    backlog = await stocked.read("/backlog")
    overdue = sum(
        r["overdue"] for r in backlog["rows"] if r["commune_code"] == "03451" and r["product"] == "PENTA"
    )
    assert overdue > 0
    lines = await stocked.read("/forecast/", period=NEXT_MONTH)
    assert line(lines, "facility", "TYT-03451", "PENTA")["backlog_doses"] == overdue
    assert line(lines, "facility", "TYT-03463", "PENTA")["backlog_doses"] == 0


async def test_the_workbook_and_letter_carry_the_forecast_figures(
    stocked: Api, settings: Settings, tmp_path: Path
) -> None:
    lines = await stocked.read("/forecast/", period=NEXT_MONTH)
    totals = {x["product_code"]: x for x in lines if x["scope"] == "total"}
    xlsx, docx = tmp_path / "request.xlsx", tmp_path / "request.docx"
    result = await cli(
        settings,
        "forecast",
        "--period",
        NEXT_MONTH,
        "--out",
        str(xlsx),
        "--letter",
        str(docx),
        "--signer",
        "Nguyễn Văn Minh",
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(xlsx, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    header = rows[start]
    order_col, code_col = header.index("Đề nghị cấp (liều)"), header.index("Mã vắc xin")
    in_sheet = {}
    for r in rows[start + 1 :]:
        if not r or not isinstance(r[0], int):
            break
        in_sheet[r[code_col]] = r[order_col]
    assert in_sheet == {code: x["order_doses"] for code, x in totals.items()}
    letter = Document(io.BytesIO(docx.read_bytes()))
    text = "\n".join(p.text for p in letter.paragraphs)
    cells = "\n".join(c.text for t in letter.tables for row in t.rows for c in row.cells)
    assert "Kính gửi: Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu" in text
    assert "Nguyễn Văn Minh" in text + cells
    assert "Trạm Y tế xã Mù Cả" in cells  # the backlog by commune
    for code, x in totals.items():
        if x["order_doses"]:
            assert f"{x['order_doses']:,}".replace(",", ".") in cells, code


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("coverage", 1.2, "1,2"),
        ("wastage_rate", 1.0, "1"),
        ("lead_time_days", -3, "-3"),
        ("reserve_share", -0.1, "-0,1"),
    ],
)
async def test_impossible_parameters_are_refused_naming_them(
    api: Api, name: str, value: float, shown: str
) -> None:
    response = await api.post("/forecast/settings", {"name": name, "value": value, "product": "BCG"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == name and body["message"] == f"error.forecast.setting.{name}"
    assert shown in body["detail"]  # the value, written the Vietnamese way
    assert await api.read("/forecast/settings") == []


async def test_a_period_in_the_past_is_refused(api: Api) -> None:
    response = await api.get("/forecast/", period="2020-01")
    assert response.status_code == 422 and response.json()["field"] == "period"
    assert "2020-01" in response.json()["detail"]


async def test_an_override_changes_the_figures_and_only_planners_may_set_it(stocked: Api) -> None:
    before = line(await stocked.read("/forecast/", period=NEXT_MONTH), "facility", "TYT-03451", "BCG")
    await stocked.ok("/forecast/settings", {"name": "wastage_rate", "value": 0.5, "product": "BCG"})
    after = line(await stocked.read("/forecast/", period=NEXT_MONTH), "facility", "TYT-03451", "BCG")
    assert after["wastage_rate"] == 0.5 and after["wastage_source"] == "setting"
    assert after["wastage_factor"] == 2.0 and before["wastage_source"] != "setting"
    refused = await stocked.as_user("viewer").post("/forecast/settings", {"name": "coverage", "value": 0.8})
    assert refused.status_code == 403


async def test_the_page_shows_one_vaccines_workings_at_a_time(stocked: Api, settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        first = await client.get("/forecast", params={"period": NEXT_MONTH})
        assert first.status_code == 200
        assert 'id="forecast-totals"' in first.text
        shown = set(re.findall(r"<summary>([A-Z-]+) · ", first.text))
        assert len(shown) == 1  # the first vaccine of the totals, not every line of every vaccine
        penta = await client.get("/forecast", params={"period": NEXT_MONTH, "product": "PENTA"})
        assert set(re.findall(r"<summary>([A-Z-]+) · ", penta.text)) == {"PENTA"}
        assert 'data-facility="TYT-03451"' in penta.text and "max(0" in penta.text
        unknown = await client.get("/forecast", params={"period": NEXT_MONTH, "product": "NOPE"})
        assert unknown.status_code == 422
        assert "Dự trù này không có vắc xin «NOPE»" in unknown.text  # in the page's language

        assert 'id="forecast-totals"' in unknown.text


async def test_a_reversed_vaccination_day_is_no_consumption_and_months_before_stock_are_no_history(
    api: Api, settings: Settings
) -> None:
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory
    from inventory.forecast.service import ForecastService

    commune = "TYT-03451"
    await api.ok(
        "/direct-receipts",  # a station receives no receipt from a supplier (docs/routes.md)
        {
            "facility": commune,
            "reason": "MR campaign delivery",
            "occurred_on": (TODAY - timedelta(days=20)).isoformat(),
            "lines": [
                {"product": "MR", "lot_number": "MR-U", "expires_on": EXPIRY, "doses": 400, "location": "TL"}
            ],
        },
    )

    def usage(vials: int) -> dict:
        line = {"product": "MR", "lot_number": "MR-U", "location": "TL", "vials_opened": vials}
        return {
            "facility": commune,
            "session_on": (TODAY - timedelta(days=10)).isoformat(),
            "lines": [{**line, "doses_administered": vials * 10 - 2}],
        }

    await api.ok("/usage", usage(3))
    mistake = await api.ok("/usage", usage(30))
    await api.ok(f"/documents/{mistake['id']}/reversal", {"reason": "typed 30 vials for 3"})
    # forecast two months on, when the vaccination day lies in a complete month of history
    later = TODAY + timedelta(days=62)
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            forecast = await ForecastService(session, Principal.system("test"), today=later).run(
                f"{later.year}-{later.month:02d}"
            )
    finally:
        await engine.dispose()
    mr = forecast.lines.filter(
        pl.col("scope") == "facility", pl.col("facility_code") == commune, pl.col("product_code") == "MR"
    ).row(0, named=True)
    assert mr["doses_used"] == 30  # not 330: the reversed day used nothing
    assert mr["history_months"] <= 3  # from the month the commune first held MR, not the whole window
    stock = await api.read(f"/facilities/{commune}/stock")
    assert stock["rows"][0]["doses"] == 370


async def test_a_store_keeper_sets_parameters_for_its_own_facilities_only(stocked: Api) -> None:
    keeper = stocked.as_user("keeper")
    everyone = await keeper.post("/forecast/settings", {"name": "coverage", "value": 0.5})
    assert everyone.status_code == 403 and everyone.json()["field"] == "facility"
    above = await keeper.post("/forecast/settings", {"name": "coverage", "value": 0.5, "facility": "CDC-LC"})
    assert above.status_code == 403
    await keeper.ok("/forecast/settings", {"name": "coverage", "value": 0.9, "facility": "TYT-03451"})
    assert [(o["facility"], o["name"]) for o in await stocked.read("/forecast/settings")] == [
        ("TYT-03451", "coverage")
    ]


async def test_the_province_gets_a_workbook_but_no_letter_addressed_to_itself(stocked: Api) -> None:
    workbook = await stocked.get("/forecast/request.xlsx", period=NEXT_MONTH, facility="CDC-LC")
    assert workbook.status_code == 200
    letter = await stocked.get("/forecast/request.docx", period=NEXT_MONTH, facility="CDC-LC")
    assert letter.status_code == 422 and letter.json()["field"] == "facility"
    assert letter.json()["message"] == "error.forecast.letter_no_supplier"


async def test_the_letter_is_signed_by_the_signed_in_user_unless_a_signer_is_given(stocked: Api) -> None:
    def signature(body: bytes) -> list[str]:
        right = Document(io.BytesIO(body)).tables[-1].rows[0].cells[1]
        return [p.text for p in right.paragraphs if p.text]

    keeper = stocked.as_user("keeper")
    mine = await keeper.get("/forecast/request.docx", period=NEXT_MONTH, facility="TTYT-MT")
    assert mine.status_code == 200, mine.text
    assert signature(mine.content)[-2:] == ["GIÁM ĐỐC", "Keeper"]  # the test user's full name; no title yet
    other = await keeper.get(
        "/forecast/request.docx", period=NEXT_MONTH, facility="TTYT-MT", signer="Lò Văn Minh"
    )
    assert signature(other.content)[-1] == "Lò Văn Minh"

    # the keeper gives their title (chức vụ): it is printed above their name, in capitals as NĐ 30/2020 has it
    profile = {"title": "  Trưởng khoa Dược "}
    changed = await keeper.client.patch("/api/v1/users/keeper/profile", json=profile, headers=keeper.auth)
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Trưởng khoa Dược" and changed.json()["full_name"] == "Keeper"
    titled = await keeper.get("/forecast/request.docx", period=NEXT_MONTH, facility="TTYT-MT")
    assert signature(titled.content)[-2:] == ["TRƯỞNG KHOA DƯỢC", "Keeper"]
    named = await keeper.get(
        "/forecast/request.docx",
        period=NEXT_MONTH,
        facility="TTYT-MT",
        signer="Lò Văn Minh",
        signer_title="Phó Giám đốc",
    )
    assert signature(named.content)[-2:] == ["PHÓ GIÁM ĐỐC", "Lò Văn Minh"]  # another signer, their title
    viewer = stocked.as_user("viewer")
    refused = await viewer.client.patch(
        "/api/v1/users/keeper/profile",
        json={"title": "Giám đốc"},
        headers={**viewer.auth, "Accept-Language": "en"},
    )
    assert refused.status_code == 403 and refused.json()["message"] == "error.user.others_profile"
    assert refused.json()["detail"] == "Only an administrator changes another user's profile"
    cleared = await stocked.client.patch(
        "/api/v1/users/keeper/profile",
        json={"title": ""},
        headers=stocked.auth,  # an administrator may
    )
    assert cleared.status_code == 200 and cleared.json()["title"] is None


def test_the_next_quarter_is_the_default_period() -> None:
    from inventory.cli.reports import next_quarter

    assert next_quarter(date(2026, 12, 3)) == "2027-Q1"
    assert next_quarter(date(2026, 3, 31)) == "2026-Q2"
    assert next_quarter(date(2026, 7, 1)) == "2026-Q4"


async def test_the_forecast_command_prints_a_readable_table_in_the_users_language(
    stocked: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inventory.cli.reports import next_quarter
    from inventory.timeutil import today_vn

    lines = await stocked.read("/forecast/", period=next_quarter(today_vn()))
    penta = next(x for x in lines if x["scope"] == "total" and x["product_code"] == "PENTA")
    monkeypatch.setenv("VAXSTOCK_LANGUAGE", "vi")
    result = await cli(settings, "forecast")
    assert result.exit_code == 0, result.output
    quarter = next_quarter(today_vn())
    roman = {"1": "I", "2": "II", "3": "III", "4": "IV"}[quarter[-1]]
    assert f"quý {roman}/{quarter[:4]}" in result.output
    assert "Nhu cầu thường xuyên" in result.output and "Đề nghị (liều)" in result.output
    penta_row = next(row for row in result.output.splitlines() if " PENTA " in row)
    assert f"{penta['order_doses']:,}".replace(",", ".") in penta_row
    assert "…" not in result.output  # no column cut off
    monkeypatch.setenv("VAXSTOCK_LANGUAGE", "en")
    english = await cli(settings, "forecast")
    assert "Routine need" in english.output and f"— {quarter}" in english.output
