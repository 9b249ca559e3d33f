"""The Word request letter in the Vietnamese administrative layout (NĐ 30/2020), and its legal grounds."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl
from docx.shared import Cm

from forecasting.documents.admin_form import (
    CENTER,
    grid_table,
    national_header,
    new_document,
    page_numbers,
    paragraph,
    signature_block,
)
from forecasting.documents.text import (
    catchup_by_commune,
    format_number,
    period_label_vi,
    request_reasons,
    total_lines,
)
from forecasting.needs import supply_totals

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
    doc = new_document(landscape=False, left_margin_cm=3)
    national_header(
        doc,
        issuer_parent=letter.issuer_parent,
        issuer=letter.issuer,
        number=letter.number,
        place=letter.place,
        issued_on=letter.issued_on,
        widths=(6.5, 9.5),
        subject=subject,
    )

    paragraph(doc, "", space_after=6)
    paragraph(doc, f"Kính gửi: {letter.recipient}.", align=CENTER, space_after=12)
    for ground in letter.grounds:
        paragraph(doc, ground, indent=True, italic=False)
    paragraph(
        doc,
        f"{letter.issuer} kính đề nghị {letter.recipient} cung ứng vắc xin {period_vi} như sau:",
        indent=True,
    )

    paragraph(doc, "1. Số lượng vắc xin đề nghị cung ứng", bold=True)
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
    grid_table(doc, [h for h, _ in LETTER_COLUMNS], rows, size=9)
    paragraph(
        doc,
        METHOD_NOTE_VI,
        size=11,
        italic=True,
        indent=True,
    )

    paragraph(doc, "2. Vật tư tiêm chủng kèm theo", bold=True)
    totals_by_item = supply_totals(supplies)
    grid_table(
        doc,
        ["STT", "Vật tư", "Số lượng"],
        [
            [str(i), r["item_name"], format_number(r["quantity"])]
            for i, r in enumerate(totals_by_item.iter_rows(named=True), 1)
        ],
        size=10,
    )

    paragraph(doc, "3. Số liều tiêm bù tồn đọng theo xã", bold=True)
    catchup = catchup_by_commune(forecast, backlog)
    grid_table(
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
        paragraph(doc, "4. Biểu đồ", bold=True)
        for png in charts:
            doc.add_picture(io.BytesIO(png), width=Cm(16))

    paragraph(
        doc,
        f"{letter.issuer} kính đề nghị {letter.recipient} xem xét, cung ứng./.",
        indent=True,
        space_after=12,
    )

    signature_block(
        doc,
        copy_to=letter.copy_to,
        signer_title=letter.signer_title,
        signer_name=letter.signer_name,
        widths=(8, 8),
        signer_authority=letter.signer_authority or "",
    )

    page_numbers(doc.sections[0])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
