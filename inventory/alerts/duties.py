"""The rules of duties kept on time (pure polars): the twice-daily thermometer reading, an excursion's
undecided lots, equipment reported broken, the monthly report sent by its deadline.

Like inventory.alerts.rules, frames in (one query each, whatever the number of facilities), one frame of
conditions out (rules.CONDITIONS); a condition that concerns one excursion or one report carries a `ref`
that the key ends with.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import polars as pl

from inventory.alerts.frames import CONDITIONS, _days, _finish

EQUIPMENT = pl.Schema(
    {
        "facility_id": pl.Int64,
        "location_id": pl.Int64,
        "location_code": pl.String,
        "equipment_type": pl.String,
        "registered_on": pl.Date,
        "status": pl.String,
        "status_reason": pl.String,
        "status_on": pl.Date,
        "status_by": pl.String,
        "doses": pl.Int64,
    }
)
"""Every piece of cold-chain equipment: its latest status (working when none was recorded after it was
registered) and the doses at its location."""
READINGS = pl.Schema({"location_id": pl.Int64, "day": pl.Date, "period": pl.String})
"""Twice-daily readings entered over the days looked at."""
EXCURSIONS = pl.Schema(
    {
        "excursion_id": pl.Int64,
        "facility_id": pl.Int64,
        "location_id": pl.Int64,
        "location_code": pl.String,
        "excursion_kind": pl.String,
        "alarm_on": pl.Date,
        "lots": pl.Int64,
        "doses": pl.Int64,
    }
)
"""Open excursions with their undecided exposed lots (lots and doses held, awaiting a decision)."""
HELD_BY_EXCURSION = pl.Schema({"lot_id": pl.Int64, "location_id": pl.Int64})
"""Lots held at a place by an open excursion, undecided: the excursion's alert speaks for them."""
SUBMISSIONS = pl.Schema({"facility_code": pl.String, "report": pl.String, "period": pl.String})
DUTY_THRESHOLDS = pl.Schema(
    {
        "facility_id": pl.Int64,
        "reading_days": pl.Int64,
        "reading_morning_hour": pl.Int64,
        "reading_afternoon_hour": pl.Int64,
        "report_grace_days": pl.Int64,
        "report_months": pl.Int64,
    }
)
READ_AT = ("refrigerator", "freezer", "ice_lined_refrigerator", "solar_direct_drive", "cold_room")
"""Storage equipment read twice a day (TT 34/2018 Art 4); cold boxes and vaccine carriers are read during
transport and sessions, not in the storage log."""
MONTHLY_REPORTS = ("usage", "results")
"""The monthly reports of TT 34/2018 Art 17-21: vaccine use (Phụ lục VIII) and vaccination results (Phụ lục IX)."""


def reading_conditions(
    equipment: pl.DataFrame, readings: pl.DataFrame, thresholds: pl.DataFrame, today: date, now: time
) -> pl.DataFrame:
    """Per storage equipment in use (not decommissioned; broken only while it still holds doses): the
    morning and afternoon readings not entered over the last `reading_days` days since it was registered;
    today's morning once `reading_morning_hour` has struck, today's afternoon from `reading_afternoon_hour`."""
    longest = int(thresholds["reading_days"].max() or 1) if thresholds.height else 1
    days = pl.DataFrame({"day": [today - timedelta(days=n) for n in range(longest)]}, schema={"day": pl.Date})
    periods = pl.DataFrame({"period": ["morning", "afternoon"], "order": [0, 1]})
    in_use = equipment.filter(
        pl.col("equipment_type").is_in(READ_AT)
        & (pl.col("status") != "decommissioned")
        & ((pl.col("status") != "broken") | (pl.col("doses") > 0))
    )
    hour = now.hour
    expected = (
        in_use.join(thresholds, on="facility_id")
        .join(days, how="cross")
        .join(periods, how="cross")
        .filter(
            (pl.col("day") > pl.lit(today) - pl.duration(days=pl.col("reading_days")))
            & (pl.col("day") >= pl.col("registered_on"))
            & (
                (pl.col("day") < today)
                | pl.when(pl.col("period") == "morning")
                .then(pl.col("reading_morning_hour") <= hour)
                .otherwise(pl.col("reading_afternoon_hour") <= hour)
            )
        )
    )
    missing = (
        expected.join(readings, on=["location_id", "day", "period"], how="anti")
        .sort("location_id", "day", "order")
        .group_by("facility_id", "location_id", "location_code", "reading_days", maintain_order=True)
        .agg(
            pl.len().alias("missing"),
            pl.col("day").first().alias("first_day"),
            pl.col("period").first().alias("first_period"),
            pl.col("day").last().alias("last_day"),
            pl.col("period").last().alias("last_period"),
        )
        .with_columns(pl.lit("reading_missing").alias("kind"), pl.col("first_day").alias("since"))
    )
    return _finish(
        missing,
        ["location_code", "missing", "first_day", "first_period", "last_day", "last_period", "reading_days"],
    )


def excursion_conditions(excursions: pl.DataFrame, today: date) -> pl.DataFrame:
    """An open excursion with exposed lots still undecided (held where they were): one alert per excursion."""
    waiting = excursions.filter(pl.col("lots") > 0).with_columns(
        pl.lit("excursion_open").alias("kind"),
        pl.col("alarm_on").alias("since"),
        _days(pl.lit(today), pl.col("alarm_on")).alias("days_open"),
        ("x" + pl.col("excursion_id").cast(pl.String)).alias("ref"),
    )
    return _finish(
        waiting, ["location_code", "excursion_kind", "alarm_on", "lots", "doses", "days_open", "excursion_id"]
    )


def equipment_conditions(equipment: pl.DataFrame, today: date) -> pl.DataFrame:
    """Equipment whose latest status is broken (critical) or needs repair (warning), until a later status
    says working or decommissioned."""
    down = equipment.filter(pl.col("status").is_in(("broken", "needs_repair"))).with_columns(
        pl.lit("equipment_broken").alias("kind"),
        pl.when(pl.col("status") == "broken")
        .then(pl.lit("critical"))
        .otherwise(pl.lit("warning"))
        .alias("severity"),
        pl.col("status_on").alias("since"),
        _days(pl.lit(today), pl.col("status_on")).alias("days"),
    )
    return _finish(
        down,
        [
            "location_code",
            "equipment_type",
            "status",
            "status_reason",
            "status_on",
            "status_by",
            "doses",
            "days",
        ],
    )


def report_periods(today: date, months: int) -> list[tuple[str, date]]:
    """The `months` months before today's month, as (label 2026-11, last day), newest first."""
    out, first = [], today.replace(day=1)
    for _ in range(months):
        last = first - timedelta(days=1)
        out.append((f"{last.year:04d}-{last.month:02d}", last))
        first = last.replace(day=1)
    return out


def report_conditions(
    facilities: pl.DataFrame,
    counts: pl.DataFrame,
    submissions: pl.DataFrame,
    deadlines: dict[str, int],
    thresholds: pl.DataFrame,
    today: date,
) -> pl.DataFrame:
    """A monthly report (usage, results) of a station or a district not submitted (any version) once its
    deadline plus `report_grace_days` has passed, for each of the last `report_months` months that ended on
    or after the facility's first posting (a facility not using VaxStock yet owes no report through it).

    `deadlines`: route -> day of the next month the report is due (the reports' calendar settings); the
    deadline day itself is on time."""
    longest = int(thresholds["report_months"].max() or 0) if thresholds.height else 0
    months = report_periods(today, longest)
    if not months or not deadlines:
        return pl.DataFrame(schema=CONDITIONS)
    periods = pl.DataFrame(
        {
            "period": [label for label, _ in months],
            "period_end": [end for _, end in months],
            "age": list(range(1, len(months) + 1)),
        },
        schema={"period": pl.String, "period_end": pl.Date, "age": pl.Int64},
    )
    routes = pl.DataFrame(
        {
            "level": ["commune", "district"],
            "route": ["station_to_district", "district_to_cdc"],
        }
    ).filter(pl.col("route").is_in(list(deadlines)))
    day = pl.col("route").replace_strict(deadlines, return_dtype=pl.Int64)
    reports = pl.DataFrame({"report": list(MONTHLY_REPORTS)})
    owed = (
        facilities.join(routes, on="level")
        .join(counts.select("facility_id", "first_activity_on"), on="facility_id")
        .join(thresholds, on="facility_id")
        .join(periods, how="cross")
        .filter(
            (pl.col("age") <= pl.col("report_months"))
            & pl.col("first_activity_on").is_not_null()
            & (pl.col("first_activity_on") <= pl.col("period_end"))
        )
        .with_columns(
            # the deadline: that day of the month after the period
            due_on=pl.date(
                (pl.col("period_end") + pl.duration(days=1)).dt.year(),
                (pl.col("period_end") + pl.duration(days=1)).dt.month(),
                day,
            )
        )
        .with_columns(late_from=pl.col("due_on") + pl.duration(days=pl.col("report_grace_days") + 1))
        .filter(pl.col("late_from") <= today)
        .join(reports, how="cross")
        .join(submissions, on=["facility_code", "report", "period"], how="anti")
        .with_columns(
            pl.lit("report_overdue").alias("kind"),
            pl.col("late_from").alias("since"),
            _days(pl.lit(today), pl.col("due_on")).alias("days_late"),
            (pl.col("report") + ":" + pl.col("period")).alias("ref"),
        )
    )
    return _finish(owed, ["report", "period", "route", "due_on", "days_late"])


def conditions(
    *,
    today: date,
    now: time,
    facilities: pl.DataFrame,
    counts: pl.DataFrame,
    equipment: pl.DataFrame,
    readings: pl.DataFrame,
    excursions: pl.DataFrame,
    submissions: pl.DataFrame,
    deadlines: dict[str, int],
    thresholds: pl.DataFrame,
) -> pl.DataFrame:
    """Every duty condition of the day."""
    return pl.concat(
        [
            reading_conditions(equipment, readings, thresholds, today, now),
            excursion_conditions(excursions, today),
            equipment_conditions(equipment, today),
            report_conditions(facilities, counts, submissions, deadlines, thresholds, today),
        ]
    )
