"""The request documents for the provincial CDC: an Excel workbook and a Word letter, as bytes.

- :func:`request_workbook`: a summary sheet ("Tổng hợp", one row per vaccine), one workings sheet per
  vaccine (every line of the forecast with its inputs, intermediates and formula), the catch-up backlog
  by commune, and the parameters with the rounding policy.
- :func:`request_letter`: the proposal letter in the Vietnamese administrative layout (NĐ 30/2020:
  national motto, issuer, số/ký hiệu, place and date, "V/v", "Kính gửi", body, "Nơi nhận", signature)
  with the quantities and reasons, the bundled supplies, the backlog by commune, and the charts as PNG.

Every name (issuer, recipient, signer, number) comes from :class:`RequestLetter`; nothing about the
district is hard-coded. Inputs are collected polars ``DataFrame``s: the ``FORECAST`` and ``SUPPLIES``
frames of :mod:`forecasting.needs` and the ``BACKLOG_BY_COMMUNE`` frame of :mod:`forecasting.charts`.
Numbers in the letter use Vietnamese separators (1.234,5); the workbook keeps numeric cells.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date

import polars as pl
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from forecasting.needs import Parameters, supply_totals
from forecasting.periods import parse_period

LETTER_FONT = "Times New Roman"
WORKBOOK_FONT = "Times New Roman"

ROUNDING_POLICY_VI = (
    "Hệ số hao phí (HSHP) = 1/(1 − tỷ lệ hao phí), làm tròn 2 chữ số thập phân (như các ví dụ của WHO).",
    "Số đối tượng làm tròn đến người; mỗi nhu cầu (theo đối tượng, theo tiêu thụ, tiêm bù) làm tròn "
    "đến liều (0,5 làm tròn lên).",
    "Dự trữ = tỷ lệ dự trữ × nhu cầu thường xuyên; tối đa = nhu cầu kỳ + dự trữ; mức đặt hàng = nhu cầu "
    "thường xuyên × thời gian chờ hàng ÷ số ngày của kỳ + dự trữ.",
    "Số đề nghị = max(0; tối đa − tồn kho − đang vận chuyển), làm tròn lên đủ lọ rồi đủ hộp; không bao "
    "giờ âm. Vật tư kèm theo làm tròn lên đơn vị.",
)

METHOD_NOTE_VI = (
    "Cách tính: nhu cầu theo phương pháp của WHO (số đối tượng × số liều × tỷ lệ bao phủ × hệ số "
    "hao phí, hoặc tiêu thụ bình quân tháng đã hiệu chỉnh theo số ngày hết hàng), cộng nhu cầu tiêm "
    "bù; dự trữ theo tỷ lệ của nhu cầu thường xuyên; số đề nghị = tồn tối đa − tồn kho − đang vận "
    "chuyển, làm tròn lên đủ lọ và đủ hộp. Chi tiết từng cơ sở trong tệp Excel kèm theo."
)

# Vietnamese headers of the FORECAST columns, in the order the workings sheets show them.
COLUMN_LABELS_VI: dict[str, str] = {
    "scope": "Loại dòng",
    "facility_code": "Mã cơ sở",
    "facility_name": "Cơ sở",
    "level": "Tuyến",
    "parent_code": "Mã tuyến trên",
    "facilities": "Số cơ sở",
    "product_code": "Mã vắc xin",
    "product_name": "Vắc xin",
    "presentation": "Dạng bào chế",
    "doses_per_vial": "Liều/lọ",
    "vials_per_pack": "Lọ/hộp",
    "period": "Kỳ",
    "period_months": "Số tháng",
    "period_days": "Số ngày",
    "target_group": "Nhóm đối tượng",
    "population": "Dân số",
    "target_share": "Tỷ lệ đối tượng",
    "target_population": "Số đối tượng",
    "target_population_source": "Nguồn số đối tượng",
    "doses_in_schedule": "Số liều trong lịch",
    "coverage": "Tỷ lệ bao phủ",
    "history_months": "Số tháng số liệu",
    "doses_used": "Liều đã sử dụng",
    "doses_administered": "Liều đã tiêm",
    "stockout_days": "Ngày hết hàng",
    "monthly_consumption": "Tiêu thụ TB/tháng (đã hiệu chỉnh)",
    "consumption_growth": "Tăng tiêu thụ",
    "wastage_rate": "Tỷ lệ hao phí",
    "wastage_source": "Nguồn tỷ lệ hao phí",
    "wastage_factor": "Hệ số hao phí",
    "need_target_population": "Nhu cầu theo đối tượng",
    "need_consumption": "Nhu cầu theo tiêu thụ",
    "need_method": "Phương pháp",
    "need_routine": "Nhu cầu thường xuyên",
    "backlog_doses": "Liều tồn đọng tiêm bù",
    "catchup_months": "Số tháng tiêm bù",
    "need_catchup": "Nhu cầu tiêm bù",
    "need_doses": "Nhu cầu kỳ",
    "reserve_share": "Tỷ lệ dự trữ",
    "reserve_doses": "Dự trữ",
    "max_stock_doses": "Tồn tối đa",
    "lead_time_days": "Thời gian chờ hàng (ngày)",
    "reorder_level_doses": "Mức đặt hàng",
    "stock_on_hand": "Tồn kho",
    "stock_in_transit": "Đang vận chuyển",
    "order_doses_net": "Cần bổ sung (liều)",
    "order_vials_net": "Cần bổ sung (lọ)",
    "order_packs": "Số hộp",
    "order_vials": "Số lọ đề nghị",
    "order_doses": "Đề nghị cấp (liều)",
    "workings": "Cách tính",
}

SUMMARY_COLUMNS = (
    "product_code",
    "product_name",
    "doses_per_vial",
    "vials_per_pack",
    "target_population",
    "need_target_population",
    "need_consumption",
    "need_routine",
    "backlog_doses",
    "need_catchup",
    "need_doses",
    "reserve_doses",
    "max_stock_doses",
    "reorder_level_doses",
    "stock_on_hand",
    "stock_in_transit",
    "order_doses_net",
    "order_vials_net",
    "order_packs",
    "order_vials",
    "order_doses",
)

LETTER_COLUMNS = (
    ("STT", None),
    ("Vắc xin", "product_name"),
    ("Liều/lọ", "doses_per_vial"),
    ("Nhu cầu kỳ (liều)", "need_doses"),
    ("Dự trữ (liều)", "reserve_doses"),
    ("Tồn kho (liều)", "stock_on_hand"),
    ("Đang vận chuyển (liều)", "stock_in_transit"),
    ("Đề nghị cấp (liều)", "order_doses"),
    ("Số lọ", "order_vials"),
    ("Số hộp", "order_packs"),
    ("Lý do", None),
)

VALUE_LABELS_VI: dict[str, dict[str, str]] = {
    "scope": {"facility": "cơ sở", "aggregate": "cộng tuyến dưới", "total": "tổng cộng"},
    "level": {"province": "tỉnh", "district": "huyện", "commune": "xã"},
    "presentation": {"liquid": "dung dịch", "lyophilised": "đông khô"},
    "target_group": {
        "births": "trẻ sơ sinh",
        "surviving_infants": "trẻ dưới 1 tuổi",
        "pregnant_women": "phụ nữ có thai",
        "children_7y": "trẻ 7 tuổi",
    },
    "target_population_source": {"target_list": "danh sách đối tượng", "population": "dân số × tỷ lệ"},
    "wastage_source": {
        "setting": "thiết lập",
        "measured": "đo lường",
        "indicative": "chỉ số WHO",
        "none": "không xác định",
    },
    "need_method": {
        "target_population": "theo đối tượng",
        "consumption": "theo tiêu thụ",
        "none": "không có dữ liệu",
        "sum": "cộng các cơ sở",
    },
}
"""Vietnamese labels for the coded values the workings sheets show."""


@dataclass(frozen=True, kw_only=True)
class RequestLetter:
    """Who writes to whom: every name and number printed on the letter (no defaults for names)."""

    issuer_parent: str
    """Governing body, e.g. "Sở Y tế tỉnh Lai Châu" (printed in capitals)."""
    issuer: str
    """Issuing unit, e.g. "Trung tâm Y tế huyện Mường Tè" (printed in capitals in the header)."""
    number: str
    """Số/ký hiệu after "Số:", e.g. "  /TTYT-KSBT" (blank number until registered)."""
    place: str
    """Place of issue, e.g. "Mường Tè"."""
    issued_on: date | None
    """Date of issue; None leaves "ngày … tháng … năm …" to be filled by hand."""
    recipient: str
    """Recipient after "Kính gửi:", e.g. "Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu"."""
    signer_title: str
    """Title in the signature block, e.g. "Giám đốc" (printed in capitals)."""
    signer_name: str
    signer_authority: str | None = None
    """Delegation line above the title, e.g. "KT. Giám đốc"; None when the head signs."""
    copy_to: tuple[str, ...] = ("Như trên;", "Lưu: VT.")
    grounds: tuple[str, ...] = ()
    """"Căn cứ ..." sentences opening the body (legal and planning grounds)."""
    subject: str | None = None
    """Text after "V/v"; None = "đề nghị cung ứng vắc xin <period>"."""


def format_number(value: float | None, decimals: int = 0) -> str:
    """Vietnamese number: "." between thousands, "," before decimals; "" for None."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


LEGAL_GROUNDS: tuple[tuple[date, date | None, str], ...] = (
    (
        date(2019, 1, 1),
        date(2026, 6, 30),
        "Căn cứ Nghị định số 104/2016/NĐ-CP và Thông tư số 34/2018/TT-BYT về hoạt động tiêm chủng;",
    ),
    (
        date(2026, 7, 1),
        None,
        "Căn cứ Luật Phòng bệnh số 114/2025/QH15 và Nghị định số 165/2026/NĐ-CP;",
    ),
)
"""The legal grounds a request letter cites, by the day it is issued (vietnam-epi.md §1.1: NĐ 165/2026 repeals
NĐ 104/2016 from 01/07/2026; the Law's own start date and TT 34/2018's status after it are UNVERIFIED)."""


def legal_grounds(issued_on: date) -> str:
    """The grounds in force on the day a letter is issued."""
    for start, end, text in LEGAL_GROUNDS:
        if start <= issued_on and (end is None or issued_on <= end):
            return text
    return LEGAL_GROUNDS[0][2]


def _date_line(place: str, issued_on: date | None) -> str:
    if issued_on is None:
        return f"{place}, ngày … tháng … năm …"
    # NĐ 30/2020: a leading zero for days below 10 and for months 1 and 2 only
    month = f"{issued_on.month:02d}" if issued_on.month <= 2 else str(issued_on.month)
    return f"{place}, ngày {issued_on.day:02d} tháng {month} năm {issued_on.year}"


def _totals(forecast: pl.DataFrame) -> pl.DataFrame:
    return forecast.filter(pl.col("scope") == "total").sort("product_code")


def _period_vi(forecast: pl.DataFrame) -> str:
    return parse_period(forecast["period"][0]).label_vi if forecast.height else ""


def _wastage_ranges(forecast: pl.DataFrame) -> dict[str, tuple[float, float]]:
    rows = (
        forecast.filter((pl.col("scope") == "facility") & (pl.col("need_doses") > 0))
        .group_by("product_code")
        .agg(pl.col("wastage_factor").min().alias("low"), pl.col("wastage_factor").max().alias("high"))
    )
    return {r["product_code"]: (r["low"], r["high"]) for r in rows.iter_rows(named=True)}


def _method_counts(forecast: pl.DataFrame) -> dict[tuple[str, str], int]:
    rows = (
        forecast.filter((pl.col("scope") == "facility") & (pl.col("need_routine") > 0))
        .group_by("product_code", "need_method")
        .len()
    )
    return {(r["product_code"], r["need_method"]): r["len"] for r in rows.iter_rows(named=True)}


def request_reasons(forecast: pl.DataFrame) -> dict[str, str]:
    """One sentence per vaccine explaining its requested quantity from the total line."""
    ranges, methods = _wastage_ranges(forecast), _method_counts(forecast)
    reasons: dict[str, str] = {}
    for row in _totals(forecast).iter_rows(named=True):
        code = row["product_code"]
        how = [
            f"{label} {methods[(code, key)]} cơ sở"
            for key, label in (("target_population", "theo đối tượng"), ("consumption", "theo tiêu thụ"))
            if (code, key) in methods
        ]
        parts = [f"Nhu cầu thường xuyên {format_number(row['need_routine'])} liều"]
        if how:
            parts[0] += f" ({', '.join(how)})"
        if code in ranges and ranges[code][0] is not None:
            low, high = ranges[code]
            factor = (
                format_number(low, 2) if low == high else f"{format_number(low, 2)}-{format_number(high, 2)}"
            )
            parts.append(f"hệ số hao phí {factor}")
        if row["need_catchup"]:
            parts.append(
                f"tiêm bù {format_number(row['need_catchup'])} liều "
                f"(tồn đọng {format_number(row['backlog_doses'])} liều)"
            )
        parts.append(f"dự trữ {format_number(row['reserve_doses'])} liều")
        parts.append(
            f"trừ tồn kho {format_number(row['stock_on_hand'])} và đang vận chuyển "
            f"{format_number(row['stock_in_transit'])} liều"
        )
        reasons[code] = "; ".join(parts) + "."
    return reasons


def _catchup_by_commune(forecast: pl.DataFrame, backlog: pl.DataFrame) -> pl.DataFrame:
    catchup = forecast.filter(pl.col("scope") == "facility").select(
        "facility_code", "product_code", "product_name", "need_catchup"
    )
    return backlog.join(catchup, on=["facility_code", "product_code"], how="left").sort(
        "commune", "product_code"
    )


# --------------------------------------------------------------------------------------------------
# Workbook
# --------------------------------------------------------------------------------------------------


def _sheet_title(code: str, used: set[str]) -> str:
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in code)[:28] or "VX"
    title, n = cleaned, 1
    while title.lower() in used:
        n += 1
        title = f"{cleaned[:25]}~{n}"
    used.add(title.lower())
    return title


class _Sheet:
    """Rows appended in order to a write-only sheet (fast: no cell objects are kept)."""

    def __init__(
        self, wb: Workbook, title: str, *, widths: dict[str, float], freeze: str | None = None
    ) -> None:
        self.ws = wb.create_sheet(title)
        for column, width in widths.items():
            self.ws.column_dimensions[column].width = width
        if freeze:
            self.ws.freeze_panes = freeze
        self.bold = Font(name=WORKBOOK_FONT, bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def styled(self, value: object, *, font: Font | None = None, wrap: bool = False) -> WriteOnlyCell:
        """One cell carrying a font or wrapping."""
        cell = WriteOnlyCell(self.ws, value=value)
        if font is not None:
            cell.font = font
        if wrap:
            cell.alignment = self.wrap
        return cell

    def title(self, text: str, size: float = 12) -> None:
        """A bold title row."""
        self.ws.append([self.styled(text, font=Font(name=WORKBOOK_FONT, bold=True, size=size))])

    def line(self, *values: object) -> None:
        """A plain row."""
        self.ws.append(list(values))

    def table(
        self, header: Sequence[str], rows: Iterable[Sequence[object]], *, wrap_last: bool = False
    ) -> None:
        """A bold header row then the rows; optionally wrap the last column."""
        self.ws.append([self.styled(h, font=self.bold, wrap=True) for h in header])
        for row in rows:
            values = list(row)
            if wrap_last and values:
                values[-1] = self.styled(values[-1], wrap=True)
            self.ws.append(values)


def request_workbook(
    *,
    forecast: pl.DataFrame,
    supplies: pl.DataFrame,
    backlog: pl.DataFrame,
    parameters: Parameters,
    title: str,
    requested_by: str | None = None,
    issued_on: date | None = None,
) -> bytes:
    """The .xlsx workbook: summary, workings per vaccine, backlog by commune, parameters."""
    wb = Workbook(write_only=True)
    totals = _totals(forecast)

    summary = _Sheet(wb, "Tổng hợp", widths={"C": 28}, freeze="D5")
    summary.title(title, 13)
    period = f"Kỳ: {_period_vi(forecast)} ({forecast['period'][0] if forecast.height else ''})"
    if requested_by:  # who asks, so that a province merging several districts' workbooks can tell them apart
        named = forecast.filter(pl.col("facility_code") == requested_by)
        name = named["facility_name"][0] if named.height and "facility_name" in named.columns else ""
        period = f"Đơn vị đề nghị: {requested_by} {name}".rstrip() + f" · {period}"
    if issued_on:
        period += f" · lập ngày {issued_on:%d/%m/%Y}"
    summary.line(period)
    summary.line()
    summary.table(
        ["STT", *(COLUMN_LABELS_VI[c] for c in SUMMARY_COLUMNS)],
        ([i, *row] for i, row in enumerate(totals.select(SUMMARY_COLUMNS).iter_rows(), start=1)),
    )
    totals_by_item = supply_totals(supplies)
    summary.line()
    summary.title("Vật tư tiêm chủng kèm theo", 11)
    summary.table(
        ["STT", "Mã vật tư", "Tên vật tư", "Số lượng"],
        ([i, *r] for i, r in enumerate(totals_by_item.iter_rows(), start=1)),
    )

    used_titles = {"tổng hợp", "tiêm bù theo xã", "tham số"}
    columns = list(COLUMN_LABELS_VI)
    workings_column = get_column_letter(len(columns))
    for code in totals["product_code"].to_list():
        lines = forecast.filter(pl.col("product_code") == code).with_columns(
            pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.String)
            for column, labels in VALUE_LABELS_VI.items()
        )
        sheet = _Sheet(
            wb, _sheet_title(code, used_titles), widths={"C": 28, workings_column: 110}, freeze="D4"
        )
        sheet.title(f"Cách tính nhu cầu: {lines['product_name'][0]} ({code})")
        sheet.line()
        sheet.table([COLUMN_LABELS_VI[c] for c in columns], lines.select(columns).iter_rows(), wrap_last=True)

    catchup = _catchup_by_commune(forecast, backlog).select(
        "facility_code", "commune", "product_code", "product_name", "doses", "need_catchup"
    )
    sheet = _Sheet(wb, "Tiêm bù theo xã", widths={"C": 24})
    sheet.title("Số liều tiêm bù tồn đọng theo xã")
    sheet.line()
    sheet.table(
        ["STT", "Mã xã", "Xã", "Mã vắc xin", "Vắc xin", "Liều tồn đọng", "Nhu cầu tiêm bù trong kỳ"],
        ([i, *r] for i, r in enumerate(catchup.iter_rows(), start=1)),
    )

    settings_rows: list[list[object]] = [
        ["Mặc định", name, value] for name, value in asdict(parameters.defaults).items()
    ]
    for scope, overrides in (("Theo vắc xin", parameters.by_product), ("Theo cơ sở", parameters.by_facility)):
        for key, values in overrides.items():
            settings_rows += [[f"{scope} {key}", name, value] for name, value in values.items()]
    for (facility, product), values in parameters.by_facility_product.items():
        settings_rows += [
            [f"Cơ sở {facility}, vắc xin {product}", name, value] for name, value in values.items()
        ]
    settings_rows += [
        ["Chung", "review_months", parameters.review_months],
        ["Chung", "days_per_month", parameters.days_per_month],
        ["Chung", "wf_decimals", parameters.wf_decimals],
        ["Chung", "order_rounding", parameters.order_rounding],
    ]
    settings_rows += [
        [
            "Hao phí chỉ định (WHO)",
            f"{row.presentation or 'mọi dạng'} {row.min_doses}-{row.max_doses or ''} liều",
            row.rate,
        ]
        for row in parameters.indicative_wastage
    ]
    sheet = _Sheet(wb, "Tham số", widths={"A": 34, "B": 30})
    sheet.title("Tham số dự báo và quy tắc làm tròn")
    sheet.line()
    sheet.table(["Phạm vi", "Tham số", "Giá trị"], settings_rows)
    sheet.line()
    sheet.title("Quy tắc làm tròn", 11)
    for i, text in enumerate(ROUNDING_POLICY_VI, start=1):
        sheet.line(f"{i}. {text}")

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# Letter
# --------------------------------------------------------------------------------------------------


def _set_font(run, *, size: float | None = None, bold: bool = False, italic: bool = False) -> None:
    # The typeface comes from the Normal style (set once, with its East Asian slot); runs only size it.
    if bold:
        run.font.bold = True
    if italic:
        run.font.italic = True
    if size is not None:
        run.font.size = Pt(size)


def _table_style(doc, size: float) -> str:
    name = f"Bảng {size:g}"
    if name not in [s.name for s in doc.styles]:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.font.size = Pt(size)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.space_before = Pt(0)
    return name


def _para(
    container,
    text: str = "",
    *,
    size: float = 13,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    space_after: float = 3,
    indent: bool = False,
) -> Paragraph:
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.space_before = Pt(0)
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if text:
        _set_font(paragraph.add_run(text), size=size, bold=bold, italic=italic)
    return paragraph


def _cell_para(cell, text: str, **kwargs) -> Paragraph:
    paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text and len(cell.paragraphs) == 1 else None
    if paragraph is None:
        return _para(cell, text, **kwargs)
    if (align := kwargs.get("align")) is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(kwargs.get("space_after", 0))
    _set_font(
        paragraph.add_run(text),
        size=kwargs.get("size", 13),
        bold=kwargs.get("bold", False),
        italic=kwargs.get("italic", False),
    )
    return paragraph


def _grid_table(doc, header: Sequence[str], rows: Sequence[Sequence[str]], *, size: float = 10) -> Table:
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Setting pStyle by id: assigning a style object makes python-docx scan every style per paragraph.
    style_id = doc.styles[_table_style(doc, size)].style_id
    for r, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            paragraph = cell.paragraphs[0]
            paragraph._p.get_or_add_pPr().style = style_id
            run = paragraph.add_run(text)
            if r == 0:
                run.bold = True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif i > 0 and text and text.replace(".", "").replace(",", "").isdigit():
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def _borderless(doc, rows: int, widths: Sequence[float]) -> Table:
    table = doc.add_table(rows=rows, cols=len(widths))
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return table


def request_letter(
    *,
    letter: RequestLetter,
    forecast: pl.DataFrame,
    supplies: pl.DataFrame,
    backlog: pl.DataFrame,
    charts: Sequence[bytes] = (),
) -> bytes:
    """The .docx proposal letter: quantities and reasons, supplies, backlog by commune, charts."""
    period_vi = _period_vi(forecast)
    subject = letter.subject or f"đề nghị cung ứng vắc xin {period_vi}"
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = LETTER_FONT
    normal.font.size = Pt(13)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), LETTER_FONT)

    header = _borderless(doc, 1, (6.5, 9.5))
    left, right = header.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    _cell_para(left, letter.issuer_parent.upper(), size=12, align=center)
    _cell_para(left, letter.issuer.upper(), size=12, bold=True, align=center)
    _cell_para(left, "―――――", size=10, align=center)
    _cell_para(left, f"Số: {letter.number}", size=13, align=center)
    _cell_para(left, f"V/v {subject}", size=12, align=center)
    _cell_para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align=center)
    _cell_para(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, align=center)
    _cell_para(right, "―――――――――――", size=10, align=center)
    _cell_para(right, _date_line(letter.place, letter.issued_on), size=13, italic=True, align=center)

    _para(doc, "", space_after=6)
    _para(doc, f"Kính gửi: {letter.recipient}.", align=center, space_after=12)
    for ground in letter.grounds:
        _para(doc, ground, indent=True, italic=False)
    _para(
        doc,
        f"{letter.issuer} kính đề nghị {letter.recipient} cung ứng vắc xin {period_vi} như sau:",
        indent=True,
    )

    _para(doc, "1. Số lượng vắc xin đề nghị cung ứng", bold=True)
    reasons = request_reasons(forecast)
    rows = [
        [
            str(i),
            *(
                format_number(row[c]) if isinstance(row[c], int) else str(row[c])
                for _, c in LETTER_COLUMNS[1:-1]
            ),
            reasons[row["product_code"]],
        ]
        for i, row in enumerate(_totals(forecast).iter_rows(named=True), start=1)
    ]
    _grid_table(doc, [h for h, _ in LETTER_COLUMNS], rows, size=9)
    _para(
        doc,
        METHOD_NOTE_VI,
        size=11,
        italic=True,
        indent=True,
    )

    _para(doc, "2. Vật tư tiêm chủng kèm theo", bold=True)
    totals_by_item = supply_totals(supplies)
    _grid_table(
        doc,
        ["STT", "Vật tư", "Số lượng"],
        [
            [str(i), r["item_name"], format_number(r["quantity"])]
            for i, r in enumerate(totals_by_item.iter_rows(named=True), 1)
        ],
        size=10,
    )

    _para(doc, "3. Số liều tiêm bù tồn đọng theo xã", bold=True)
    catchup = _catchup_by_commune(forecast, backlog)
    _grid_table(
        doc,
        ["STT", "Xã", "Vắc xin", "Liều tồn đọng", "Tiêm bù trong kỳ (liều)"],
        [
            [
                str(i),
                r["commune"],
                r["product_name"] or r["product_code"],
                format_number(r["doses"]),
                format_number(r["need_catchup"]),
            ]
            for i, r in enumerate(catchup.iter_rows(named=True), 1)
        ],
        size=10,
    )

    if charts:
        _para(doc, "4. Biểu đồ", bold=True)
        for png in charts:
            doc.add_picture(io.BytesIO(png), width=Cm(16))

    _para(
        doc,
        f"{letter.issuer} kính đề nghị {letter.recipient} xem xét, cung ứng./.",
        indent=True,
        space_after=12,
    )

    footer = _borderless(doc, 1, (8, 8))
    left, right = footer.rows[0].cells
    _cell_para(left, "Nơi nhận:", size=12, bold=True, italic=True)
    for line in letter.copy_to:
        _cell_para(left, f"- {line}", size=11)
    if letter.signer_authority:
        _cell_para(right, letter.signer_authority.upper(), size=13, bold=True, align=center)
    _cell_para(right, letter.signer_title.upper(), size=13, bold=True, align=center)
    for _ in range(3):
        _cell_para(right, "", size=13)
    _cell_para(right, letter.signer_name, size=13, bold=True, align=center)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
