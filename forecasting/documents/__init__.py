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

from forecasting.documents.admin_form import LETTER_FONT
from forecasting.documents.letter import (
    LEGAL_GROUNDS,
    LETTER_COLUMNS,
    METHOD_NOTE_VI,
    RequestLetter,
    legal_grounds,
    request_letter,
)
from forecasting.documents.text import format_number, request_reasons
from forecasting.documents.workbook import (
    COLUMN_LABELS_VI,
    ROUNDING_POLICY_VI,
    SUMMARY_COLUMNS,
    VALUE_LABELS_VI,
    WORKBOOK_FONT,
    request_workbook,
)

__all__ = [
    "COLUMN_LABELS_VI",
    "LEGAL_GROUNDS",
    "LETTER_COLUMNS",
    "LETTER_FONT",
    "METHOD_NOTE_VI",
    "ROUNDING_POLICY_VI",
    "SUMMARY_COLUMNS",
    "VALUE_LABELS_VI",
    "WORKBOOK_FONT",
    "RequestLetter",
    "format_number",
    "legal_grounds",
    "request_letter",
    "request_reasons",
    "request_workbook",
]
