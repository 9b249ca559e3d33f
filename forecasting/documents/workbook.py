"""The Excel request workbook: summary, workings per vaccine, catch-up by commune, parameters."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from forecasting.documents.text import catchup_by_commune, period_label_vi, total_lines
from forecasting.needs import Parameters, supply_totals

WORKBOOK_FONT = "Times New Roman"

ROUNDING_POLICY_VI = (
    "Tỷ lệ hao phí đo được = (liều sử dụng − liều đã tiêm) ÷ liều sử dụng; hệ số hao phí (HSHP) = 1/(1 − tỷ lệ "
    "hao phí), tính đúng từ số liều và làm tròn một lần đến 2 chữ số thập phân, 0,5 làm tròn lên (như các ví dụ "
    "của WHO): 490 liều sử dụng ÷ 400 liều đã tiêm = 1,225 → 1,23.",
    "Khi hao phí đo được âm (số liều đã tiêm lớn hơn số liều sử dụng) hoặc không có liều đã tiêm, dùng tỷ lệ hao "
    "phí chỉ định của WHO theo cỡ lọ; một tỷ lệ đặt trong tham số luôn được ưu tiên.",
    "Số đối tượng làm tròn đến người; mỗi nhu cầu (theo đối tượng, theo tiêu thụ, tiêm bù) làm tròn "
    "đến liều (0,5 làm tròn lên).",
    "Dự trữ = tỷ lệ dự trữ × nhu cầu thường xuyên; tối đa = nhu cầu kỳ + dự trữ; mức đặt hàng = nhu cầu "
    "thường xuyên × thời gian chờ hàng ÷ số ngày của kỳ + dự trữ.",
    "Số đề nghị = max(0; tối đa − tồn kho − đang vận chuyển), làm tròn lên đủ lọ rồi đủ hộp; không bao "
    "giờ âm. Vật tư kèm theo làm tròn lên đơn vị.",
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

PERCENT = "0.0%"
"""Rates (coverage, wastage, reserve, growth) are stored as the fraction and shown as a percentage: 23.3%."""
SHARE_PERCENT = "0.00%"
"""Population shares (2.00% of the population are births) keep two decimals."""
PERCENT_COLUMNS: dict[str, str] = {
    "target_share": SHARE_PERCENT,
    "coverage": PERCENT,
    "consumption_growth": PERCENT,
    "wastage_rate": PERCENT,
    "reserve_share": PERCENT,
}
"""Columns of the workings sheets that hold fractions, with the percentage format their cells carry."""

PARAMETER_LABELS_VI: dict[str, str] = {
    "coverage": "Tỷ lệ bao phủ mục tiêu",
    "wastage_rate": "Tỷ lệ hao phí cố định",
    "reserve_share": "Tỷ lệ dự trữ (so với nhu cầu thường xuyên của kỳ)",
    "lead_time_days": "Thời gian chờ hàng (ngày)",
    "catchup_months": "Số tháng tiêm bù hết tồn đọng",
    "method": "Cách tính nhu cầu thường xuyên",
    "consumption_growth": "Mức tăng tiêu thụ dự kiến",
    "share_births": "Tỷ lệ sinh trên dân số",
    "share_surviving_infants": "Tỷ lệ trẻ dưới 1 tuổi trên dân số",
    "share_pregnant_women": "Tỷ lệ phụ nữ có thai trên dân số",
    "share_children_7y": "Tỷ lệ trẻ 7 tuổi trên dân số",
    "review_months": "Số tháng số liệu dùng để tính",
    "days_per_month": "Số ngày mỗi tháng",
    "wf_decimals": "Số chữ số thập phân của hệ số hao phí",
    "order_rounding": "Làm tròn số đề nghị theo",
    "indicative_wastage": "Tỷ lệ hao phí chỉ định (WHO)",
}
"""Vietnamese names of the forecast parameters, shown beside their code name (the API's and CLI's)."""
PARAMETER_FORMATS: dict[str, str] = {
    **{name: PERCENT for name in ("coverage", "wastage_rate", "reserve_share", "consumption_growth")},
    **{
        name: SHARE_PERCENT
        for name in ("share_births", "share_surviving_infants", "share_pregnant_women", "share_children_7y")
    },
    "indicative_wastage": PERCENT,
}
"""The parameters held as fractions: their cells are percentages."""

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


def _sheet_title(code: str, used: set[str]) -> str:
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in code)[:28] or "VX"
    title, n = cleaned, 1
    while title.lower() in used:
        n += 1
        title = f"{cleaned[:25]}~{n}"
    used.add(title.lower())
    return title


class _Sheet:
    """Rows appended in order to a write-only sheet (fast: no cell objects are kept but those styled)."""

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

    def styled(
        self, value: object, *, font: Font | None = None, wrap: bool = False, number_format: str | None = None
    ) -> WriteOnlyCell:
        """One cell carrying a font, wrapping or a number format."""
        cell = WriteOnlyCell(self.ws, value=value)
        if font is not None:
            cell.font = font
        if wrap:
            cell.alignment = self.wrap
        if number_format is not None:
            cell.number_format = number_format
        return cell

    def title(self, text: str, size: float = 12) -> None:
        """A bold title row."""
        self.ws.append([self.styled(text, font=Font(name=WORKBOOK_FONT, bold=True, size=size))])

    def line(self, *values: object) -> None:
        """A plain row."""
        self.ws.append(list(values))

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        wrap_last: bool = False,
        formats: dict[int, str] | None = None,
    ) -> None:
        """A bold header row then the rows; optionally wrap the last column; `formats`: the number format of
        the numeric cells of some columns (by position)."""
        self.ws.append([self.styled(h, font=self.bold, wrap=True) for h in header])
        for row in rows:
            values = list(row)
            for index, number_format in (formats or {}).items():
                if _is_number(values[index]):
                    values[index] = self.styled(values[index], number_format=number_format)
            if wrap_last and values:
                values[-1] = self.styled(values[-1], wrap=True)
            self.ws.append(values)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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
    totals = total_lines(forecast)

    summary = _Sheet(wb, "Tổng hợp", widths={"C": 28}, freeze="D5")
    summary.title(title, 13)
    period = f"Kỳ: {period_label_vi(forecast)} ({forecast['period'][0] if forecast.height else ''})"
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
        sheet.table(
            [COLUMN_LABELS_VI[c] for c in columns],
            lines.select(columns).iter_rows(),
            wrap_last=True,
            formats={columns.index(c): f for c, f in PERCENT_COLUMNS.items()},
        )

    catchup = catchup_by_commune(forecast, backlog).select(
        "facility_code", "commune", "product_code", "product_name", "doses", "need_catchup"
    )
    sheet = _Sheet(wb, "Tiêm bù theo xã", widths={"C": 24})
    sheet.title("Số liều tiêm bù tồn đọng theo xã")
    sheet.line()
    sheet.table(
        ["STT", "Mã xã", "Xã", "Mã vắc xin", "Vắc xin", "Liều tồn đọng", "Nhu cầu tiêm bù trong kỳ"],
        ([i, *r] for i, r in enumerate(catchup.iter_rows(), start=1)),
    )

    sheet = _Sheet(wb, "Tham số", widths={"A": 34, "B": 44, "C": 26})
    sheet.title("Tham số dự báo và quy tắc làm tròn")
    sheet.line()
    sheet.ws.append([sheet.styled(h, font=sheet.bold, wrap=True) for h in PARAMETER_HEADER])
    for scope, name, value in _parameter_rows(parameters):
        label = PARAMETER_LABELS_VI.get(name, name)
        if name == "indicative_wastage":
            label = f"{label}: {scope}"
            scope = "Hao phí chỉ định (WHO)"
        number_format = PARAMETER_FORMATS.get(name) if _is_number(value) else None
        sheet.ws.append([scope, label, name, sheet.styled(value, number_format=number_format)])
    sheet.line()
    sheet.title("Quy tắc làm tròn", 11)
    for i, text in enumerate(ROUNDING_POLICY_VI, start=1):
        sheet.line(f"{i}. {text}")

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


PARAMETER_HEADER = ("Phạm vi", "Tham số", "Mã tham số (parameter)", "Giá trị")
"""The parameters sheet: the Vietnamese name first, the code name the API and the CLI use beside it."""


def _parameter_rows(parameters: Parameters) -> list[tuple[str, str, object]]:
    """(scope, parameter name, value): the defaults, the overrides, the general options, WHO's rates."""
    rows: list[tuple[str, str, object]] = [
        ("Mặc định", name, value) for name, value in asdict(parameters.defaults).items()
    ]
    for scope, overrides in (("Theo vắc xin", parameters.by_product), ("Theo cơ sở", parameters.by_facility)):
        for key, values in overrides.items():
            rows += [(f"{scope} {key}", name, value) for name, value in values.items()]
    for (facility, product), values in parameters.by_facility_product.items():
        rows += [(f"Cơ sở {facility}, vắc xin {product}", name, value) for name, value in values.items()]
    rows += [
        ("Chung", "review_months", parameters.review_months),
        ("Chung", "days_per_month", parameters.days_per_month),
        ("Chung", "wf_decimals", parameters.wf_decimals),
        ("Chung", "order_rounding", parameters.order_rounding),
    ]
    rows += [
        (
            f"{row.presentation or 'mọi dạng'} {row.min_doses}-{row.max_doses or ''} liều",
            "indicative_wastage",
            row.rate,
        )
        for row in parameters.indicative_wastage
    ]
    return rows
