"""The duty alerts at their boundaries, against cases worked by hand: the twice-daily reading (TT 34/2018
Art 4: morning and afternoon; missing from 10:00 and 17:00 by default), an excursion's undecided lots, the
equipment's status, and the monthly report's deadline (TT 34/2018 Art 21, vietnam-epi.md §2.5: a station's
report by the 5th of the next month, a district's by the 10th; the deadline day itself is on time)."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import polars as pl
import pytest

from inventory.alerts import domain, duties, rules, thresholds

TODAY = date(2026, 12, 3)
DISTRICT, COMMUNE, PROVINCE = 1, 10, 99
FRIDGE = 1000


def facilities() -> pl.DataFrame:
    return pl.DataFrame(
        [
            (PROVINCE, "CDC", None, "province"),
            (DISTRICT, "TTYT", PROVINCE, "district"),
            (COMMUNE, "TYT-A", DISTRICT, "commune"),
        ],
        schema=rules.FACILITIES,
        orient="row",
    )


def duty_thresholds(**overrides: int) -> pl.DataFrame:
    t = domain.Thresholds(**overrides)  # type: ignore[arg-type]
    return pl.DataFrame(
        [
            (
                f,
                t.reading_days,
                t.reading_morning_hour,
                t.reading_afternoon_hour,
                t.report_grace_days,
                t.report_months,
            )
            for f in (PROVINCE, DISTRICT, COMMUNE)
        ],
        schema=duties.DUTY_THRESHOLDS,
        orient="row",
    )


def fridge(
    *, kind: str = "refrigerator", status: str = "working", doses: int = 100, registered: date | None = None
) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (
                COMMUNE,
                FRIDGE,
                "TL",
                kind,
                registered or date(2026, 1, 1),
                status,
                "compressor" if status != "working" else None,
                date(2026, 11, 30),
                "tramyte",
                doses,
            )
        ],
        schema=duties.EQUIPMENT,
        orient="row",
    )


def readings(*entered: tuple[date, str]) -> pl.DataFrame:
    return pl.DataFrame([(FRIDGE, d, p) for d, p in entered], schema=duties.READINGS, orient="row")


YESTERDAY = TODAY - timedelta(days=1)
BOTH_YESTERDAY = ((YESTERDAY, "morning"), (YESTERDAY, "afternoon"))


def missing(
    at: time, entered: tuple[tuple[date, str], ...], equipment: pl.DataFrame | None = None, **overrides: int
) -> dict | None:
    found = duties.reading_conditions(
        fridge() if equipment is None else equipment,
        readings(*entered),
        duty_thresholds(**overrides),
        TODAY,
        at,
    )
    assert found.height <= 1
    return json.loads(found["numbers"][0]) if found.height else None


@pytest.mark.parametrize(
    ("at", "entered", "expected"),
    [
        (time(9, 59), BOTH_YESTERDAY, None),  # just before the morning's hour
        (time(10, 0), BOTH_YESTERDAY, 1),  # at it: today's morning is missing
        (time(16, 59), (*BOTH_YESTERDAY, (TODAY, "morning")), None),
        (time(17, 0), (*BOTH_YESTERDAY, (TODAY, "morning")), 1),  # the afternoon's hour
        (time(17, 0), BOTH_YESTERDAY, 2),
        (time(8, 0), ((YESTERDAY, "morning"),), 1),  # yesterday's afternoon, still missing this morning
        (time(23, 59), (*BOTH_YESTERDAY, (TODAY, "morning"), (TODAY, "afternoon")), None),
    ],
)
def test_a_missing_reading_at_the_hours_it_is_due(at: time, entered: tuple, expected: int | None) -> None:
    found = missing(at, entered)
    assert (found or {}).get("missing") == expected


def test_a_missing_reading_says_which_and_since_when() -> None:
    found = duties.reading_conditions(fridge(), readings(), duty_thresholds(), TODAY, time(17, 0))
    assert found["since"][0] == YESTERDAY
    numbers = json.loads(found["numbers"][0])
    assert numbers["missing"] == 4
    assert (numbers["first_day"], numbers["first_period"]) == (YESTERDAY.isoformat(), "morning")
    assert (numbers["last_day"], numbers["last_period"]) == (TODAY.isoformat(), "afternoon")


def test_the_days_looked_at_and_the_hours_are_settings() -> None:
    assert missing(time(8, 0), ((YESTERDAY, "morning"),), reading_days=1) is None
    assert missing(time(8, 0), BOTH_YESTERDAY, reading_morning_hour=8)["missing"] == 1
    assert missing(time(7, 59), BOTH_YESTERDAY, reading_morning_hour=8) is None


def test_no_reading_is_expected_before_registration_from_a_carrier_or_out_of_use() -> None:
    assert missing(time(9, 0), (), fridge(registered=TODAY)) is None
    assert missing(time(10, 0), (), fridge(registered=TODAY))["missing"] == 1
    assert missing(time(17, 0), (), fridge(kind="vaccine_carrier")) is None
    assert missing(time(17, 0), (), fridge(status="decommissioned")) is None
    assert missing(time(17, 0), (), fridge(status="broken", doses=0)) is None
    assert missing(time(17, 0), (), fridge(status="broken", doses=5))["missing"] == 4
    assert missing(time(17, 0), (), fridge(status="needs_repair", doses=0))["missing"] == 4


def excursions(*rows: tuple[int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [(x, COMMUNE, FRIDGE, "TL", "freeze", date(2026, 11, 25), lots, 10 * lots) for x, lots in rows],
        schema=duties.EXCURSIONS,
        orient="row",
    )


def test_an_open_excursion_with_undecided_lots_one_alert_each() -> None:
    found = duties.excursion_conditions(excursions((7, 2), (8, 1), (9, 0)), TODAY)
    assert found["key"].to_list() == [
        f"excursion_open:{COMMUNE}:::{FRIDGE}::x7",
        f"excursion_open:{COMMUNE}:::{FRIDGE}::x8",
    ]
    assert found["severity"].to_list() == ["critical", "critical"]
    assert found["since"][0] == date(2026, 11, 25)
    assert json.loads(found["numbers"][0])["days_open"] == 8


def test_a_lot_held_by_an_undecided_excursion_gets_no_on_hold_alert_of_its_own() -> None:
    stock = pl.DataFrame(
        [
            (COMMUNE, FRIDGE, "TL", 5, 1, "BCG", "A", TODAY + timedelta(days=99), 1, True, 40),
            (COMMUNE, FRIDGE, "TL", 6, 1, "BCG", "B", TODAY + timedelta(days=99), 1, True, 40),
        ],
        schema=rules.STOCK,
        orient="row",
    )
    holds = pl.DataFrame([(5, YESTERDAY), (6, YESTERDAY)], schema=rules.HOLDS, orient="row")
    held = pl.DataFrame([(5, FRIDGE)], schema=duties.HELD_BY_EXCURSION, orient="row")
    found = rules.quality_conditions(stock, holds, TODAY, held)
    assert found["lot_id"].to_list() == [6]


@pytest.mark.parametrize(
    ("status", "severity"), [("working", None), ("needs_repair", "warning"), ("broken", "critical")]
)
def test_equipment_broken_or_needing_repair(status: str, severity: str | None) -> None:
    found = duties.equipment_conditions(fridge(status=status), TODAY)
    assert (found["severity"][0] if found.height else None) == severity
    if found.height:
        assert found["since"][0] == date(2026, 11, 30)
        assert json.loads(found["numbers"][0])["days"] == 3


def owed(
    today: date,
    *,
    first: date = date(2025, 1, 1),
    sent: tuple[tuple[str, str, str], ...] = (),
    **overrides: int,
) -> list[tuple[str, str, str]]:
    counts = pl.DataFrame(
        [(f, None, first) for f in (PROVINCE, DISTRICT, COMMUNE)], schema=rules.COUNTS, orient="row"
    )
    found = duties.report_conditions(
        facilities(),
        counts,
        pl.DataFrame(list(sent), schema=duties.SUBMISSIONS, orient="row"),
        {"station_to_district": 5, "district_to_cdc": 10},
        duty_thresholds(**overrides),
        today,
    )
    codes = {COMMUNE: "TYT-A", DISTRICT: "TTYT", PROVINCE: "CDC"}
    return sorted(
        (codes[f], json.loads(n)["report"], json.loads(n)["period"])
        for f, n in found.select("facility_id", "numbers").iter_rows()
    )


def test_a_station_s_monthly_report_is_overdue_the_day_after_the_5th() -> None:
    on_time = owed(date(2026, 12, 5), report_months=1)
    assert on_time == []  # November's deadline is today; October is not looked at
    assert owed(date(2026, 12, 6), report_months=1) == [
        ("TYT-A", "results", "2026-11"),
        ("TYT-A", "usage", "2026-11"),
    ]


def test_a_district_s_report_is_due_by_the_10th_and_the_province_owes_none_here() -> None:
    assert [r for r in owed(date(2026, 12, 10), report_months=1) if r[0] == "TTYT"] == []
    assert [r for r in owed(date(2026, 12, 11), report_months=1) if r[0] == "TTYT"] == [
        ("TTYT", "results", "2026-11"),
        ("TTYT", "usage", "2026-11"),
    ]
    assert not [r for r in owed(date(2027, 3, 1)) if r[0] == "CDC"]


def test_a_submitted_report_a_grace_period_and_months_before_the_first_posting() -> None:
    sent = (("TYT-A", "usage", "2026-11"),)
    assert owed(date(2026, 12, 6), sent=sent, report_months=1) == [("TYT-A", "results", "2026-11")]
    assert owed(date(2026, 12, 7), report_months=1, report_grace_days=2) == []
    assert len(owed(date(2026, 12, 8), report_months=1, report_grace_days=2)) == 2
    # three months looked at on 3 December: October (due 5 November) and September; November not yet due
    periods = {p for f, _, p in owed(TODAY) if f == "TYT-A"}
    assert periods == {"2026-10", "2026-09"}
    assert {p for f, _, p in owed(TODAY, first=date(2026, 10, 31)) if f == "TYT-A"} == {"2026-10"}
    assert owed(TODAY, first=date(2026, 11, 1)) == []


def test_the_threshold_frames_resolve_each_line_as_the_table_does() -> None:
    table = domain.ThresholdTable(
        defaults=domain.Thresholds(consumption_days=60),
        by_product={"PENTA": {"consumption_days": 30, "supply_interval_months": 2.0}},
        by_facility={
            "TYT-A": {"consumption_days": 45, "reading_days": 3, "expiry_windows_days": (10, 20, 40)}
        },
        by_facility_product={("TYT-A", "PENTA"): {"supply_interval_months": 3.0, "lead_time_days": 9}},
    )
    products = [(1, "BCG"), (5, "PENTA")]
    lines, own, duty = thresholds.frames(table, facilities(), products)
    assert lines.height == 6
    codes = {DISTRICT: "TTYT", COMMUNE: "TYT-A", PROVINCE: "CDC"}
    for f, product, days, interval, lead, first, last in lines.select(
        "facility_id",
        "product_code",
        "consumption_days",
        "supply_interval_months",
        "lead_time_days",
        "first_window",
        "last_window",
    ).iter_rows():
        code = codes[f]
        expected = table.for_line(code, product)
        assert (days, interval, lead, first, last) == (
            expected.consumption_days,
            expected.supply_interval_months,
            expected.lead_time_days,
            expected.expiry_windows_days[0],
            expected.expiry_windows_days[-1],
        ), (code, product)
    assert dict(duty.select("facility_id", "reading_days").iter_rows()) == {
        PROVINCE: 2,
        DISTRICT: 2,
        COMMUNE: 3,
    }
    assert own["count_period_days"].to_list() == [90, 90, 90]


def test_an_hour_beyond_the_day_is_refused_naming_it() -> None:
    from inventory.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        domain.check_threshold("reading_morning_hour", 24)
    assert refused.value.field == "value"
    assert domain.check_threshold("reading_afternoon_hour", 23) == 23
