"""The WHO scalar formulas, one number at a time (the published worked examples are tested against these)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from forecasting.needs.rounding import ceil_whole, round_doses, round_half_up
from forecasting.needs.settings import (
    WHO_INDICATIVE_WASTAGE,
    IndicativeWastage,
    check_setting,
    is_number,
    refuse,
)
from forecasting.numbers import Number, fraction_of
from forecasting.periods import ForecastParameterError


def usage_rate(doses_used: int, doses_administered: int) -> Fraction:
    """Vaccine usage rate = administered ÷ used (S31), as an exact fraction (round it once, where shown)."""
    if doses_used <= 0:
        raise ForecastParameterError(
            "doses_used",
            f"{doses_used} doses used: a usage rate needs doses used",
            value=doses_used,
            code="doses_used",
        )
    return Fraction(doses_administered, doses_used)


def wastage_rate(doses_used: int, doses_administered: int) -> Fraction:
    """Wastage rate = (used − administered) ÷ used (S31, S33), as an exact fraction; negative when more
    doses were given than used (then the forecast falls back to the indicative rate)."""
    return 1 - usage_rate(doses_used, doses_administered)


def wastage_factor(wastage_rate: Number, *, decimals: int | None = 2) -> float:
    """Wastage factor WF = 1 ÷ (1 − w), w a fraction, computed exactly and rounded half-up once to
    ``decimals`` (None = unrounded): wastage_factor(wastage_rate(490, 400)) = 490/400 = 1.225 → 1.23."""
    valid = isinstance(wastage_rate, Fraction) or is_number(wastage_rate)
    if not (valid and 0 <= wastage_rate < 1):
        raise refuse(
            "wastage_rate",
            wastage_rate,
            "default",
            "wastage must be at least 0 and below 1 (100 %)",
            "wastage_rate",
        )
    exact = 1 / (1 - fraction_of(wastage_rate))
    return float(exact) if decimals is None else round_half_up(exact, decimals)


def measured_wastage_factor(doses_used: int, doses_administered: int, *, decimals: int | None = 2) -> float:
    """The wastage factor measured from counts: used ÷ administered (= 1 ÷ (1 − wastage rate))."""
    return wastage_factor(wastage_rate(doses_used, doses_administered), decimals=decimals)


def indicative_wastage_rate(
    doses_per_vial: int,
    presentation: str | None,
    table: Iterable[IndicativeWastage] = WHO_INDICATIVE_WASTAGE,
) -> float:
    """Indicative wastage rate for a vial size and presentation: the first matching table row."""
    for row in table:
        if row.matches(doses_per_vial, presentation):
            return row.rate
    raise ForecastParameterError(
        "indicative_wastage",
        f"no indicative rate for {doses_per_vial}-dose {presentation} vials",
        code="indicative_wastage",
        params={"doses_per_vial": doses_per_vial, "presentation": presentation},
    )


def target_population(population: int, share: float) -> int:
    """Target population = population × the group's share, rounded half-up to a person (S1 SAQ 5.1)."""
    return round_doses(population * fraction_of(share))


def annual_need_target_population(
    target_population: Number, doses_in_schedule: int, coverage: Number, wastage_factor: Number
) -> Fraction:
    """Annual need = pt × dn × ic × wf (S1 §5.2.6), exact and unrounded."""
    return (
        fraction_of(target_population)
        * doses_in_schedule
        * fraction_of(coverage)
        * fraction_of(wastage_factor)
    )


def supply_period_need(
    annual_need: Number, *, months: int | None = None, weeks: int | None = None, weeks_per_year: int = 48
) -> Fraction:
    """Need for a supply period: annual ÷ 12 × months, or annual ÷ 48 working weeks × weeks (S1 §5.5.1)."""
    if (months is None) == (weeks is None):
        raise ForecastParameterError(
            "period", "give the supply period in months or in weeks, not both", code="period.months_or_weeks"
        )
    if months is not None:
        return fraction_of(annual_need) / 12 * months
    assert weeks is not None
    return fraction_of(annual_need) / weeks_per_year * weeks


def adjusted_monthly_consumption(
    doses_used: int, months: int, stockout_days: int, *, days_per_month: Number = 30.4
) -> Fraction:
    """Average monthly consumption adjusted for stock-outs: CT ÷ (RM − DOS ÷ 30.4) (S12), exact."""
    months_stocked = months - stockout_days / fraction_of(days_per_month)
    if months_stocked <= 0:
        raise ForecastParameterError(
            "stockout_days",
            f"{stockout_days} stock-out days leave no month with stock in {months} months",
            value=stockout_days,
            code="stockout_days",
            params={"months": months},
        )

    return doses_used / months_stocked


def catchup_need(
    backlog_doses: int, wastage_factor: Number, *, period_months: int, catchup_months: int
) -> Fraction:
    """Catch-up doses for the period: backlog × WF × min(1, period months ÷ catch-up months), exact."""
    check_setting("catchup_months", catchup_months, "default")
    return (
        backlog_doses
        * fraction_of(wastage_factor)
        * min(Fraction(1), Fraction(period_months, catchup_months))
    )


def session_size_need(
    posts: int, weeks: int, sessions_per_week: int, vials_per_session: int, doses_per_vial: int
) -> int:
    """Annual need by session size = posts × weeks × sessions/week × vials/session × doses/vial (S1 §5.4)."""
    return posts * weeks * sessions_per_week * vials_per_session * doses_per_vial


def reserve_stock(period_need: Number, share: float = 0.25) -> int:
    """Reserve (minimum) stock = share × the period's need, in whole doses (S1 §5.5.2)."""
    check_setting("reserve_share", share, "default")
    return round_doses(fraction_of(period_need) * fraction_of(share))


def maximum_stock(period_need: int, reserve: int) -> int:
    """Maximum stock = period need + reserve (S1 §5.5.3)."""
    return period_need + reserve


def reorder_level(period_need: Number, *, lead_time_days: Number, period_days: Number, reserve: int) -> int:
    """Re-order (critical) level = need × lead time ÷ days in the period + reserve (S8)."""
    check_setting("lead_time_days", lead_time_days, "default")
    need = fraction_of(period_need) * fraction_of(lead_time_days) / fraction_of(period_days)
    return round_doses(need) + reserve


def order_quantity(max_stock: int, stock_on_hand: int, stock_in_transit: int) -> int:
    """Doses to order = max(0, maximum − on hand − in transit) (S12)."""
    return max(0, max_stock - stock_on_hand - stock_in_transit)


def vials_for(doses: int, doses_per_vial: int) -> int:
    """Whole vials holding at least ``doses`` doses (ceiling, §1.7)."""
    return -(-doses // doses_per_vial)


def packs_for(vials: int, vials_per_pack: int) -> int:
    """Whole packs holding at least ``vials`` vials (ceiling, §1.7)."""
    return -(-vials // vials_per_pack)


def bundled_quantity(base: int, ratio: float) -> int:
    """Whole units of a bundled item for ``base`` doses or vials: ⌈base × ratio⌉ (rounding policy, rule 6)."""
    return ceil_whole(base * ratio)
