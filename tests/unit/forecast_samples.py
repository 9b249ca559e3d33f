"""A small Mường Tè-like district as polars LazyFrames, shared by the forecasting unit tests."""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.needs import BACKLOG, CONSUMPTION, FACILITIES, PRODUCTS, STOCK, TARGETS, forecast_needs
from forecasting.periods import parse_period

TODAY = date(2026, 5, 15)
DISTRICT = "107"

PRODUCT_ROWS = [
    # code, name, doses/vial, vials/pack, diluent?, diluent code, MDVP, presentation, doses, target group
    ("PENTA", "DPT-VGB-Hib (5 trong 1)", 1, 50, False, None, True, "liquid", 3, "surviving_infants"),
    ("BCG", "Vắc xin lao (BCG)", 10, 20, False, "BCG-DIL", False, "lyophilised", 1, "births"),
    ("BCG-DIL", "Dung môi BCG", 10, 20, True, None, False, "liquid", None, None),
    ("BOPV", "Bại liệt uống (bOPV)", 20, 10, False, None, True, "liquid", 3, "surviving_infants"),
    ("TD", "Uốn ván - bạch hầu (Td)", 10, 10, False, None, True, "liquid", 1, "children_7y"),
]

FACILITY_ROWS = [
    (DISTRICT, "Trung tâm Y tế huyện Mường Tè", "district", None, None),
    ("03451", "Trạm Y tế xã Mù Cả", "commune", DISTRICT, 4_000),
    ("03463", "Trạm Y tế xã Tà Tổng", "commune", DISTRICT, 6_000),
    ("03466", "Trạm Y tế xã Bum Nưa", "commune", DISTRICT, 5_000),
]


def products() -> pl.LazyFrame:
    """The sample product catalogue."""
    return pl.LazyFrame(PRODUCT_ROWS, schema=PRODUCTS, orient="row")


def facilities() -> pl.LazyFrame:
    """The district store and three communes."""
    return pl.LazyFrame(FACILITY_ROWS, schema=FACILITIES, orient="row")


def months_before(today: date, count: int) -> list[date]:
    """First days of the ``count`` whole months before the month of ``today``, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(count, 0, -1)]


def history(today: date = TODAY) -> pl.LazyFrame:
    """Two years of monthly use at Mù Cả and Tà Tổng; Bum Nưa has no history (indicative wastage)."""
    rows = []
    for i, month in enumerate(months_before(today, 24)):
        rows.append(("03451", "PENTA", month, 20, 19, 0, 60 + i))
        rows.append(("03451", "BCG", month, 10, 4, 0, 30))
        rows.append(("03463", "PENTA", month, 30, 28, 3 if i == 23 else 0, 80))
        rows.append(("03463", "BOPV", month, 40, 30, 0, 100))
    return pl.LazyFrame(rows, schema=CONSUMPTION, orient="row")


def stock() -> pl.LazyFrame:
    """Stock on hand and in transit (doses) at the district and two communes."""
    rows = [
        (DISTRICT, "PENTA", 200, 100),
        (DISTRICT, "BCG", 100, 0),
        ("03451", "PENTA", 40, 0),
        ("03463", "PENTA", 900, 0),  # overstocked: its own order is zero
        ("03463", "BOPV", 120, 40),
    ]
    return pl.LazyFrame(rows, schema=STOCK, orient="row")


def backlog() -> pl.LazyFrame:
    """Overdue catch-up doses per commune, as the register computes them."""
    rows = [("03451", "PENTA", 24), ("03466", "PENTA", 60), ("03466", "BOPV", 45), ("03463", "TD", 12)]
    return pl.LazyFrame(rows, schema=BACKLOG, orient="row")


def targets() -> pl.LazyFrame:
    """A target list for Bum Nưa's surviving infants."""
    return pl.LazyFrame([("03466", "surviving_infants", 95)], schema=TARGETS, orient="row")


# --- Running the forecast on the sample (tests/unit/test_needs_*.py) ------------------------------

YEAR = parse_period("2027")
MONTH = parse_period("2026-06")


def run(period=YEAR, parameters=None, **frames) -> pl.DataFrame:
    inputs = {
        "products": products(),
        "facilities": facilities(),
        "history": history(),
        "stock": stock(),
        "backlog": backlog(),
        "targets": targets(),
    }
    inputs.update(frames)
    return forecast_needs(period=period, today=TODAY, parameters=parameters, **inputs).collect()


def line(df: pl.DataFrame, scope: str, facility: str | None, product: str) -> dict:
    rows = df.filter(
        (pl.col("scope") == scope)
        & (pl.col("product_code") == product)
        & (pl.col("facility_code").is_null() if facility is None else pl.col("facility_code") == facility)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


def single_commune(
    *, population=None, target=None, history_rows=(), stock_row=(0, 0), backlog_doses=0, product=None
) -> dict[str, pl.LazyFrame]:
    product_row = product or (
        "PENTA",
        "DPT-VGB-Hib",
        1,
        50,
        False,
        None,
        True,
        "liquid",
        3,
        "surviving_infants",
    )
    code = product_row[0]
    return {
        "products": pl.LazyFrame([product_row], schema=PRODUCTS, orient="row"),
        "facilities": pl.LazyFrame(
            [("X", "Trạm Y tế xã X", "commune", None, population)], schema=FACILITIES, orient="row"
        ),
        "history": pl.LazyFrame([("X", code, *r) for r in history_rows], schema=CONSUMPTION, orient="row"),
        "stock": pl.LazyFrame([("X", code, *stock_row)], schema=STOCK, orient="row"),
        "backlog": pl.LazyFrame([("X", code, backlog_doses)], schema=BACKLOG, orient="row"),
        "targets": pl.LazyFrame(
            [] if target is None else [("X", product_row[9], target)], schema=TARGETS, orient="row"
        ),
    }
