"""The alert rules, set-based: frames read from the ledger in, one frame of conditions out (pure polars).

Each rule returns the conditions of one group of kinds with the columns of CONDITIONS; `numbers` is the JSON
of what the alert shows. No loop runs per lot or per facility: a province is a few joins and group-bys.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from inventory.alerts.domain import DAYS_PER_MONTH, KINDS, SEVERITY_RANK

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


def expiry_conditions(
    stock: pl.DataFrame, lines: pl.DataFrame, facilities: pl.DataFrame, today: date
) -> pl.DataFrame:
    """Usable lots expiring within the windows (per location); doses that will expire before they can be
    used at the current rate, per lot in EEFO order, with a facility nearby that would use them in time."""
    live = stock.filter(usable(today) & (pl.col("doses") > 0)).with_columns(
        days_left=_days(pl.col("expires_on"), pl.lit(today))
    )
    windows = lines.select(
        "facility_id", "product_id", "first_window", "last_window", "expiry_risk_min_doses"
    )
    expiring = (
        live.join(windows, on=["facility_id", "product_id"])
        .filter(pl.col("days_left") <= pl.col("last_window"))
        .with_columns(
            pl.lit("expiring").alias("kind"),
            pl.when(pl.col("days_left") <= pl.col("first_window"))
            .then(pl.lit("warning"))
            .otherwise(pl.lit("info"))
            .alias("severity"),
            pl.when(pl.col("days_left") <= pl.col("first_window"))
            .then(pl.col("first_window"))
            .otherwise(pl.col("last_window"))
            .alias("window"),
        )
    )
    expiring_out = _finish(
        expiring,
        ["product_code", "lot_number", "location_code", "doses", "expires_on", "days_left", "window"],
    )

    # EEFO at each facility: A_i = min(A_{i-1} + doses_i, capacity_i) with capacity_i = daily × days until the
    # lot's expiry (inclusive) nondecreasing, whose closed form is A_i = S_i + min(0, min_{j<=i}(c_j - S_j)).
    rates = lines.filter(pl.col("used") > 0).select(
        "facility_id", "product_id", "daily", "expiry_risk_min_doses"
    )
    lots = (
        live.group_by(
            "facility_id", "product_id", "product_code", "lot_id", "lot_number", "expires_on", "days_left"
        )
        .agg(pl.col("doses").sum())
        .join(rates, on=["facility_id", "product_id"])
        .sort("facility_id", "product_id", "expires_on", "lot_id")
        .with_columns(capacity=pl.col("daily") * (pl.col("days_left") + 1))
        .with_columns(cum=pl.col("doses").cum_sum().over("facility_id", "product_id"))
        .with_columns(
            slack=(pl.col("capacity") - pl.col("cum"))
            .cum_min()
            .over("facility_id", "product_id")
            .clip(upper_bound=0)
        )
        .with_columns(absorbed=pl.col("cum") + pl.col("slack"))
        .with_columns(used_before=pl.col("absorbed").shift(1, fill_value=0).over("facility_id", "product_id"))
        .with_columns(at_risk=_whole(pl.col("doses") - (pl.col("absorbed") - pl.col("used_before"))))
    )
    at_risk = lots.filter(pl.col("at_risk") >= pl.col("expiry_risk_min_doses"))
    suggestion = _redistribution(at_risk, live, lines, facilities)
    at_risk = at_risk.join(suggestion, on=["facility_id", "lot_id"], how="left")
    risk_out = _finish(
        at_risk.with_columns(
            pl.lit("expiry_risk").alias("kind"), (pl.col("daily") * 30.4).round(1).alias("amc")
        ),
        [
            "product_code",
            "lot_number",
            "doses",
            "expires_on",
            "days_left",
            "amc",
            "at_risk",
            "to_facility",
            "to_doses",
        ],
    )
    return pl.concat([expiring_out, risk_out])


def _redistribution(
    at_risk: pl.DataFrame, live: pl.DataFrame, lines: pl.DataFrame, facilities: pl.DataFrame
) -> pl.DataFrame:
    """For each lot at risk, the nearby facility (sharing a supplier, supplied by it, or supplying it) with the
    most room to use it before it expires: its rate × days left, less its own usable stock of the product
    expiring on or before that day (used first, EEFO). Suggest min(doses at risk, room)."""
    fac = facilities.select("facility_id", "supplier_id", "facility_code")
    rows = at_risk.select("facility_id", "product_id", "lot_id", "expires_on", "days_left", "at_risk").join(
        fac.select("facility_id", "supplier_id"), on="facility_id"
    )
    others = fac.rename(
        {"facility_id": "to_id", "supplier_id": "to_supplier", "facility_code": "to_facility"}
    )
    pairs = rows.join(others, how="cross").filter(
        (pl.col("to_id") != pl.col("facility_id"))
        & (
            ((pl.col("to_supplier") == pl.col("supplier_id")) & pl.col("supplier_id").is_not_null())
            | (pl.col("to_supplier") == pl.col("facility_id"))
            | (pl.col("to_id") == pl.col("supplier_id"))
        )
    )
    their_rate = lines.filter(pl.col("used") > 0).select(
        pl.col("facility_id").alias("to_id"), "product_id", pl.col("daily").alias("to_daily")
    )
    pairs = pairs.join(their_rate, on=["to_id", "product_id"])
    their_stock = live.select(
        pl.col("facility_id").alias("to_id"),
        "product_id",
        pl.col("expires_on").alias("their_expiry"),
        pl.col("doses").alias("their_doses"),
    )
    earlier = (
        pairs.select("facility_id", "lot_id", "to_id", "product_id", "expires_on")
        .join(their_stock, on=["to_id", "product_id"])
        .filter(pl.col("their_expiry") <= pl.col("expires_on"))
        .group_by("facility_id", "lot_id", "to_id")
        .agg(pl.col("their_doses").sum().alias("ahead"))
    )
    pairs = (
        pairs.join(earlier, on=["facility_id", "lot_id", "to_id"], how="left")
        .with_columns(pl.col("ahead").fill_null(0))
        .with_columns(
            room=(pl.col("to_daily") * (pl.col("days_left") + 1)).floor().cast(pl.Int64) - pl.col("ahead")
        )
        .filter(pl.col("room") >= 1)
        .sort(["facility_id", "lot_id", "room", "to_facility"], descending=[False, False, True, False])
        .unique(["facility_id", "lot_id"], keep="first", maintain_order=True)
        .with_columns(to_doses=pl.min_horizontal("room", "at_risk"))
    )
    return pairs.select("facility_id", "lot_id", "to_facility", "to_doses")


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
