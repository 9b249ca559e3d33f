"""The reports as files: an Excel workbook (one sheet per table), CSV per table, charts (matplotlib objects,
no pyplot) and a Word report in the administrative layout of the forecast's letter (NĐ 30/2020)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from docx.shared import Cm
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from forecasting.charts import figure_to_png
from forecasting.documents.admin_form import (
    CENTER,
    grid_table,
    national_header,
    new_document,
    paragraph,
    signature_block,
)
from inventory.i18n import format_number, translate

PERCENT_WORDS = ("rate", "coverage", "dropout", "plan_ytd_share", "plan_cumulative")
WORKBOOK_FONT = "Arial"


def is_percent(column: str) -> bool:
    """Columns holding a percentage (shown with one decimal, written to Excel as a percentage)."""
    return any(w in column for w in PERCENT_WORDS) and column not in ("plan_ytd",)


def label(column: str, lang: str) -> str:
    return translate(f"reports.col.{column}", lang)


def cell_text(column: str, value: Any, lang: str) -> str:
    """A cell as a page or the Word report shows it: Vietnamese numbers, one decimal for percentages."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else ""
    if column == "wastage_factor":
        return format_number(value, lang, 2)
    if is_percent(column):
        return format_number(value, lang, 1)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()
    if column == "scope":
        return translate(f"reports.scope.{value}", lang)
    if isinstance(value, int | float):
        return format_number(value, lang)
    return str(value)


# ---- Excel and CSV ------------------------------------------------------------------------------------------


def workbook(tables: dict[str, pl.DataFrame], *, title: str, lang: str = "vi") -> bytes:
    """One sheet per table: numbers as numbers, rates as percentages (0.0 %), the wastage factor 0.00."""
    wb = Workbook(write_only=True)
    bold = Font(name=WORKBOOK_FONT, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, frame in tables.items():
        ws = wb.create_sheet(translate(f"reports.sheet.{name}", lang)[:31])
        ws.freeze_panes = "A3"
        head = WriteOnlyCell(ws, value=f"{title} — {translate(f'reports.sheet.{name}', lang)}")
        head.font = Font(name=WORKBOOK_FONT, bold=True, size=12)
        ws.append([head])
        header = []
        for column in frame.columns:
            cell = WriteOnlyCell(ws, value=label(column, lang))
            cell.font, cell.alignment = bold, wrap
            header.append(cell)
        ws.append(header)
        for row in frame.iter_rows():
            cells = []
            for column, value in zip(frame.columns, row, strict=True):
                if column == "scope":
                    value = translate(f"reports.scope.{value}", lang)
                cell = WriteOnlyCell(
                    ws, value=value / 100 if is_percent(column) and value is not None else value
                )
                if is_percent(column):
                    cell.number_format = "0.0%"
                elif column == "wastage_factor":
                    cell.number_format = "0.00"
                elif isinstance(value, date):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(value, int) and not isinstance(value, bool):
                    cell.number_format = "#,##0"
                cells.append(cell)
            ws.append(cells)
        ws.append([])
        ws.append([translate("reports.rounding", lang)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_text(frame: pl.DataFrame) -> str:
    """One table as CSV (UTF-8, machine column names, rates as the rounded percentages shown)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.iter_rows():
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row])
    return out.getvalue()


# ---- charts -------------------------------------------------------------------------------------------------


def draw_coverage(ax: Axes, monthly: pl.DataFrame, lang: str) -> Axes:
    """Cumulative DTP3 and MCV1 coverage by month (lines) against the plan line (dashed)."""
    months = [m.strftime("%m/%Y") for m in monthly["month"]]
    ax.plot(months, monthly["coverage_dtp3_cumulative"].to_list(), marker="o", label=label("dtp3", lang))
    ax.plot(months, monthly["coverage_mcv1_cumulative"].to_list(), marker="s", label=label("mcv1", lang))
    ax.plot(
        months,
        monthly["plan_cumulative"].to_list(),
        linestyle="--",
        color="grey",
        label=translate("reports.chart.plan", lang),
    )
    ax.set_title(translate("reports.chart.coverage", lang))
    ax.set_ylabel("%")
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend()
    return ax


def draw_wastage(ax: Axes, by_month: pl.DataFrame, lang: str) -> Axes:
    """Open-vial wastage (may be negative) and closed-vial wastage by month, all products together."""
    months = [m.strftime("%m/%Y") for m in by_month["month"]]
    positions = range(len(months))
    ax.bar(
        [p - 0.2 for p in positions],
        by_month["open_vial_wastage"].to_list(),
        width=0.4,
        label=label("open_vial_wastage", lang),
    )
    ax.bar(
        [p + 0.2 for p in positions],
        by_month["closed_vial_wastage"].to_list(),
        width=0.4,
        label=label("closed_vial_wastage", lang),
    )
    ax.plot(
        list(positions),
        by_month["open_vial_wastage_ytd"].to_list(),
        color="black",
        marker=".",
        label=label("open_vial_wastage_ytd", lang),
    )
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(list(positions), months, rotation=45)
    ax.set_title(translate("reports.chart.wastage", lang))
    ax.legend()
    return ax


def draw_dropout(ax: Axes, communes: pl.DataFrame, threshold: float, lang: str) -> Axes:
    """DTP1→DTP3 and DTP1→MCV1 dropout per commune (bars) with the threshold line."""
    names = communes["facility_name"].to_list()
    positions = range(len(names))
    ax.barh(
        [p - 0.2 for p in positions],
        [v or 0 for v in communes["dropout_dtp1_dtp3"]],
        height=0.4,
        label=label("dropout_dtp1_dtp3", lang),
    )
    ax.barh(
        [p + 0.2 for p in positions],
        [v or 0 for v in communes["dropout_dtp1_mcv1"]],
        height=0.4,
        label=label("dropout_dtp1_mcv1", lang),
    )
    ax.axvline(
        threshold,
        color="red",
        linestyle="--",
        label=translate("reports.chart.threshold", lang, {"value": threshold}),
    )
    ax.set_yticks(list(positions), names)
    ax.set_xlabel("%")
    ax.set_title(translate("reports.chart.dropout", lang))
    ax.legend()
    return ax


def _figure(draw, *args) -> Figure:
    fig = Figure(figsize=(8, 4), layout="constrained")
    draw(fig.subplots(), *args)
    return fig


def wastage_by_month(usage_by_month: pl.DataFrame) -> pl.DataFrame:
    """The root's wastage by month, all vaccines together (diluents left out) (rows of the 'total' scope, else the facility)."""
    scope = "total" if (usage_by_month["scope"] == "total").any() else "facility"
    return (
        usage_by_month.filter(pl.col("scope") == scope, ~pl.col("diluent"))
        .group_by("month")
        .agg(pl.col("open_vial_wastage", "closed_vial_wastage", "open_vial_wastage_ytd").sum())
        .sort("month")
    )


def charts(
    tables: dict[str, pl.DataFrame], *, lang: str = "vi", dropout_threshold: float = 10
) -> dict[str, Figure]:
    """The report's charts, by name: coverage (results), dropout (results), wastage (usage)."""
    out: dict[str, Figure] = {}
    if "usage_by_month" in tables and tables["usage_by_month"].height:
        out["wastage"] = _figure(draw_wastage, wastage_by_month(tables["usage_by_month"]), lang)
    if "results_by_month" in tables and tables["results_by_month"].height:
        monthly = tables["results_by_month"]
        scope = "total" if (monthly["scope"] == "total").any() else "facility"
        out["coverage"] = _figure(draw_coverage, monthly.filter(pl.col("scope") == scope), lang)
        communes = tables["results"].filter(pl.col("scope") == "facility")
        if communes.height:
            out["dropout"] = _figure(draw_dropout, communes, dropout_threshold, lang)
    return out


# ---- Word ---------------------------------------------------------------------------------------------------

TABLE_COLUMNS = {
    "usage": (
        "facility",
        "product_code",
        "opening",
        "received",
        "issued",
        "administered",
        "doses_used",
        "closed_vial_wastage",
        "open_vial_wastage",
        "open_vial_wastage_ytd",
        "closing",
        "wastage_rate",
        "wastage_factor",
    ),
    "stock": (
        "product_code",
        "lot_number",
        "expires_on",
        "opening",
        "received",
        "issued",
        "doses_used",
        "closed_vial_wastage",
        "adjustments",
        "closing",
    ),
    "results": (
        "facility",
        "dtp1",
        "dtp3",
        "mcv1",
        "coverage_dtp3",
        "dropout_dtp1_dtp3",
        "dropout_dtp1_mcv1",
        "fully_immunized",
        "zero_dose",
        "coverage_dtp3_ytd",
    ),
}
"""The columns a report shows in a table (page, command line, Word report), in order; "facility" stands for
the facility's name or its code, as the place has room for."""


def table_columns(kind: str, available: Sequence[str], *, facility: str = "facility_name") -> list[str]:
    """The shown columns of a report that its table has, with the facility as ``facility`` (name or code)."""
    named = (facility if c == "facility" else c for c in TABLE_COLUMNS[kind])
    return [c for c in named if c in available]


@dataclass(frozen=True, kw_only=True)
class ReportHeader:
    """Who reports to whom: the names printed on the report."""

    issuer_parent: str
    issuer: str
    recipient: str
    place: str
    issued_on: date | None
    period_vi: str
    signer_title: str = "Thủ trưởng đơn vị"
    signer_name: str = ""
    number: str = "    /BC"


def word_report(
    *,
    kind: str,
    header: ReportHeader,
    table: pl.DataFrame,
    summary: str,
    pictures: Sequence[bytes] = (),
    lang: str = "vi",
) -> bytes:
    """The .docx report: the administrative header, a short summary of what changed, the table, the charts."""
    title = translate(f"reports.title.{kind}", lang)
    doc = new_document(landscape=True, left_margin_cm=2.5)
    national_header(
        doc,
        issuer_parent=header.issuer_parent,
        issuer=header.issuer,
        number=header.number,
        place=header.place,
        issued_on=header.issued_on,
        widths=(10, 14),
    )
    paragraph(doc, "", space_after=6)
    paragraph(doc, "BÁO CÁO", bold=True, align=CENTER, space_after=0)
    paragraph(doc, f"{title} {header.period_vi}", bold=True, align=CENTER, space_after=12)
    paragraph(doc, f"Kính gửi: {header.recipient}.", align=CENTER, space_after=12)
    paragraph(doc, "1. Tóm tắt", bold=True)
    paragraph(doc, summary, indent=True)
    paragraph(doc, "2. Số liệu", bold=True)
    columns = table_columns(kind, table.columns)
    rows = [
        [str(i), *(cell_text(c, row[c], lang) for c in columns)]
        for i, row in enumerate(table.iter_rows(named=True), 1)
    ]
    grid_table(doc, ["STT", *(label(c, lang) for c in columns)], rows, size=8)
    paragraph(doc, translate("reports.rounding", lang), size=10, italic=True, indent=True)
    if pictures:
        paragraph(doc, "3. Biểu đồ", bold=True)
        for png in pictures:
            doc.add_picture(io.BytesIO(png), width=Cm(20))
    signature_block(
        doc,
        copy_to=("Như trên;", "Lưu: VT."),
        signer_title=header.signer_title,
        signer_name=header.signer_name,
        widths=(12, 12),
    )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def png(fig: Figure) -> bytes:
    return figure_to_png(fig)
