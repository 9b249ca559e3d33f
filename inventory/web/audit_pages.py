"""Audit pages: the audit trail, filtered, one page at a time and as CSV."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Template

from inventory.audit import service as audit
from inventory.i18n import CATALOGUE, format_number, translate
from inventory.paging import DEFAULT_LIMIT, Window
from inventory.web.forms import Form
from inventory.web.pages import Page, day_param, provide_page
from inventory.web.paging import PageLimit, PageOffset, Pager

SHOWN_CHANGES = 12
"""Lines of an event's changes shown on the page (the CSV has them all)."""
_BEFORE = ("from", "before", "old")
_AFTER = ("to", "after", "new")


def _label(path: str, lang: str) -> str:
    """A change's path with each name in the language (`request.lines[0].doses` → request › lines 1 › Số
    liều)."""
    parts = []
    for part in path.split("."):
        match = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        name, index = (match.group(1), int(match.group(2)) + 1) if match else (part, None)
        text = translate(f"field.{name}", lang) if f"field.{name}" in CATALOGUE else name
        parts.append(f"{text} {index}" if index else text)
    return " › ".join(parts)


def _value(value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int | float):
        return format_number(value, lang)
    if isinstance(value, list | dict):
        return msgspec.json.encode(value).decode()
    return str(value)


def _flatten(value: Any, path: str, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(inner, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        for i, inner in enumerate(value):
            _flatten(inner, f"{path}[{i}]", out)
    else:
        out.append((path, value))


def readable_changes(changes: str | None, lang: str) -> list[str]:
    """An event's changes as lines `field: value`, or `field: before → after` where the event recorded a
    before and an after (a setting's from / to), labels in the language; no raw JSON."""
    try:
        data = msgspec.json.decode(changes) if changes else None
    except msgspec.DecodeError:
        return [changes or ""]
    if not data:
        return [translate("audit.no_changes", lang)]
    lines: list[str] = []
    if isinstance(data, dict):
        before = next((k for k in _BEFORE if k in data), None)
        after = next((k for k in _AFTER if k in data), None)
        if before and after:
            subject = data.get("name") or data.get("field") or ""
            change = translate(
                "audit.changed",
                lang,
                {"before": _value(data[before], lang), "after": _value(data[after], lang)},
            )
            lines.append(f"{_label(str(subject), lang)}: {change}" if subject else change)
            data = {k: v for k, v in data.items() if k not in (before, after, "name", "field")}
    flat: list[tuple[str, Any]] = []
    _flatten(data, "", flat)
    lines.extend(
        f"{_label(path, lang)}: {_value(value, lang)}" if path else _value(value, lang)
        for path, value in flat
    )
    if len(lines) > SHOWN_CHANGES:
        lines = [*lines[:SHOWN_CHANGES], "…"]
    return lines


def _audit_filter(
    username: str | None,
    action: str | None,
    facility: str | None,
    date_from: str | None,
    date_to: str | None,
    form: Form,
    *,
    limit: int,
    lang: str,
) -> audit.AuditFilter:
    """The audit page's filters from its query string: blanks are no filter, bad dates go to `form`."""
    start, end = day_param(date_from, "date_from", form, lang), day_param(date_to, "date_to", form, lang)
    return audit.AuditFilter(username or None, action or None, facility or None, start, end, limit)


class AuditPages(Controller):
    """The audit trail: who did what, where and when."""

    dependencies = {"page": Provide(provide_page)}

    @get("/audit", operation_id="AuditPage", include_in_schema=False)
    async def audit_page(
        self,
        page: NamedDependency[Page],
        username: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        facility: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
        limit: PageLimit = DEFAULT_LIMIT,
        offset: PageOffset = 0,
    ) -> Template:
        form = Form()
        flt = _audit_filter(username, action, facility, date_from, date_to, form, limit=limit, lang=page.lang)
        window = Window(limit, offset)
        rows, total = await audit.events_page(page.session, page.principal, flt, window)
        filters = {
            "username": username,
            "action": action,
            "facility": facility,
            "date_from": date_from,
            "date_to": date_to,
        }
        changes = {e.id: readable_changes(e.changes, page.lang) for e in rows}
        return await page.render(
            "audit.html",
            422 if form.errors else 200,
            rows=rows,
            changes=changes,
            flt=flt,
            form=form,
            paging=Pager("/audit", window, total, filters),
        )

    @get("/audit.csv", operation_id="AuditCSV", include_in_schema=False)
    async def audit_csv(
        self,
        page: NamedDependency[Page],
        username: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        facility: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
    ) -> Response[str]:
        form = Form()
        flt = _audit_filter(
            username, action, facility, date_from, date_to, form, limit=10_000, lang=page.lang
        )
        if form.errors:
            raise next(iter(form.refusals.values()))
        rows = await audit.events(page.session, page.principal, flt)
        return Response(
            audit.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="vaxstock-audit.csv"'},
        )
