"""The rounding policy's helpers: half-up once (forecasting.numbers), ceilings to whole vials, packs, units."""

from __future__ import annotations

import math

import polars as pl

from forecasting.numbers import Number, half_up


def round_half_up(value: Number, decimals: int = 0) -> float:
    """`value` rounded half away from zero at `decimals`, exactly (forecasting.numbers.half_up), as a float."""
    return float(half_up(value, decimals))


def round_doses(value: Number) -> int:
    """Round a dose count half-up to a whole dose (rounding policy, rule 3)."""
    return int(half_up(value, 0))


def ceil_whole(value: float) -> int:
    # 1000 × 1.11 is 1110.0000000000002 in binary floating point: round before the ceiling.
    return math.ceil(round(value, 6))


def ceil_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return (numerator + denominator - 1) // denominator
