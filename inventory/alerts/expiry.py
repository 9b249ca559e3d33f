"""Expiry rules (pure polars): usable lots expiring within the windows, and doses that will expire before the
current rate of use can take them, per lot in EEFO order, with a facility nearby that would use them in time."""

from __future__ import annotations

from datetime import date

import polars as pl

from inventory.alerts.frames import _days, _finish, _whole, usable


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
