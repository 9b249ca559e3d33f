"""The Vietnamese administrative form (NĐ 30/2020) for Word documents: the page, the two-column header with the
national motto, paragraphs, grid tables, the "Nơi nhận" and signature block, page numbers. Used by the
forecast's request letter and by the monthly reports; it knows nothing of either."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

LETTER_FONT = "Times New Roman"
CENTER = WD_ALIGN_PARAGRAPH.CENTER


def new_document(*, landscape: bool = False, left_margin_cm: float = 3) -> DocxDocument:
    """An A4 document (portrait or landscape) whose Normal style is the letter font at 13 pt."""
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(left_margin_cm), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = LETTER_FONT
    normal.font.size = Pt(13)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), LETTER_FONT)
    return doc


def date_line(place: str, issued_on: date | None) -> str:
    """ "Place, ngày dd tháng m năm yyyy", or blanks to fill in by hand when there is no date."""
    if issued_on is None:
        return f"{place}, ngày … tháng … năm …"
    # NĐ 30/2020: a leading zero for days below 10 and for months 1 and 2 only
    month = f"{issued_on.month:02d}" if issued_on.month <= 2 else str(issued_on.month)
    return f"{place}, ngày {issued_on.day:02d} tháng {month} năm {issued_on.year}"


def set_font(run, *, size: float | None = None, bold: bool = False, italic: bool = False) -> None:
    """Size and weight of one run (the typeface comes from the Normal style, with its East Asian slot)."""
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


def paragraph(
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
    """A paragraph of the body (``indent``: first line indented 1 cm, justified)."""
    made = container.add_paragraph()
    if align is not None:
        made.alignment = align
    made.paragraph_format.space_after = Pt(space_after)
    made.paragraph_format.space_before = Pt(0)
    if indent:
        made.paragraph_format.first_line_indent = Cm(1)
        made.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if text:
        set_font(made.add_run(text), size=size, bold=bold, italic=italic)
    return made


def cell_paragraph(cell, text: str, **kwargs) -> Paragraph:
    """A line in a table cell: the cell's empty first paragraph, then new ones."""
    first = cell.paragraphs[0] if not cell.paragraphs[0].text and len(cell.paragraphs) == 1 else None
    if first is None:
        return paragraph(cell, text, **kwargs)
    if (align := kwargs.get("align")) is not None:
        first.alignment = align
    first.paragraph_format.space_after = Pt(kwargs.get("space_after", 0))
    set_font(
        first.add_run(text),
        size=kwargs.get("size", 13),
        bold=kwargs.get("bold", False),
        italic=kwargs.get("italic", False),
    )
    return first


def grid_table(doc, header: Sequence[str], rows: Sequence[Sequence[str]], *, size: float = 10) -> Table:
    """A bordered table: a bold centred header row, numbers right-aligned."""
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Setting pStyle by id: assigning a style object makes python-docx scan every style per paragraph.
    style_id = doc.styles[_table_style(doc, size)].style_id
    for r, (row, values) in enumerate(zip(table.rows, [header, *rows], strict=True)):
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            line = cell.paragraphs[0]
            line._p.get_or_add_pPr().style = style_id
            run = line.add_run(text)
            if r == 0:
                run.bold = True
                line.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif i > 0 and text and text.replace(".", "").replace(",", "").isdigit():
                line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def borderless_table(doc, rows: int, widths: Sequence[float]) -> Table:
    """A table without borders for laying text out side by side (widths in cm)."""
    table = doc.add_table(rows=rows, cols=len(widths))
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return table


def national_header(
    doc,
    *,
    issuer_parent: str,
    issuer: str,
    number: str,
    place: str,
    issued_on: date | None,
    widths: Sequence[float],
    subject: str | None = None,
) -> None:
    """The header: governing body, issuer, số/ký hiệu (and "V/v" subject) on the left; the national motto
    and the place and date on the right."""
    left, right = borderless_table(doc, 1, widths).rows[0].cells
    cell_paragraph(left, issuer_parent.upper(), size=12, align=CENTER)
    cell_paragraph(left, issuer.upper(), size=12, bold=True, align=CENTER)
    cell_paragraph(left, "―――――", size=10, align=CENTER)
    cell_paragraph(left, f"Số: {number}", size=13, align=CENTER)
    if subject:
        cell_paragraph(left, f"V/v {subject}", size=12, align=CENTER)
    cell_paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, align=CENTER)
    cell_paragraph(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, align=CENTER)
    cell_paragraph(right, "―――――――――――", size=10, align=CENTER)
    cell_paragraph(right, date_line(place, issued_on), size=13, italic=True, align=CENTER)


def signature_block(
    doc,
    *,
    copy_to: Sequence[str],
    signer_title: str,
    signer_name: str,
    widths: Sequence[float],
    signer_authority: str = "",
) -> None:
    """ "Nơi nhận" with its lines on the left; the signer's authority, title, room to sign and name on the right."""
    left, right = borderless_table(doc, 1, widths).rows[0].cells
    cell_paragraph(left, "Nơi nhận:", size=12, bold=True, italic=True)
    for line in copy_to:
        cell_paragraph(left, f"- {line}", size=11)
    if signer_authority:
        cell_paragraph(right, signer_authority.upper(), size=13, bold=True, align=CENTER)
    cell_paragraph(right, signer_title.upper(), size=13, bold=True, align=CENTER)
    for _ in range(3):
        cell_paragraph(right, "", size=13)
    cell_paragraph(right, signer_name, size=13, bold=True, align=CENTER)


def _field(line: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice compute when the pages are laid out."""
    run = line.add_run()
    set_font(run, size=11)

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


def page_numbers(section) -> None:
    """ "Trang x/y" centred at the foot of every page."""
    line = section.footer.paragraphs[0]
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(line.add_run("Trang "), size=11)
    _field(line, "PAGE")
    set_font(line.add_run("/"), size=11)
    _field(line, "NUMPAGES")
