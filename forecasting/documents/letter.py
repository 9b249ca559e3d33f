"""The Word request letter in the Vietnamese administrative layout (NĐ 30/2020), and its legal grounds."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from forecasting.documents.text import (
    catchup_by_commune,
    format_number,
    period_label_vi,
    request_reasons,
    total_lines,
)
from forecasting.needs import supply_totals

LETTER_FONT = "Times New Roman"

METHOD_NOTE_VI = (
    "Cách tính: nhu cầu theo phương pháp của WHO (số đối tượng × số liều × tỷ lệ bao phủ × hệ số "
    "hao phí, hoặc tiêu thụ bình quân tháng đã hiệu chỉnh theo số ngày hết hàng), cộng nhu cầu tiêm "
    "bù; dự trữ theo tỷ lệ của nhu cầu thường xuyên; số đề nghị = tồn tối đa − tồn kho − đang vận "
    "chuyển, làm tròn lên đủ lọ và đủ hộp. Chi tiết từng cơ sở trong tệp Excel kèm theo."
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
    period_vi = period_label_vi(forecast)
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
        for i, row in enumerate(total_lines(forecast).iter_rows(named=True), start=1)
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
    catchup = catchup_by_commune(forecast, backlog)
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

    _page_numbers(section)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice compute when the pages are laid out."""
    run = paragraph.add_run()
    _set_font(run, size=11)

    def char(kind: str) -> object:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    shown = OxmlElement("w:t")
    shown.text = "1"
    for element in (char("begin"), code, char("separate"), shown, char("end")):
        run._r.append(element)


def _page_numbers(section) -> None:
    """ "Trang x/y" centred at the foot of every page."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(paragraph.add_run("Trang "), size=11)
    _field(paragraph, "PAGE")
    _set_font(paragraph.add_run("/"), size=11)
    _field(paragraph, "NUMPAGES")
