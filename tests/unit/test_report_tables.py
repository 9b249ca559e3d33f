"""The results report's set-based tables on two communes whose targets differ (a share of 0.0213 and a goal
of 0.95 at one of them), against the same figures worked out here with exact fractions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import polars as pl

from inventory.reports import result_tables

JAN, FEB, MAR = (2026 * 12 + m for m in range(3))
POPULATION = {"TYT-A": 1000, "TYT-B": 1500}
SHARE = {"TYT-A": Fraction("0.02"), "TYT-B": Fraction("0.0213")}
GOAL = {"TYT-A": Fraction("0.9"), "TYT-B": Fraction("0.95")}
GIVEN = [  # commune, antigen, dose, month, doses
    ("TYT-A", "DTP", 1, JAN, 3),
    ("TYT-A", "DTP", 1, MAR, 2),
    ("TYT-A", "DTP", 3, MAR, 1),
    ("TYT-B", "DTP", 1, MAR, 4),
    ("TYT-B", "DTP", 3, MAR, 3),
    ("TYT-B", "MEASLES", 1, FEB, 1),
]


def shown(value: Fraction, places: str = "0.1") -> float:
    return float(
        Decimal(value.numerator / Decimal(value.denominator)).quantize(Decimal(places), ROUND_HALF_UP)
    )


def _tables() -> dict[str, pl.DataFrame]:
    communes = pl.DataFrame({"facility_code": ["TYT-A", "TYT-B"], "district_code": ["TTYT-X", "TTYT-X"]})
    root = {"facility_code": "TTYT-X", "level": "district"}
    d1, d2 = 20, 20  # 31.95 = 639/20 people; goals 18/20 and 19/20
    targets = pl.DataFrame(
        [
            (c, a, d, int(POPULATION[c] * SHARE[c] * d1), int(GOAL[c] * d2))
            for c in POPULATION
            for a, d in (("DTP", 1), ("DTP", 3), ("MEASLES", 1))
        ],
        schema={
            "facility_code": pl.String,
            "antigen": pl.String,
            "dose_number": pl.Int64,
            "target": pl.Int128,
            "goal": pl.Int128,
        },
        orient="row",
    )
    given = pl.DataFrame(
        GIVEN, schema=["facility_code", "antigen", "dose_number", "ym", "doses"], orient="row"
    )
    return result_tables.results_tables(
        groups=result_tables.result_groups(communes, root),
        names={"TYT-A": "Trạm A", "TYT-B": "Trạm B", "TTYT-X": "Huyện X"},
        doses=[("DTP", 1), ("DTP", 3), ("MEASLES", 1)],
        given=given,
        done=pl.DataFrame({"facility_code": ["TYT-B"], "ym": [MAR], "children": [2]}),
        zero=pl.DataFrame({"facility_code": ["TYT-A"], "zero_dose": [5]}),
        targets=targets,
        scale=(d1, d2),
        months=(MAR, MAR, JAN),
        limits=(10, 80),
    )


def test_the_total_sums_exact_targets_and_weights_the_goal_by_each_communes_target() -> None:
    found = _tables()
    target = sum(POPULATION[c] * SHARE[c] for c in POPULATION)  # 20 + 31.95
    aim = sum(POPULATION[c] * SHARE[c] * GOAL[c] for c in POPULATION)  # 18 + 30.3525
    dtp3 = (
        found["results_doses"]
        .filter(pl.col("scope") == "total", pl.col("antigen") == "DTP", pl.col("dose_number") == 3)
        .row(0, named=True)
    )
    assert dtp3["doses"] == 4 and dtp3["doses_ytd"] == 4
    assert dtp3["target"] == shown(target / 12) == 4.3
    assert dtp3["coverage"] == shown(Fraction(4 * 100) / (target / 12)) == 92.4
    assert dtp3["annual_target"] == shown(target) == 52.0
    assert dtp3["plan_ytd"] == shown(aim * 3 / 12, "1") == 12.0
    assert dtp3["plan_ytd_share"] == shown(Fraction(400) / (aim * 3 / 12)) == 33.1


def test_each_commune_its_dropout_coverage_and_problem_flags() -> None:
    found = _tables()["results"]
    a = found.filter(pl.col("facility_code") == "TYT-A").row(0, named=True)
    b = found.filter(pl.col("facility_code") == "TYT-B").row(0, named=True)
    # A in March: DTP1 2, DTP3 1: dropout 50 %; coverage 1 ÷ (20 ÷ 12) = 60 %
    assert (a["dtp1"], a["dtp3"], a["dropout_dtp1_dtp3"], a["coverage_dtp3"]) == (2, 1, 50.0, 60.0)
    assert a["high_dropout"] and a["low_coverage"] and a["zero_dose"] == 5
    # year to date A: DTP1 5, DTP3 1 over 3 months: 80 % dropout; coverage 1 ÷ 5 = 20 %
    assert (a["dtp1_ytd"], a["dropout_dtp1_dtp3_ytd"], a["coverage_dtp3_ytd"]) == (5, 80.0, 20.0)
    # B: DTP1 4, DTP3 3 (25 %); MCV1 none in March: DTP1→MCV1 100 %; coverage 3 ÷ (31.95 ÷ 12)
    assert (b["dropout_dtp1_dtp3"], b["dropout_dtp1_mcv1"]) == (25.0, 100.0)
    assert b["coverage_dtp3"] == shown(Fraction(300) / (Fraction("31.95") / 12)) == 112.7
    assert b["high_dropout"] and not b["low_coverage"] and b["fully_immunized"] == 2
    total = found.filter(pl.col("scope") == "total").row(0, named=True)
    assert (total["facility_name"], total["dtp1"], total["fully_immunized"], total["zero_dose"]) == (
        "Huyện X",
        6,
        2,
        5,
    )


def test_the_monthly_curve_is_cumulative_against_the_plan_line() -> None:
    monthly = _tables()["results_by_month"].filter(pl.col("scope") == "total").sort("month")
    target = Fraction("51.95")
    goal = Fraction("48.3525") / target
    assert monthly["dtp3_cumulative"].to_list() == [0, 0, 4]
    assert monthly["mcv1_cumulative"].to_list() == [0, 1, 1]
    assert monthly["coverage_dtp3_cumulative"].to_list() == [0.0, 0.0, shown(400 / target)]
    assert monthly["plan_cumulative"].to_list() == [shown(goal * 100 * i / 12) for i in (1, 2, 3)]
