"""The WHO scalar formulas, one number at a time (the published worked examples are tested against these)."""

from __future__ import annotations

from collections.abc import Iterable

from forecasting.needs.rounding import ceil_whole, round_doses, round_half_up
from forecasting.needs.settings import (
    WHO_INDICATIVE_WASTAGE,
    IndicativeWastage,
    check_setting,
    is_number,
    refuse,
)
from forecasting.periods import ForecastParameterError


def usage_rate(doses_used: int, doses_administered: int) -> float:
    """Vaccine usage rate = administered ÷ used (S31), as a fraction."""
    if doses_used <= 0:
        raise ForecastParameterError("doses_used", f"{doses_used} doses used: a usage rate needs doses used")
    return doses_administered / doses_used


def wastage_rate(doses_used: int, doses_administered: int) -> float:
    """Wastage rate = (used − administered) ÷ used (S31, S33), as a fraction."""
    return 1 - usage_rate(doses_used, doses_administered)


def wastage_factor(wastage_rate: float, *, decimals: int | None = 2) -> float:
    """Wastage factor WF = 1 ÷ (1 − w), w a fraction; rounded half-up to ``decimals`` (None = exact)."""
    if not (is_number(wastage_rate) and 0 <= wastage_rate < 1):
        raise refuse(
            "wastage_rate", wastage_rate, "default", "wastage must be at least 0 and below 1 (100 %)"
        )
    exact = 1 / (1 - wastage_rate)
    return exact if decimals is None else round_half_up(exact, decimals)


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
        "indicative_wastage", f"no indicative rate for {doses_per_vial}-dose {presentation} vials"
    )


def target_population(population: int, share: float) -> int:
    """Target population = population × the group's share, rounded half-up to a person (S1 SAQ 5.1)."""
    return round_doses(population * share)


def annual_need_target_population(
    target_population: float, doses_in_schedule: int, coverage: float, wastage_factor: float
) -> float:
    """Annual need = pt × dn × ic × wf (S1 §5.2.6), unrounded."""
    return target_population * doses_in_schedule * coverage * wastage_factor


def supply_period_need(
    annual_need: float, *, months: int | None = None, weeks: int | None = None, weeks_per_year: int = 48
) -> float:
    """Need for a supply period: annual ÷ 12 × months, or annual ÷ 48 working weeks × weeks (S1 §5.5.1)."""
    if (months is None) == (weeks is None):
        raise ForecastParameterError("period", "give the supply period in months or in weeks, not both")
    if months is not None:
        return annual_need / 12 * months
    assert weeks is not None
    return annual_need / weeks_per_year * weeks


def adjusted_monthly_consumption(
    doses_used: int, months: int, stockout_days: int, *, days_per_month: float = 30.4
) -> float:
    """Average monthly consumption adjusted for stock-outs: CT ÷ (RM − DOS ÷ 30.4) (S12)."""
    months_stocked = months - stockout_days / days_per_month
    if months_stocked <= 0:
        raise ForecastParameterError(
            "stockout_days", f"{stockout_days} stock-out days leave no month with stock in {months} months"
        )
    return doses_used / months_stocked


def catchup_need(
    backlog_doses: int, wastage_factor: float, *, period_months: int, catchup_months: int
) -> float:
    """Catch-up doses for the period: backlog × WF × min(1, period months ÷ catch-up months), unrounded."""
    check_setting("catchup_months", catchup_months, "default")
    return backlog_doses * wastage_factor * min(1.0, period_months / catchup_months)


def session_size_need(
    posts: int, weeks: int, sessions_per_week: int, vials_per_session: int, doses_per_vial: int
) -> int:
    """Annual need by session size = posts × weeks × sessions/week × vials/session × doses/vial (S1 §5.4)."""
    return posts * weeks * sessions_per_week * vials_per_session * doses_per_vial


def reserve_stock(period_need: float, share: float = 0.25) -> int:
    """Reserve (minimum) stock = share × the period's need, in whole doses (S1 §5.5.2)."""
    check_setting("reserve_share", share, "default")
    return round_doses(period_need * share)


def maximum_stock(period_need: int, reserve: int) -> int:
    """Maximum stock = period need + reserve (S1 §5.5.3)."""
    return period_need + reserve


def reorder_level(period_need: float, *, lead_time_days: float, period_days: float, reserve: int) -> int:
    """Re-order (critical) level = need × lead time ÷ days in the period + reserve (S8)."""
    check_setting("lead_time_days", lead_time_days, "default")
    return round_doses(period_need * lead_time_days / period_days) + reserve


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
