"""The translation catalogue: every text a user can meet, Vietnamese first, English second.

Entries live in one module per topic (`labels`, `errors`, ...), each a dict `ENTRIES` of
key -> (Vietnamese, English); this module joins them and renders a key in a language, with its parameters
formatted the way that language writes numbers (vi: 2.640 and 0,5; en: 2,640 and 0.5).

A message with parameters names them in braces: ("Chỉ còn {available} liều dùng được", "Only {available}
usable doses are available"). Domain errors carry the key and the parameters, never the text
(inventory.errors), and are rendered at the edge: pages in the session's language, the API by
`Accept-Language` (default vi), the CLI by the locale.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from inventory.i18n import (
    access,
    alerts,
    alerts2,
    backupnum,
    cli,
    clihelp,
    clihelp2,
    cliout,
    coldchain,
    coldchain2,
    credentials,
    errors,
    inputs,
    labels,
    ledgerproof,
    messages,
    pagecache,
    pages3,
    planning,
    reports,
    reports2,
    routes,
    trust2,
)

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

PARTS = (
    labels,
    cli,
    errors,
    backupnum,
    credentials,
    ledgerproof,
    routes,
    reports,
    alerts,
    coldchain,
    coldchain2,
    inputs,
    trust2,
    pagecache,
    reports2,
    alerts2,
    messages,
    access,
    planning,
    clihelp,
    clihelp2,
    cliout,
    pages3,
)
"""Every module of entries; a new topic adds its module here."""


def _join() -> dict[str, tuple[str, str]]:
    joined: dict[str, tuple[str, str]] = {}
    for part in PARTS:
        for key, pair in part.ENTRIES.items():
            if key in joined and joined[key] != pair:
                raise ValueError(f"catalogue key {key!r} is defined twice with different texts")
            joined[key] = pair
    return joined


CATALOGUE: dict[str, tuple[str, str]] = _join()


def language(value: str | None) -> str:
    """A supported language code from a cookie, a setting or an Accept-Language header; vi otherwise."""
    for item in (value or "").split(","):
        code = item.split(";", 1)[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def cli_language() -> str:
    """The CLI's language: VAXSTOCK_LANGUAGE, else the locale (LC_ALL, LC_MESSAGES, LANG); vi by default."""
    for name in ("VAXSTOCK_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return language(value)
    return DEFAULT_LANGUAGE


def format_number(value: int | float | Decimal, lang: str, decimals: int | None = None) -> str:
    """2640 -> "2.640" (vi) or "2,640" (en); 0.5 -> "0,5" / "0.5". Decimals: fixed places, else as given."""
    if isinstance(value, bool):
        return str(value)
    if decimals is not None:
        text = f"{value:,.{decimals}f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = f"{value:,f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:,}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _format(value: Any, lang: str) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return format_number(value, lang)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if lang == "vi" else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()
    return value


def translate(key: str, lang: str, params: Mapping[str, Any] | None = None) -> str:
    """The text in the language with its parameters filled in; the key itself when it is missing (the
    catalogue-completeness test fails on that, so a gap is found before a user meets it)."""
    pair = CATALOGUE.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "vi" else pair[1]
    if params:
        formatted = {name: _format(value, lang) for name, value in params.items()}
        try:
            return text.format_map(formatted)
        except (KeyError, IndexError, ValueError):
            return text
    return text
