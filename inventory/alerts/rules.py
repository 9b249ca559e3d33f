"""The alert rules, set-based: frames read from the ledger in, one frame of conditions out (pure polars).

Each rule returns the conditions of one group of kinds with the columns of CONDITIONS; `numbers` is the JSON
of what the alert shows. No loop runs per lot or per facility: a province is a few joins and group-bys.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from inventory.alerts.domain import DAYS_PER_MONTH, SEVERITY_RANK
from inventory.alerts.expiry import expiry_conditions
from inventory.alerts.frames import (
    CONDITIONS,
    COUNTS,
    FACILITIES,
    FACILITY_THRESHOLDS,
    HOLDS,
    LINE_THRESHOLDS,
    OPEN_SHIPMENTS,
    OUTFLOW,
    RECEIVED_SHIPMENTS,
    STOCK,
    TRANSIT,
    _days,
    _finish,
    _whole,
    usable,
)

__all__ = [
    "CONDITIONS",
    "COUNTS",
    "FACILITIES",
    "FACILITY_THRESHOLDS",
    "HOLDS",
    "LINE_THRESHOLDS",
    "OPEN_SHIPMENTS",
    "OUTFLOW",
    "RECEIVED_SHIPMENTS",
    "STOCK",
    "TRANSIT",
    "_days",
    "_finish",
    "_whole",
    "expiry_conditions",
    "usable",
]


def stock_lines(
    stock: pl.DataFrame,
    outflow: pl.DataFrame,
    transit: pl.DataFrame,
    thresholds: pl.DataFrame,
    today: date,
) -> pl.DataFrame:
    """Per facility × product: usable doses, recent consumption, the thresholds in doses, in transit."""
    usable_doses = (
        stock.lazy()
        .filter(usable(today))
        .group_by("facility_id", "product_id")
        .agg(pl.col("doses").sum().alias("usable"))
    )
    keys = pl.concat(
        [
            stock.lazy().select("facility_id", "product_id"),
            outflow.lazy().select("facility_id", "product_id"),
            transit.lazy().select("facility_id", "product_id"),
        ]
    ).unique()
    used = (
        outflow.lazy()
        .join(
            thresholds.lazy().select("facility_id", "product_id", "consumption_days"),
            on=["facility_id", "product_id", "consumption_days"],
        )
        .group_by("facility_id", "product_id")
        .agg(pl.col("doses").sum().alias("used"))
    )
    in_transit = (
        transit.lazy().group_by("facility_id", "product_id").agg(pl.col("doses").sum().alias("transit"))
    )
    lines = (
        keys.join(thresholds.lazy(), on=["facility_id", "product_id"], how="inner")
        .join(usable_doses, on=["facility_id", "product_id"], how="left")
        .join(used, on=["facility_id", "product_id"], how="left")
        .join(in_transit, on=["facility_id", "product_id"], how="left")
        .with_columns(pl.col("usable", "used", "transit").fill_null(0))
        .with_columns(daily=pl.col("used") / pl.col("consumption_days"))
        .with_columns(amc=pl.col("daily") * DAYS_PER_MONTH)
        .with_columns(
            reserve_months=pl.col("reserve_share") * pl.col("supply_interval_months"),
        )
        .with_columns(
            reorder_months=pl.col("lead_time_days") / DAYS_PER_MONTH + pl.col("reserve_months"),
            maximum_months=pl.col("supply_interval_months") + pl.col("reserve_months"),
        )
        .with_columns(
            reserve=_whole(pl.col("amc") * pl.col("reserve_months")),
            reorder=_whole(pl.col("amc") * pl.col("reorder_months")),
            maximum=_whole(pl.col("amc") * pl.col("maximum_months")),
            lead_need=_whole(pl.col("daily") * pl.col("lead_time_days")),
            months=pl.when(pl.col("used") > 0).then((pl.col("usable") / pl.col("amc")).round(2)),
        )
    )
    return lines.collect()


def level_conditions(lines: pl.DataFrame) -> pl.DataFrame:
    """Stock-out (used lately or on its way), below reserve, below re-order, above maximum: the most severe
    one per line (strict comparisons); and a stock-out predicted within the lead time."""
    has_rate = pl.col("used") > 0
    kind = (
        pl.when((pl.col("usable") <= 0) & (has_rate | (pl.col("transit") > 0)))
        .then(pl.lit("stock_out"))
        .when(has_rate & (pl.col("usable") < pl.col("reserve")))
        .then(pl.lit("below_reserve"))
        .when(has_rate & (pl.col("usable") < pl.col("reorder")))
        .then(pl.lit("below_reorder"))
        .when(has_rate & (pl.col("usable") > pl.col("maximum")))
        .then(pl.lit("above_maximum"))
    )
    numbers = [
        "product_code",
        "usable",
        "transit",
        "used",
        "consumption_days",
        "amc",
        "months",
        "reserve",
        "reorder",
        "maximum",
    ]
    levels = lines.with_columns(kind.alias("kind"), pl.col("amc").round(1)).filter(
        pl.col("kind").is_not_null()
    )
    predicted = lines.filter(
        (pl.col("used") > 0)
        & (pl.col("usable") > 0)
        & (pl.col("usable") + pl.col("transit") < pl.col("lead_need"))
    ).with_columns(
        pl.lit("stock_out_predicted").alias("kind"),
        pl.col("amc").round(1),
        (pl.col("usable") / pl.col("daily")).floor().cast(pl.Int64).alias("days_of_stock"),
    )
    return pl.concat(
        [
            _finish(levels, numbers),
            _finish(predicted, [*numbers, "lead_time_days", "lead_need", "days_of_stock"]),
        ]
    )


def quality_conditions(
    stock: pl.DataFrame, holds: pl.DataFrame, today: date, held_by_excursion: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Expired or VVM 3/4 stock still on a shelf; stock on hold awaiting a decision (per lot and location),
    except a lot held by an open excursion and not decided yet (that excursion's alert speaks for it)."""
    present = stock.filter(pl.col("doses") > 0)
    expired = pl.col("expires_on") < today
    unusable = present.filter(expired | (pl.col("vvm_stage") >= 3)).with_columns(
        pl.lit("unusable_on_shelf").alias("kind"),
        pl.when(expired).then(pl.lit("expired")).otherwise(pl.lit("vvm")).alias("reason"),
        pl.when(expired).then(pl.col("expires_on") + pl.duration(days=1)).alias("since"),
    )
    on_hold = present.filter(pl.col("on_hold"))
    if held_by_excursion is not None:
        on_hold = on_hold.join(held_by_excursion, on=["lot_id", "location_id"], how="anti")
    held = on_hold.join(holds, on="lot_id", how="left").with_columns(
        pl.lit("on_hold").alias("kind"),
        pl.col("held_on").alias("since"),
        _days(pl.lit(today), pl.col("held_on")).alias("days_on_hold"),
    )
    base = ["product_code", "lot_number", "location_code", "doses", "expires_on", "vvm_stage"]
    return pl.concat(
        [_finish(unusable, [*base, "reason"]), _finish(held, [*base, "held_on", "days_on_hold"])]
    )


def shipment_conditions(
    open_shipments: pl.DataFrame, received: pl.DataFrame, thresholds: pl.DataFrame, today: date
) -> pl.DataFrame:
    """Shipments still unconfirmed N days after dispatch (N per destination); confirmations with a
    shortfall, VVM 3/4 or a freeze alarm on arrival, for N days after they were confirmed."""
    late = (
        open_shipments.join(thresholds, on="facility_id")
        .with_columns(days=_days(pl.lit(today), pl.col("dispatched_on")))
        .filter(pl.col("days") >= pl.col("confirm_within_days"))
        .with_columns(
            pl.lit("shipment_unconfirmed").alias("kind"),
            (pl.col("dispatched_on") + pl.duration(days=pl.col("confirm_within_days"))).alias("since"),
        )
    )
    odd = (
        received.join(thresholds, on="facility_id")
        .with_columns(days=_days(pl.lit(today), pl.col("received_on")))
        .filter(
            (pl.col("days") <= pl.col("discrepancy_days"))
            & ((pl.col("lines_short") > 0) | (pl.col("lines_vvm") > 0) | (pl.col("lines_frozen") > 0))
        )
        .with_columns(pl.lit("confirmation_discrepancy").alias("kind"), pl.col("received_on").alias("since"))
    )
    return pl.concat(
        [
            _finish(late, ["from_code", "dispatched_on", "days", "confirm_within_days", "doses"]),
            _finish(
                odd,
                [
                    "from_code",
                    "received_on",
                    "doses_sent",
                    "doses_received",
                    "lines_short",
                    "lines_vvm",
                    "lines_frozen",
                ],
            ),
        ]
    )


def count_conditions(
    stock: pl.DataFrame, counts: pl.DataFrame, thresholds: pl.DataFrame, today: date
) -> pl.DataFrame:
    """A facility holding stock, last counted (or, never counted, first active) more than N days ago."""
    holding = stock.filter(pl.col("doses") > 0).select("facility_id").unique()
    due = (
        holding.join(counts, on="facility_id")
        .join(thresholds, on="facility_id")
        .with_columns(last=pl.coalesce("last_counted_on", "first_activity_on"))
        .filter(pl.col("last").is_not_null())
        .with_columns(days=_days(pl.lit(today), pl.col("last")))
        .filter(pl.col("days") > pl.col("count_period_days"))
        .with_columns(
            pl.lit("count_overdue").alias("kind"),
            (pl.col("last") + pl.duration(days=pl.col("count_period_days") + 1)).alias("since"),
        )
    )
    return _finish(due, ["last_counted_on", "first_activity_on", "days", "count_period_days"])


def conditions(
    *,
    today: date,
    facilities: pl.DataFrame,
    stock: pl.DataFrame,
    outflow: pl.DataFrame,
    transit: pl.DataFrame,
    open_shipments: pl.DataFrame,
    received: pl.DataFrame,
    counts: pl.DataFrame,
    holds: pl.DataFrame,
    line_thresholds: pl.DataFrame,
    facility_thresholds: pl.DataFrame,
    held_by_excursion: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every condition of the day, and the stock lines (for the dashboard's colours)."""
    lines = stock_lines(stock, outflow, transit, line_thresholds, today)
    found = pl.concat(
        [
            level_conditions(lines),
            expiry_conditions(stock, lines, facilities, today),
            quality_conditions(stock, holds, today, held_by_excursion),
            shipment_conditions(open_shipments, received, facility_thresholds, today),
            count_conditions(stock, counts, facility_thresholds, today),
        ]
    ).with_columns(
        pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int64).alias("severity_rank")
    )
    return found, lines
