"""A report as the service returns it, and the written summary of what changed since the period before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from forecasting.periods import SupplyPeriod, month_period, quarter_period, year_period
from inventory.i18n import translate
from inventory.reports import domain
from inventory.reports.repository import month_index


@dataclass(frozen=True)
class Report:
    """One report: its kind, period, root facility and tables (polars frames, one per sheet)."""

    kind: str
    period: SupplyPeriod
    facility: str
    facility_name: str
    tables: dict[str, pl.DataFrame]
    settings: dict[str, int] = field(default_factory=dict)
    submitted: dict[str, Any] | None = None
    """For a submitted copy: version, who and when."""


def previous_period(period: SupplyPeriod) -> SupplyPeriod:
    """The month, quarter or year before."""
    if period.kind == "month":
        index = month_index(period.start) - 1
        return month_period(index // 12, index % 12 + 1)
    if period.kind == "quarter":
        quarter = (period.start.month - 1) // 3
        return quarter_period(period.start.year - (quarter == 0), (quarter - 1) % 4 + 1)
    return year_period(period.start.year - 1)


def _headline(report: Report) -> dict[str, Any]:
    """The few figures the written summary states, from the root's total (or its only facility)."""
    if report.kind == "results":
        frame = report.tables["results"]
        top = frame.filter(pl.col("scope") == "total")
        row = (top if top.height else frame).to_dicts()
        row = row[0] if row else {}
        problems = frame.filter(
            pl.col("scope") == "facility", pl.col("high_dropout") | pl.col("low_coverage")
        ).height
        return {
            "dtp3": row.get("dtp3", 0),
            "dropout": row.get("dropout_dtp1_dtp3"),
            "zero": row.get("zero_dose", 0),
            "problems": problems,
        }
    table = report.tables[report.kind]
    if report.kind == "usage":
        top = table.filter(
            pl.col("scope") == ("total" if (table["scope"] == "total").any() else "facility"),
            ~pl.col("diluent"),
        )
        administered = int(top["administered"].sum())
        used = int(top["doses_used"].sum() + top["closed_vial_wastage"].sum())
        return {
            "administered": administered,
            "used": used,
            "wastage": domain.shown(domain.wastage_rate(administered, used)),
            "ytd": int(top["open_vial_wastage_ytd"].sum()),
        }
    return {k: int(table[k].sum()) if table.height else 0 for k in ("received", "issued", "closing")}


def summary_text(report: Report, previous: Report | None, lang: str) -> str:
    """A short written summary of the period and of what changed since the period before."""
    now = _headline(report)
    before = _headline(previous) if previous is not None else None
    compared = {"usage": "wastage", "results": "dtp3", "stock": "closing"}[report.kind]
    if before is None or before.get(compared) is None or now.get(compared) is None:
        change = translate("reports.change.none", lang)
    else:
        delta = now[compared] - before[compared]
        delta = round(delta, 1) if isinstance(delta, float) else delta
        key = "up" if delta > 0 else "down" if delta < 0 else "same"
        change = translate(f"reports.change.{key}", lang, {"value": abs(delta)})
    period = report.period.label_vi if lang == "vi" else report.period.label
    values = {k: ("–" if v is None else v) for k, v in now.items()}
    return translate(f"reports.summary.{report.kind}", lang, {**values, "period": period, "change": change})
