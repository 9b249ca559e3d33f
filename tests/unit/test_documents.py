"""The .xlsx workbook and .docx letter, opened again and checked against the forecast."""

import io
from datetime import date

import polars as pl
import pytest
from docx import Document
from openpyxl import load_workbook

from forecasting.charts import (
    backlog_by_commune,
    backlog_figure,
    figure_to_png,
    stock_vs_need,
    stock_vs_need_figure,
)
from forecasting.documents import (
    COLUMN_LABELS_VI,
    ROUNDING_POLICY_VI,
    SUMMARY_COLUMNS,
    VALUE_LABELS_VI,
    RequestLetter,
    format_number,
    request_letter,
    request_workbook,
)
from forecasting.needs import Parameters, bundled_supplies, default_bundle_ratios, forecast_needs
from forecasting.periods import parse_period
from tests.unit import forecast_samples as sample

PARAMETERS = Parameters(by_product={"BCG": {"coverage": 0.95}})
LETTER = RequestLetter(
    issuer_parent="Sở Y tế tỉnh Lai Châu",
    issuer="Trung tâm Y tế khu vực Mường Tè",
    number="   /TTYTKV-KSBT",
    place="Mường Tè",
    issued_on=date(2026, 5, 20),
    recipient="Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu",
    signer_title="Giám đốc",
    signer_authority="KT. Giám đốc",
    signer_name="Lò Thị Hương",
    copy_to=("Như trên;", "Sở Y tế (b/c);", "Lưu: VT, KSBT."),
    grounds=(
        "Căn cứ Nghị định số 104/2016/NĐ-CP ngày 01/7/2016 của Chính phủ quy định về hoạt động tiêm chủng;",
    ),
)


@pytest.fixture(scope="module")
def documents() -> dict:
    lazy = forecast_needs(
        products=sample.products(),
        facilities=sample.facilities(),
        history=sample.history(),
        stock=sample.stock(),
        backlog=sample.backlog(),
        targets=sample.targets(),
        period=parse_period("2027"),
        today=sample.TODAY,
        parameters=PARAMETERS,
    )
    forecast = lazy.collect()
    supplies = bundled_supplies(
        lazy, default_bundle_ratios(sample.products(), oral_product_codes={"BOPV"})
    ).collect()
    backlog = backlog_by_commune(sample.backlog(), sample.facilities()).collect()
    charts = [
        figure_to_png(
            stock_vs_need_figure(stock_vs_need(sample.history(), lazy, today=sample.TODAY).collect())
        ),
        figure_to_png(backlog_figure(backlog)),
    ]
    xlsx = request_workbook(
        forecast=forecast,
        supplies=supplies,
        backlog=backlog,
        parameters=PARAMETERS,
        title="Dự trù vắc xin năm 2027",
    )
    docx = request_letter(letter=LETTER, forecast=forecast, supplies=supplies, backlog=backlog, charts=charts)
    return {
        "forecast": forecast,
        "supplies": supplies,
        "backlog": backlog,
        "xlsx": load_workbook(io.BytesIO(xlsx)),
        "docx": Document(io.BytesIO(docx)),
    }


def totals(forecast: pl.DataFrame) -> list[dict]:
    return forecast.filter(pl.col("scope") == "total").sort("product_code").to_dicts()


def parse_vi(text: str) -> int:
    return int(text.replace(".", ""))


def sheet_rows(ws, header_row: int) -> tuple[list, list[list]]:
    rows = [list(r) for r in ws.iter_rows(min_row=header_row, values_only=True)]
    return rows[0], rows[1:]


# --- Workbook ----------------------------------------------------------------------------------------


def test_the_summary_sheet_has_one_row_per_vaccine_with_the_forecast_totals(documents):
    ws = documents["xlsx"]["Tổng hợp"]
    assert ws["A1"].value == "Dự trù vắc xin năm 2027"
    assert ws["A2"].value == "Kỳ: năm 2027 (2027)"
    header, rows = sheet_rows(ws, 4)
    assert header[1:] == [COLUMN_LABELS_VI[c] for c in SUMMARY_COLUMNS]
    expected = totals(documents["forecast"])
    for row, total in zip(rows, expected, strict=False):
        assert dict(zip(SUMMARY_COLUMNS, row[1:], strict=True)) == {c: total[c] for c in SUMMARY_COLUMNS}
    assert [r[1] for r in rows[: len(expected)]] == [t["product_code"] for t in expected]


def test_the_summary_sheet_lists_the_bundled_supplies(documents):
    ws = documents["xlsx"]["Tổng hợp"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(values) if r[0] == "Vật tư tiêm chủng kèm theo")
    listed = {r[1]: r[3] for r in values[start + 2 :] if r[1]}
    expected = (
        documents["supplies"]
        .filter(pl.col("scope") == "total")
        .group_by("item_code")
        .agg(pl.col("quantity").sum())
    )
    assert listed == dict(expected.iter_rows())
    assert "Hộp an toàn" in {r[2] for r in values[start + 2 :]}


def test_each_vaccine_has_a_workings_sheet_with_every_line_and_its_formula(documents):
    forecast = documents["forecast"]
    for code in ("BCG", "BOPV", "PENTA", "TD"):
        ws = documents["xlsx"][code]
        header, rows = sheet_rows(ws, 3)
        assert header == list(COLUMN_LABELS_VI.values())
        lines = forecast.filter(pl.col("product_code") == code)
        assert len(rows) == lines.height
        columns = list(COLUMN_LABELS_VI)
        for row, expected in zip(rows, lines.iter_rows(named=True), strict=True):
            got = dict(zip(columns, row, strict=True))
            for column in ("facility_code", "need_doses", "reserve_doses", "max_stock_doses", "order_doses"):
                assert got[column] == expected[column]
            assert got["workings"] == expected["workings"]
            assert got["facility_name"] == expected["facility_name"]
            for column, labels in VALUE_LABELS_VI.items():
                assert got[column] == labels.get(expected[column], expected[column])
    assert "Trạm Y tế xã Tà Tổng" in [r[2] for r in sheet_rows(documents["xlsx"]["PENTA"], 3)[1]]


def test_the_parameters_sheet_states_the_rounding_policy_and_the_overrides(documents):
    ws = documents["xlsx"]["Tham số"]
    values = [r for r in ws.iter_rows(values_only=True)]
    texts = [r[0] for r in values if r[0]]
    for i, rule in enumerate(ROUNDING_POLICY_VI, start=1):
        assert f"{i}. {rule}" in texts
    assert ("Theo vắc xin BCG", "Tỷ lệ bao phủ mục tiêu", "coverage", 0.95) in [tuple(r[:4]) for r in values]
    assert ("Mặc định", "Tỷ lệ dự trữ (so với nhu cầu thường xuyên của kỳ)", "reserve_share", 0.25) in [
        tuple(r[:4]) for r in values
    ]


def test_rates_are_percentage_cells_and_parameters_are_named_in_vietnamese(documents):
    """A rate stays a number (0.95) but reads as a percentage (95.0%); each parameter has its Vietnamese name
    with the code name beside it."""
    ws = documents["xlsx"]["Tham số"]
    assert [c.value for c in ws[3]] == ["Phạm vi", "Tham số", "Mã tham số (parameter)", "Giá trị"]
    cells = {(r[0].value, r[2].value): r for r in ws.iter_rows(min_row=4) if r[2].value}
    coverage = cells[("Theo vắc xin BCG", "coverage")]
    assert coverage[1].value == "Tỷ lệ bao phủ mục tiêu"
    assert coverage[3].value == 0.95 and coverage[3].number_format == "0.0%"
    births = cells[("Mặc định", "share_births")]
    assert births[1].value == "Tỷ lệ sinh trên dân số"
    assert births[3].value == 0.02 and births[3].number_format == "0.00%"
    months = cells[("Chung", "review_months")]
    assert months[1].value == "Số tháng số liệu dùng để tính" and months[3].number_format == "General"
    who = [r for (scope, name), r in cells.items() if name == "indicative_wastage"]
    assert who and all(r[3].number_format == "0.0%" and 0 <= r[3].value < 1 for r in who)
    assert all(r[1].value.startswith("Tỷ lệ hao phí chỉ định (WHO): ") for r in who)
    english = [r[1].value for r in ws.iter_rows(min_row=4) if r[2].value and r[1].value == r[2].value]
    assert not english, english  # no parameter is shown by its code name alone

    sheet = documents["xlsx"]["BCG"]
    header = [c.value for c in sheet[3]]
    coverage_column = header.index("Tỷ lệ bao phủ")
    wastage_column = header.index("Tỷ lệ hao phí")
    rows = list(sheet.iter_rows(min_row=4))
    facility_rows = [r for r in rows if r[header.index("Loại dòng")].value == "cơ sở"]
    assert facility_rows and all(r[coverage_column].value == 0.95 for r in facility_rows)
    assert all(r[coverage_column].number_format == "0.0%" for r in facility_rows)
    rates = [r[wastage_column] for r in rows if isinstance(r[wastage_column].value, float)]
    assert rates and all(c.number_format == "0.0%" and 0 <= c.value < 1 for c in rates)


def test_the_backlog_sheet_lists_each_commune_with_its_catchup_doses(documents):
    header, rows = sheet_rows(documents["xlsx"]["Tiêm bù theo xã"], 3)
    assert header[2] == "Xã"
    forecast = documents["forecast"].filter(pl.col("scope") == "facility")
    for row in rows:
        _, code, _commune, product, _, doses, catchup = row
        line = forecast.filter((pl.col("facility_code") == code) & (pl.col("product_code") == product))
        assert (doses, catchup) == (line["backlog_doses"].item(), line["need_catchup"].item())
    assert {r[2] for r in rows} == {"Trạm Y tế xã Mù Cả", "Trạm Y tế xã Bum Nưa", "Trạm Y tế xã Tà Tổng"}


# --- Letter ------------------------------------------------------------------------------------------


def paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_the_letter_opens_with_the_official_header_from_the_inputs(documents):
    doc = documents["docx"]
    left, right = doc.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text][:2] == [
        "SỞ Y TẾ TỈNH LAI CHÂU",
        "TRUNG TÂM Y TẾ KHU VỰC MƯỜNG TÈ",
    ]
    assert "Số:    /TTYTKV-KSBT" in left.text
    assert "V/v đề nghị cung ứng vắc xin năm 2027" in left.text
    assert [p.text for p in right.paragraphs if p.text][:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert "Mường Tè, ngày 20 tháng 5 năm 2026" in right.text  # NĐ 30/2020: no leading zero from March
    assert "Kính gửi: Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu." in paragraphs(doc)
    assert LETTER.grounds[0] in paragraphs(doc)


def test_the_quantities_table_matches_the_forecast_totals(documents):
    table = documents["docx"].tables[1]
    header = [c.text for c in table.rows[0].cells]
    assert header[:3] == ["STT", "Vắc xin", "Liều/lọ"]
    expected = totals(documents["forecast"])
    assert len(table.rows) == 1 + len(expected)
    for row, total in zip(table.rows[1:], expected, strict=True):
        cells = dict(zip(header, (c.text for c in row.cells), strict=True))
        assert cells["Vắc xin"] == total["product_name"]
        assert parse_vi(cells["Nhu cầu kỳ (liều)"]) == total["need_doses"]
        assert parse_vi(cells["Dự trữ (liều)"]) == total["reserve_doses"]
        assert parse_vi(cells["Tồn kho (liều)"]) == total["stock_on_hand"]
        assert parse_vi(cells["Đang vận chuyển (liều)"]) == total["stock_in_transit"]
        assert parse_vi(cells["Đề nghị cấp (liều)"]) == total["order_doses"]
        assert parse_vi(cells["Số lọ"]) == total["order_vials"]
        assert parse_vi(cells["Số hộp"]) == total["order_packs"]
        assert f"dự trữ {format_number(total['reserve_doses'])} liều" in cells["Lý do"]


def test_the_letter_lists_the_backlog_by_commune_and_embeds_both_charts(documents):
    doc = documents["docx"]
    table = next(t for t in doc.tables if t.rows[0].cells[-1].text == "Tiêm bù trong kỳ (liều)")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    backlog = documents["backlog"]
    assert len(rows) == backlog.height
    assert {(r[1], parse_vi(r[3])) for r in rows} == set(backlog.select("commune", "doses").iter_rows())
    assert len(doc.inline_shapes) == 2


def test_the_letter_ends_with_the_recipients_and_the_signature_block(documents):
    doc = documents["docx"]
    left, right = doc.tables[-1].rows[0].cells
    assert [p.text for p in left.paragraphs] == [
        "Nơi nhận:",
        "- Như trên;",
        "- Sở Y tế (b/c);",
        "- Lưu: VT, KSBT.",
    ]
    signed = [p.text for p in right.paragraphs if p.text]
    assert signed == ["KT. GIÁM ĐỐC", "GIÁM ĐỐC", "Lò Thị Hương"]
    closing = (
        "Trung tâm Y tế khu vực Mường Tè kính đề nghị Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu xem xét"
    )
    assert any(p.startswith(closing) for p in paragraphs(doc))


def test_the_letter_leaves_the_date_blank_when_it_is_not_yet_issued(documents):
    letter = RequestLetter(**{**LETTER.__dict__, "issued_on": None, "place": "Bum Tở"})
    doc = Document(
        io.BytesIO(
            request_letter(
                letter=letter,
                forecast=documents["forecast"],
                supplies=documents["supplies"],
                backlog=documents["backlog"],
            )
        )
    )
    assert "Bum Tở, ngày … tháng … năm …" in doc.tables[0].rows[0].cells[1].text
    assert len(doc.inline_shapes) == 0


def test_vietnamese_numbers_use_dots_for_thousands_and_commas_for_decimals():
    assert format_number(1234567) == "1.234.567"
    assert format_number(1.33, 2) == "1,33"
    assert format_number(None) == ""


def test_the_letter_cites_the_grounds_in_force_and_dates_months_as_nd_30_2020_writes_them() -> None:
    from forecasting.documents import legal_grounds
    from forecasting.documents.admin_form import date_line as _date_line

    assert "104/2016" in legal_grounds(date(2026, 6, 30))
    assert "165/2026" in legal_grounds(date(2026, 7, 1)) and "104/2016" not in legal_grounds(
        date(2026, 11, 27)
    )
    assert _date_line("Mường Tè", date(2026, 2, 5)) == "Mường Tè, ngày 05 tháng 02 năm 2026"
    assert _date_line("Mường Tè", date(2026, 11, 27)) == "Mường Tè, ngày 27 tháng 11 năm 2026"


def test_supply_totals_round_up_once_over_every_vaccine() -> None:
    from forecasting.needs import SUPPLIES, supply_totals

    rows = [("total", None, code, "SB", "Hộp an toàn", 1, 0.11) for code in ("BCG", "MR", "IPV")]
    supplies = pl.DataFrame(rows, schema=SUPPLIES, orient="row")
    assert supply_totals(supplies)["quantity"].to_list() == [1]  # ⌈0.33⌉, not 1 + 1 + 1


def test_every_page_of_the_letter_is_numbered_page_x_of_y(documents):
    footer = documents["docx"].sections[0].footer
    # the text shown before Word lays the pages out, then the two fields in order: PAGE, then NUMPAGES
    assert footer.paragraphs[0].text == "Trang 1/1"
    instructions = [e.text.strip() for e in footer._element.iter() if e.tag.endswith("}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
