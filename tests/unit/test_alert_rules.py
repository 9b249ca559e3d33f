"""Each alert kind at its boundaries (just under, at, just over), against numbers worked out by hand from
reference/who-rules.md §1.6: with 900 doses used over 90 days the rate is 10 doses a day, 304 a month
(30.4 days); a 1-month supply period and 25 % reserve give s_min = 76 doses, s_max = 304 + 76 = 380, and with a
14-day lead time s_critical = 140 + 76 = 216 doses; a stock-out is predicted below 140 doses (14 days)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
import pytest

from inventory.alerts import domain, rules

TODAY = date(2026, 12, 3)
COMMUNE, SIBLING, DISTRICT, FAR = 10, 11, 1, 20
PRODUCT = 5


def facilities() -> pl.DataFrame:
    return pl.DataFrame(
        [
            (DISTRICT, "TTYT", None, "district"),
            (COMMUNE, "TYT-A", DISTRICT, "commune"),
            (SIBLING, "TYT-B", DISTRICT, "commune"),
            (FAR, "TYT-Z", 99, "commune"),
        ],
        schema=rules.FACILITIES,
        orient="row",
    )


def stock_row(
    facility: int,
    lot: int,
    doses: int,
    *,
    expires_in: int = 300,
    vvm: int = 1,
    hold: bool = False,
    location: int | None = None,
) -> tuple:
    return (
        facility,
        location or facility * 100,
        f"TL-{facility}",
        lot,
        PRODUCT,
        "PENTA",
        f"L{lot}",
        TODAY + timedelta(days=expires_in),
        vvm,
        hold,
        doses,
    )


def world(
    *,
    stock: list[tuple] = (),
    used: dict[int, int] | None = None,
    transit: int = 0,
    open_shipments: list[tuple] = (),
    received: list[tuple] = (),
    counts: list[tuple] = (),
    holds: list[tuple] = (),
    **overrides: object,
) -> pl.DataFrame:
    """The conditions of a small district; `used` = doses used per facility over the last 90 days."""
    used = {COMMUNE: 900} if used is None else used
    t = domain.Thresholds(**overrides)  # type: ignore[arg-type]
    outflow = [(f, PRODUCT, t.consumption_days, d) for f, d in used.items()]
    lines = pl.DataFrame(
        [
            (
                f,
                PRODUCT,
                "PENTA",
                t.consumption_days,
                t.supply_interval_months,
                t.reserve_share,
                t.lead_time_days,
                t.expiry_windows_days[0],
                t.expiry_windows_days[-1],
                t.expiry_risk_min_doses,
            )
            for f in (DISTRICT, COMMUNE, SIBLING, FAR)
        ],
        schema=rules.LINE_THRESHOLDS,
        orient="row",
    )
    per_facility = pl.DataFrame(
        [
            (f, t.confirm_within_days, t.discrepancy_days, t.count_period_days)
            for f in (DISTRICT, COMMUNE, SIBLING, FAR)
        ],
        schema=rules.FACILITY_THRESHOLDS,
        orient="row",
    )
    found, _ = rules.conditions(
        today=TODAY,
        facilities=facilities(),
        stock=pl.DataFrame(list(stock), schema=rules.STOCK, orient="row"),
        outflow=pl.DataFrame(outflow, schema=rules.OUTFLOW, orient="row"),
        transit=pl.DataFrame(
            [(COMMUNE, PRODUCT, transit)] if transit else [], schema=rules.TRANSIT, orient="row"
        ),
        open_shipments=pl.DataFrame(list(open_shipments), schema=rules.OPEN_SHIPMENTS, orient="row"),
        received=pl.DataFrame(list(received), schema=rules.RECEIVED_SHIPMENTS, orient="row"),
        counts=pl.DataFrame(list(counts), schema=rules.COUNTS, orient="row"),
        holds=pl.DataFrame(list(holds), schema=rules.HOLDS, orient="row"),
        line_thresholds=lines,
        facility_thresholds=per_facility,
    )
    return found


def kinds(found: pl.DataFrame, facility: int = COMMUNE) -> set[str]:
    return set(found.filter(pl.col("facility_id") == facility)["kind"].to_list())


def numbers(found: pl.DataFrame, kind: str) -> dict:
    return json.loads(found.filter(pl.col("kind") == kind)["numbers"][0])


def test_the_thresholds_in_months_follow_who_s1() -> None:
    t = domain.Thresholds()
    assert t.reserve_months == pytest.approx(0.25)
    assert t.maximum_months == pytest.approx(1.25)
    assert t.reorder_months == pytest.approx(14 / 30.4 + 0.25)
    # who-rules.md E6 on a 2-week period of 80 doses: s_min 20, s_max 100
    assert domain.whole_doses(80 * 0.25) == 20 and domain.whole_doses(80 + 20) == 100


@pytest.mark.parametrize(
    ("usable", "expected"),
    [
        (0, {"stock_out"}),
        (1, {"below_reserve"}),
        (75, {"below_reserve"}),
        (76, {"below_reorder"}),
        (77, {"below_reorder"}),
        (215, set()),  # 215 + nothing in transit is above 140: no predicted stock-out either
        (216, set()),
        (217, set()),
        (379, set()),
        (380, set()),
        (381, {"above_maximum"}),
    ],
)
def test_stock_levels_at_their_boundaries(usable: int, expected: set[str]) -> None:
    found = world(stock=[stock_row(COMMUNE, 1, usable)])
    got = kinds(found) - {"stock_out_predicted"}
    if usable == 215:
        assert got == {"below_reorder"}
    else:
        assert got == expected


def test_the_level_alert_carries_its_numbers() -> None:
    n = numbers(world(stock=[stock_row(COMMUNE, 1, 75)]), "below_reserve")
    assert (n["usable"], n["reserve"], n["reorder"], n["maximum"], n["amc"]) == (75, 76, 216, 380, 304.0)
    assert n["months"] == pytest.approx(0.25, abs=0.01)


def test_a_product_not_used_lately_and_not_on_its_way_raises_no_stock_out() -> None:
    assert kinds(world(stock=[stock_row(COMMUNE, 1, 0)], used={})) == set()
    assert kinds(world(stock=[stock_row(COMMUNE, 1, 0)], used={}, transit=50)) == {"stock_out"}


def test_a_facility_without_consumption_gets_no_level_alert_however_much_it_holds() -> None:
    assert kinds(world(stock=[stock_row(COMMUNE, 1, 100_000)], used={})) == set()


def test_unusable_stock_does_not_count_towards_the_level() -> None:
    found = world(stock=[stock_row(COMMUNE, 1, 500, hold=True), stock_row(COMMUNE, 2, 0)])
    assert "stock_out" in kinds(found)


@pytest.mark.parametrize(
    ("usable", "transit", "predicted"), [(139, 0, True), (140, 0, False), (141, 0, False), (139, 1, False)]
)
def test_a_stock_out_is_predicted_when_stock_and_transit_last_less_than_the_lead_time(
    usable: int, transit: int, predicted: bool
) -> None:
    found = world(stock=[stock_row(COMMUNE, 1, usable)], transit=transit)
    assert ("stock_out_predicted" in kinds(found)) is predicted
    if predicted:
        assert numbers(found, "stock_out_predicted")["days_of_stock"] == 13


@pytest.mark.parametrize(
    ("days_left", "severity"), [(29, "warning"), (30, "warning"), (31, "info"), (90, "info"), (91, None)]
)
def test_lots_expiring_within_the_windows(days_left: int, severity: str | None) -> None:
    found = world(stock=[stock_row(COMMUNE, 1, 300, expires_in=days_left)], used={})
    rows = found.filter(pl.col("kind") == "expiring")
    assert (rows["severity"][0] if rows.height else None) == severity


def test_an_expiring_lot_expires_usable_on_its_last_day() -> None:
    found = world(stock=[stock_row(COMMUNE, 1, 300, expires_in=0)], used={})
    assert kinds(found) == {"expiring"}


@pytest.mark.parametrize(("doses", "at_risk"), [(99, None), (100, None), (101, 1)])
def test_doses_at_risk_at_the_boundary_of_what_the_rate_uses(doses: int, at_risk: int | None) -> None:
    # 10 doses a day, the lot usable for 10 more days (today through day 9): 100 doses can be used
    found = world(stock=[stock_row(COMMUNE, 1, doses, expires_in=9)])
    rows = found.filter(pl.col("kind") == "expiry_risk")
    assert (json.loads(rows["numbers"][0])["at_risk"] if rows.height else None) == at_risk


def test_doses_at_risk_follow_eefo_across_lots() -> None:
    # lot 1: 80 doses usable 5 days (50 used, 30 expire); lot 2 then gets days 5-9: 50 used of 60, 10 expire
    found = world(stock=[stock_row(COMMUNE, 1, 80, expires_in=4), stock_row(COMMUNE, 2, 60, expires_in=9)])
    risk = {
        json.loads(n)["lot_number"]: json.loads(n)["at_risk"]
        for n in found.filter(pl.col("kind") == "expiry_risk")["numbers"]
    }
    assert risk == {"L1": 30, "L2": 10}


def test_doses_at_risk_come_with_a_redistribution_to_a_facility_that_uses_them_in_time() -> None:
    # commune A: 50 doses of lot 2 at risk; sibling B uses 20 a day and holds nothing: room 200 in 10 days;
    # TYT-Z uses more but is supplied by another store: not suggested
    found = world(
        stock=[stock_row(COMMUNE, 1, 50, expires_in=4), stock_row(COMMUNE, 2, 100, expires_in=9)],
        used={COMMUNE: 900, SIBLING: 1800, FAR: 9000},
    )
    n = [json.loads(x) for x in found.filter(pl.col("kind") == "expiry_risk")["numbers"]]
    assert [(x["lot_number"], x["at_risk"], x["to_facility"], x["to_doses"]) for x in n] == [
        ("L2", 50, "TYT-B", 50)
    ]


def test_the_suggestion_counts_the_stock_the_other_facility_will_use_first() -> None:
    # sibling B: 2 doses a day over 10 days = room 20, less its own 15 doses expiring earlier = 5
    found = world(
        stock=[stock_row(COMMUNE, 2, 150, expires_in=9), stock_row(SIBLING, 7, 15, expires_in=3)],
        used={COMMUNE: 900, SIBLING: 180},
    )
    n = numbers(found.filter(pl.col("facility_id") == COMMUNE), "expiry_risk")
    assert (n["at_risk"], n["to_facility"], n["to_doses"]) == (50, "TYT-B", 5)


@pytest.mark.parametrize(
    ("expires_in", "vvm", "doses", "alert"),
    [
        (-1, 1, 10, True),
        (0, 1, 10, False),
        (100, 2, 10, False),
        (100, 3, 10, True),
        (100, 4, 10, True),
        (-1, 1, 0, False),
    ],
)
def test_expired_or_vvm_3_4_stock_on_the_shelf(expires_in: int, vvm: int, doses: int, alert: bool) -> None:
    found = world(stock=[stock_row(COMMUNE, 1, doses, expires_in=expires_in, vvm=vvm)], used={})
    assert ("unusable_on_shelf" in kinds(found)) is alert


def test_stock_on_hold_says_since_when() -> None:
    held_on = TODAY - timedelta(days=12)
    found = world(stock=[stock_row(COMMUNE, 1, 40, hold=True)], holds=[(1, held_on)], used={})
    row = found.filter(pl.col("kind") == "on_hold")
    assert row["since"][0] == held_on and json.loads(row["numbers"][0])["days_on_hold"] == 12
    assert kinds(world(stock=[stock_row(COMMUNE, 1, 0, hold=True)], used={})) == set()


@pytest.mark.parametrize(("days", "alert"), [(6, False), (7, True), (8, True)])
def test_a_shipment_unconfirmed_n_days_after_dispatch(days: int, alert: bool) -> None:
    found = world(open_shipments=[(41, COMMUNE, "TTYT", TODAY - timedelta(days=days), 200)], used={})
    assert ("shipment_unconfirmed" in kinds(found)) is alert


@pytest.mark.parametrize(
    ("days", "short", "alert"), [(30, 1, True), (31, 1, False), (0, 0, False), (3, 0, True)]
)
def test_a_confirmation_with_a_discrepancy_stays_for_its_window(days: int, short: int, alert: bool) -> None:
    vvm = 1 if (days, short) == (3, 0) else 0
    found = world(
        received=[(42, COMMUNE, "TTYT", TODAY - timedelta(days=days), 200, 200 - 10 * short, short, vvm, 0)],
        used={},
    )
    assert ("confirmation_discrepancy" in kinds(found)) is alert


@pytest.mark.parametrize(("days", "alert"), [(89, False), (90, False), (91, True)])
def test_a_count_overdue_after_its_period(days: int, alert: bool) -> None:
    found = world(
        stock=[stock_row(COMMUNE, 1, 400)], counts=[(COMMUNE, TODAY - timedelta(days=days), None)], used={}
    )
    assert ("count_overdue" in kinds(found)) is alert


def test_a_facility_never_counted_is_overdue_from_its_first_posting_and_one_without_stock_never() -> None:
    first = TODAY - timedelta(days=91)
    assert "count_overdue" in kinds(
        world(stock=[stock_row(COMMUNE, 1, 400)], counts=[(COMMUNE, None, first)], used={})
    )
    assert kinds(world(stock=[stock_row(COMMUNE, 1, 0)], counts=[(COMMUNE, None, first)], used={})) == set()


def test_thresholds_resolve_facility_product_over_facility_over_product_over_default() -> None:
    table = domain.ThresholdTable(
        defaults=domain.Thresholds(consumption_days=60),
        by_product={"PENTA": {"consumption_days": 30, "supply_interval_months": 2.0}},
        by_facility={"TYT-A": {"consumption_days": 45, "confirm_within_days": 3}},
        by_facility_product={("TYT-A", "PENTA"): {"supply_interval_months": 3.0}},
    )
    line = table.for_line("TYT-A", "PENTA")
    assert (line.consumption_days, line.supply_interval_months, line.confirm_within_days) == (45, 3.0, 3)
    assert table.for_line("TYT-B", "PENTA").consumption_days == 30
    assert table.for_line("TYT-B", "MR").consumption_days == 60


def test_an_impossible_threshold_is_refused_naming_it() -> None:
    from inventory.errors import ValidationFailed

    for name, value in [
        ("consumption_days", 0),
        ("expiry_windows_days", [-1]),
        ("supply_interval_months", 0),
        ("nope", 1),
    ]:
        with pytest.raises(ValidationFailed):
            domain.check_threshold(name, value)
    assert domain.check_threshold("expiry_windows_days", [90, 30]) == (30, 90)
