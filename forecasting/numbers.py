"""Exact numbers, rounded once: the one rounding rule of every rate, factor and need VaxStock prints.

A rate or factor computed from counts (490 doses used for 400 given: a wastage factor of 490/400) is kept
as an exact fraction until the one place it is rounded, half-up (half away from zero), to the decimals it
is shown with, so a tie such as 1.225 always becomes 1.23: in the scalar formulas, in the polars
pipeline, in the workbook and on the pages. Binary floating point would make 1/(1 − 90/490) a hair
below 1.225 and round it to 1.22.

A number given as a float (a setting such as coverage 0.9 or a wastage rate 0.25) counts with
:data:`SCALE` decimals: `fraction_of(0.9)` is exactly 9/10 in both paths.

Scalar helpers (`fraction_of`, `half_up`, `ratio_half_up`, `percent_half_up`) and their polars
counterparts (`scaled`, `div_half_up`, `ratio_rounded`) live side by side so the two paths cannot drift;
the forecast (forecasting.needs) and the monthly reports use them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from numbers import Rational

import polars as pl

SCALE = 10**9
"""A float setting is read to 9 decimals (10⁻⁷ %): round(value × 10⁹) / 10⁹, in both paths."""
EXACT = pl.Int128
"""The integer type exact numerators and denominators are computed in (no overflow at district sizes)."""

Number = int | float | Decimal | Fraction


def fraction_of(value: Number) -> Fraction:
    """The exact value of a count, a fraction or a decimal; a float is read to :data:`SCALE` decimals."""
    if isinstance(value, bool):
        raise TypeError("a number is required, not a bool")
    if isinstance(value, Rational | Decimal):
        return Fraction(value)
    return Fraction(round(value * SCALE), SCALE)


def half_up(value: Number, decimals: int = 0) -> Decimal:
    """`value` rounded half away from zero to `decimals` places, exactly (1.225 → 1.23, −0.5 → −1)."""
    exact = fraction_of(value)
    scaled = abs(exact) * 10**decimals
    whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    rounded = Decimal(whole if exact >= 0 else -whole).scaleb(-decimals)
    return rounded.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def ratio_half_up(numerator: int, denominator: int, decimals: int = 0) -> Decimal:
    """numerator ÷ denominator, computed exactly and rounded once, half-up (490, 400, 2 → 1.23)."""
    if denominator == 0:
        raise ZeroDivisionError("a ratio needs a denominator other than 0")
    return half_up(Fraction(numerator, denominator), decimals)


def percent_half_up(part: int, whole: int, decimals: int = 1) -> Decimal:
    """part ÷ whole × 100, rounded once, half-up (a usage or wastage rate in %: 6043, 8595 → 70.3)."""
    return ratio_half_up(100 * part, whole, decimals)


# --- the same in polars ----------------------------------------------------------------------------


def scaled(expr: pl.Expr) -> pl.Expr:
    """The exact numerator over :data:`SCALE` of a Float64 column, as :func:`fraction_of` reads a float."""
    return (expr * SCALE).round(0, mode="half_to_even").cast(EXACT)


def div_half_up(numerator: pl.Expr, denominator: pl.Expr, decimals: int = 0) -> pl.Expr:
    """round_half_up(numerator ÷ denominator × 10^decimals), as an exact integer (null when ÷ 0 or null)."""
    n = numerator.cast(EXACT) * (10**decimals)
    d = denominator.cast(EXACT)
    zero = pl.lit(0, dtype=EXACT)  # Int128 has no neg or abs in polars: subtract from zero instead
    a = pl.when(n < 0).then(zero - n).otherwise(n)
    b = pl.when(d < 0).then(zero - d).otherwise(d)
    whole = (2 * a + b) // (2 * b)
    negative = (n < 0) != (d < 0)
    return pl.when(d == 0).then(None).when(negative).then(zero - whole).otherwise(whole)


def ratio_rounded(numerator: pl.Expr, denominator: pl.Expr, decimals: int = 0) -> pl.Expr:
    """numerator ÷ denominator rounded half-up once to `decimals`, as the Float64 nearest that decimal."""
    rounded = div_half_up(numerator, denominator, decimals)
    if decimals == 0:
        return rounded.cast(pl.Int64)
    return rounded.cast(pl.Float64) / (10**decimals)
