"""The thresholds of every facility × product as frames, set-based: the defaults for all, then each layer of
overrides joined on (product, facility, facility × product; most specific last), never a loop per facility.
`domain.ThresholdTable.for_line` is the same resolution for one line (the tests compare the two)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from inventory.alerts import domain, duties, rules

_LINE = [n for n in rules.LINE_THRESHOLDS.names() if n not in ("facility_id", "product_id", "product_code")]
_FACILITY = [n for n in rules.FACILITY_THRESHOLDS.names() if n != "facility_id"]
_DUTY = [n for n in duties.DUTY_THRESHOLDS.names() if n != "facility_id"]


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Threshold values as the frames' columns (the expiry windows become their first and last)."""
    out = {k: v for k, v in values.items() if v is not None and k in domain.THRESHOLD_NAMES}
    windows = out.pop("expiry_windows_days", None)
    if windows:
        out["first_window"], out["last_window"] = windows[0], windows[-1]
    return out


def _apply(
    base: pl.DataFrame, on: list[str], layer: Mapping[Any, Mapping[str, Any]], names: Sequence[str]
) -> pl.DataFrame:
    """Overrides of one layer (key -> {name: value}) over the base, column by column."""
    rows = []
    for key, values in layer.items():
        key = key if isinstance(key, tuple) else (key,)
        cols = {f"o_{k}": v for k, v in _columns(values).items() if k in names}
        if cols:
            rows.append({**dict(zip(on, key, strict=True)), **cols})
    if not rows:
        return base
    over = pl.DataFrame(rows, infer_schema_length=None)
    present = [n for n in names if f"o_{n}" in over.columns]
    over = over.with_columns(pl.col(f"o_{n}").cast(base.schema[n]) for n in present)
    return (
        base.join(over, on=on, how="left")
        .with_columns(pl.coalesce(f"o_{n}", n).alias(n) for n in present)
        .select(base.columns)
    )


def frames(
    table: domain.ThresholdTable, facilities: pl.DataFrame, products: Sequence[tuple[int, str]]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(per facility × product: rules.LINE_THRESHOLDS; per facility: rules.FACILITY_THRESHOLDS and
    duties.DUTY_THRESHOLDS)."""
    defaults = _columns({n: getattr(table.defaults, n) for n in domain.THRESHOLD_NAMES})
    fac = facilities.select("facility_id", "facility_code")
    prod = pl.DataFrame(
        list(products), schema={"product_id": pl.Int64, "product_code": pl.String}, orient="row"
    )
    lines = fac.join(prod, how="cross").with_columns(
        pl.lit(defaults[n], dtype=rules.LINE_THRESHOLDS[n]).alias(n) for n in _LINE
    )
    lines = _apply(lines, ["product_code"], table.by_product, _LINE)
    lines = _apply(lines, ["facility_code"], table.by_facility, _LINE)
    lines = _apply(lines, ["facility_code", "product_code"], table.by_facility_product, _LINE)
    own = fac.with_columns(
        pl.lit(defaults[n], dtype=rules.FACILITY_THRESHOLDS.get(n) or duties.DUTY_THRESHOLDS[n]).alias(n)
        for n in [*_FACILITY, *_DUTY]
    )
    own = _apply(own, ["facility_code"], table.by_facility, [*_FACILITY, *_DUTY])
    return (
        lines.select(rules.LINE_THRESHOLDS.names()).cast(dict(rules.LINE_THRESHOLDS)),
        own.select(rules.FACILITY_THRESHOLDS.names()).cast(dict(rules.FACILITY_THRESHOLDS)),
        own.select(duties.DUTY_THRESHOLDS.names()).cast(dict(duties.DUTY_THRESHOLDS)),
    )
