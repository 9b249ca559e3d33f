"""The frames the alert rules read and write (their schemas) and the expressions they share."""

from __future__ import annotations

from datetime import date

import polars as pl

from inventory.alerts.domain import KINDS

FACILITIES = pl.Schema(
    {"facility_id": pl.Int64, "facility_code": pl.String, "supplier_id": pl.Int64, "level": pl.String}
)
STOCK = pl.Schema(
    {
        "facility_id": pl.Int64,
        "location_id": pl.Int64,
        "location_code": pl.String,
        "lot_id": pl.Int64,
        "product_id": pl.Int64,
        "product_code": pl.String,
        "lot_number": pl.String,
        "expires_on": pl.Date,
        "vvm_stage": pl.Int64,
        "on_hold": pl.Boolean,
        "doses": pl.Int64,
    }
)
"""Balance rows at storage locations (not transit), including rows at zero (the product was held there)."""
OUTFLOW = pl.Schema(
    {"facility_id": pl.Int64, "product_id": pl.Int64, "consumption_days": pl.Int64, "doses": pl.Int64}
)
"""Doses used per facility × product over the last `consumption_days` days (today included)."""
TRANSIT = pl.Schema({"facility_id": pl.Int64, "product_id": pl.Int64, "doses": pl.Int64})
OPEN_SHIPMENTS = pl.Schema(
    {
        "shipment_id": pl.Int64,
        "facility_id": pl.Int64,
        "from_code": pl.String,
        "dispatched_on": pl.Date,
        "doses": pl.Int64,
    }
)
RECEIVED_SHIPMENTS = pl.Schema(
    {
        "shipment_id": pl.Int64,
        "facility_id": pl.Int64,
        "from_code": pl.String,
        "received_on": pl.Date,
        "doses_sent": pl.Int64,
        "doses_received": pl.Int64,
        "lines_short": pl.Int64,
        "lines_vvm": pl.Int64,
        "lines_frozen": pl.Int64,
    }
)
COUNTS = pl.Schema({"facility_id": pl.Int64, "last_counted_on": pl.Date, "first_activity_on": pl.Date})
HOLDS = pl.Schema({"lot_id": pl.Int64, "held_on": pl.Date})
LINE_THRESHOLDS = pl.Schema(
    {
        "facility_id": pl.Int64,
        "product_id": pl.Int64,
        "product_code": pl.String,
        "consumption_days": pl.Int64,
        "supply_interval_months": pl.Float64,
        "reserve_share": pl.Float64,
        "lead_time_days": pl.Int64,
        "first_window": pl.Int64,
        "last_window": pl.Int64,
        "expiry_risk_min_doses": pl.Int64,
    }
)
FACILITY_THRESHOLDS = pl.Schema(
    {
        "facility_id": pl.Int64,
        "confirm_within_days": pl.Int64,
        "discrepancy_days": pl.Int64,
        "count_period_days": pl.Int64,
    }
)
CONDITIONS = pl.Schema(
    {
        "key": pl.String,
        "kind": pl.String,
        "facility_id": pl.Int64,
        "product_id": pl.Int64,
        "lot_id": pl.Int64,
        "location_id": pl.Int64,
        "shipment_id": pl.Int64,
        "severity": pl.String,
        "since": pl.Date,
        "numbers": pl.String,
    }
)


def _whole(expr: pl.Expr) -> pl.Expr:
    """Half-up to whole doses, after rounding away float noise (inventory.alerts.domain.whole_doses)."""
    return (expr.round(6) + 0.5).floor().cast(pl.Int64)


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days().cast(pl.Int64)


def _finish(frame: pl.DataFrame, numbers: list[str]) -> pl.DataFrame:
    """The CONDITIONS columns, with the key and the numbers' JSON."""
    for name in ("product_id", "lot_id", "location_id", "shipment_id"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Int64).alias(name))
    if "since" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.Date).alias("since"))
    if "severity" not in frame.columns:
        frame = frame.with_columns(
            pl.col("kind").replace_strict({k.code: k.severity for k in KINDS.values()}).alias("severity")
        )
    key = pl.concat_str(
        [
            pl.col("kind"),
            *[
                pl.col(c).cast(pl.String).fill_null("")
                for c in ("facility_id", "product_id", "lot_id", "location_id", "shipment_id")
            ],
        ],
        separator=":",
    )
    if "ref" in frame.columns:
        # a condition about one excursion or one report: the key ends with it
        key = pl.concat_str([key, pl.col("ref")], separator=":")
    return frame.select(
        key.alias("key"),
        "kind",
        "facility_id",
        "product_id",
        "lot_id",
        "location_id",
        "shipment_id",
        "severity",
        "since",
        pl.struct(numbers).struct.json_encode().alias("numbers"),
    ).cast(dict(CONDITIONS))


def usable(today: date) -> pl.Expr:
    """Issuable today: not on hold, not expired (usable through its expiry day), VVM before stage 3."""
    return (~pl.col("on_hold")) & (pl.col("expires_on") >= today) & (pl.col("vvm_stage") < 3)
