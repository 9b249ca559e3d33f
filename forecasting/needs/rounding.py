"""The rounding policy's helpers: half-up to whole doses, and ceilings to whole vials, packs and units."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import polars as pl


def round_half_up(value: float, decimals: int = 0) -> float:
    """Round half away from zero at ``decimals``, on the shortest decimal form of the float."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def round_doses(value: float) -> int:
    """Round a dose count half-up to a whole dose (rounding policy, rule 3)."""
    return int(round_half_up(value, 0))


def ceil_whole(value: float) -> int:
    # 1000 × 1.11 is 1110.0000000000002 in binary floating point: round before the ceiling.
    return math.ceil(round(value, 6))


def round_int(expr: pl.Expr) -> pl.Expr:
    return expr.round(0, mode="half_away_from_zero").cast(pl.Int64)


def ceil_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return (numerator + denominator - 1) // denominator
