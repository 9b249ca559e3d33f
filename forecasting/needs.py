"""Vaccine needs by the WHO methods: wastage factor, needs, reserve, min/max, re-order level, order quantity.

Two layers, with the same formulas:

- small scalar functions (``wastage_factor``, ``annual_need_target_population`` ...) that reproduce the
  published worked examples of reference/who-rules.md §5;
- :func:`forecast_needs`, a polars pipeline over facilities × products: ``LazyFrame`` in, ``LazyFrame`` out,
  schemas declared below, native expressions only. The caller collects once.

Methods (who-rules.md §1):

- target population: period need = pt × dn × ic × WF ÷ 12 × months (S1 §5.2.6, §5.5.1), where pt comes
  from a target list when one is given, else from population × the share of the target group;
- previous consumption: adjusted average monthly consumption CA = CT ÷ (RM − stock-out days ÷ 30.4)
  (S12), period need = CA × months × (1 + growth); doses used already include wastage, so no WF;
- catch-up: backlog doses (from the register) × WF × min(1, months ÷ catch-up months) (§2.2);
- reserve = share × routine need (25 %, S1 §5.5.2), maximum = need + reserve, re-order level =
  routine need × lead time ÷ days in the period + reserve (S8), order = max(0, maximum − stock on hand −
  stock in transit) (S12), then whole vials and whole packs (§1.7).

Rounding policy (stated once, applied everywhere, tested in tests/unit/test_needs.py):

1. Wastage rates are kept exact. The wastage factor WF = 1 ÷ (1 − w) is rounded half-up to
   ``Parameters.wf_decimals`` = 2 decimals before it is used, as the published examples do (E1, E3);
   ``wf_decimals=None`` keeps it exact.
2. A target population (persons) is rounded half-up to a whole person.
3. Each need term (target population, consumption, catch-up) is rounded half-up to a whole dose once,
   at the end of its formula (E2: 718.2 → 718; E5: 83.33 → 83). Doses are integers from there on.
4. Reserve and lead-time usage are rounded half-up to whole doses; maximum and re-order level are sums
   of integers.
5. The order is never rounded down: net doses = max(0, maximum − on hand − in transit); net vials =
   ⌈net doses ÷ doses per vial⌉; packs = ⌈net vials ÷ vials per pack⌉; vials ordered = packs × vials per
   pack (``order_rounding="pack"``, the default) or the net vials (``"vial"``); doses ordered = vials
   ordered × doses per vial.
6. Bundled items (diluent, syringes, safety boxes) are rounded up to whole units.

Lines of the result: one ``"facility"`` line per facility × vaccine (the facility's own population,
history and stock), one ``"aggregate"`` line per facility that has facilities below it (itself and
everything below it), and one ``"total"`` line per vaccine over every facility given. Aggregate and total
lines add up the integer doses of the facility lines (so each can be checked by addition) and compute
their own order from the summed maximum, stock on hand and stock in transit: stock in transit is counted
once, at the facility that will receive it.

Use, from a service in ``inventory``::

    lazy = forecast_needs(products=..., facilities=..., history=..., stock=...,
                          backlog=catchup_backlog(register_backlog), period=parse_period("2027"),
                          today=today, parameters=Parameters(by_product={"BCG": {"coverage": 0.95}}))
    forecast = lazy.collect()                      # FORECAST
    supplies = bundled_supplies(forecast.lazy(), ratios).collect()   # SUPPLIES

With a single top facility (one district), its aggregate line equals the total line. The reserve is a
share of the routine need only: the catch-up backlog is a known, one-off list of children.

Inputs (the caller builds them with ``pl.LazyFrame(rows, schema=..., orient="row")``): see the schema
constants ``PRODUCTS``, ``FACILITIES``, ``CONSUMPTION``, ``STOCK``, ``BACKLOG``, ``TARGETS`` and
``BUNDLE_RATIOS``. History counts the doses used for vaccination at each facility (vials opened), not
stock issued to facilities below it; population is the population served by the facility's own
vaccination post (null for a store that does not vaccinate).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import polars as pl

from forecasting.periods import ForecastParameterError, SupplyPeriod, require_not_past

__all__ = [
    "BACKLOG",
    "BUNDLE_RATIOS",
    "COMMUNE_FACILITIES",
    "CONSUMPTION",
    "FACILITIES",
    "FORECAST",
    "PRODUCTS",
    "REGISTER_BACKLOG",
    "STOCK",
    "SUPPLIES",
    "TARGETS",
    "TARGET_GROUPS",
    "WHO_INDICATIVE_WASTAGE",
    "BundlingDefaults",
    "ForecastParameterError",
    "IndicativeWastage",
    "Parameters",
    "Settings",
    "adjusted_monthly_consumption",
    "annual_need_target_population",
    "bundled_quantity",
    "bundled_supplies",
    "catchup_backlog",
    "catchup_need",
    "default_bundle_ratios",
    "forecast_needs",
    "indicative_wastage_rate",
    "maximum_stock",
    "order_quantity",
    "packs_for",
    "reorder_level",
    "reserve_stock",
    "round_doses",
    "round_half_up",
    "session_size_need",
    "supply_period_need",
    "target_population",
    "usage_rate",
    "vials_for",
    "wastage_factor",
    "wastage_rate",
]

# --------------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------------

PRODUCTS = pl.Schema(
    {
        "product_code": pl.String,
        "name": pl.String,
        "doses_per_vial": pl.Int64,
        "vials_per_pack": pl.Int64,
        "is_diluent": pl.Boolean,
        "diluent_code": pl.String,  # nullable: the diluent product bundled with a lyophilised vaccine
        "keep_opened_vial": pl.Boolean,  # MDVP: opened vial kept up to 28 days
        "presentation": pl.String,  # "liquid" | "lyophilised"
        "doses_in_schedule": pl.Int64,  # nullable for diluents
        "target_group": pl.String,  # "births" | "surviving_infants" | "pregnant_women" | "children_7y"
    }
)

FACILITIES = pl.Schema(
    {
        "facility_code": pl.String,
        "name": pl.String,
        "level": pl.String,  # "province" | "district" | "commune"
        "parent_code": pl.String,  # nullable for the top of the tree
        "population": pl.Int64,  # nullable: population served by the facility's own vaccination post
    }
)

CONSUMPTION = pl.Schema(
    {
        "facility_code": pl.String,
        "product_code": pl.String,
        "month": pl.Date,  # first day of the month
        "doses_used": pl.Int64,  # doses issued for vaccination (opened vials), wastage included
        "doses_administered": pl.Int64,
        "stockout_days": pl.Int64,
        "closing_stock": pl.Int64,  # nullable: doses on hand at the end of the month (for the chart)
    }
)

STOCK = pl.Schema(
    {
        "facility_code": pl.String,
        "product_code": pl.String,
        "stock_on_hand": pl.Int64,  # doses
        "stock_in_transit": pl.Int64,  # doses shipped to this facility, not yet received
    }
)

BACKLOG = pl.Schema(
    {
        "facility_code": pl.String,
        "product_code": pl.String,
        "doses": pl.Int64,  # doses needed to clear the overdue catch-up backlog (from the register)
    }
)

REGISTER_BACKLOG = pl.Schema(
    {
        "commune_code": pl.String,
        "product_code": pl.String,
        "due": pl.Int64,
        "overdue": pl.Int64,
    }
)
"""The columns read from the register's backlog by commune × antigen × dose (``forecasting.backlog.backlog``)."""

COMMUNE_FACILITIES = pl.Schema({"commune_code": pl.String, "facility_code": pl.String})

TARGETS = pl.Schema(
    {
        "facility_code": pl.String,
        "target_group": pl.String,
        "persons": pl.Int64,  # target list count for the year; replaces population × share
    }
)

BUNDLE_RATIOS = pl.Schema(
    {
        "product_code": pl.String,  # the vaccine the item is bundled with
        "item_code": pl.String,
        "item_name": pl.String,
        "per": pl.String,  # "dose" | "vial": the base the ratio multiplies
        "ratio": pl.Float64,
    }
)

FORECAST = pl.Schema(
    {
        "scope": pl.String,  # "facility" | "aggregate" | "total"
        "facility_code": pl.String,  # null on the total line
        "facility_name": pl.String,
        "level": pl.String,
        "parent_code": pl.String,
        "facilities": pl.Int64,  # facilities counted on the line
        "product_code": pl.String,
        "product_name": pl.String,
        "presentation": pl.String,
        "doses_per_vial": pl.Int64,
        "vials_per_pack": pl.Int64,
        "period": pl.String,
        "period_months": pl.Int64,
        "period_days": pl.Int64,
        "target_group": pl.String,
        "population": pl.Int64,
        "target_share": pl.Float64,
        "target_population": pl.Int64,
        "target_population_source": pl.String,  # "target_list" | "population" | null
        "doses_in_schedule": pl.Int64,
        "coverage": pl.Float64,
        "history_months": pl.Int64,
        "doses_used": pl.Int64,
        "doses_administered": pl.Int64,
        "stockout_days": pl.Int64,
        "monthly_consumption": pl.Float64,  # adjusted for stock-out days
        "consumption_growth": pl.Float64,
        "wastage_rate": pl.Float64,
        "wastage_source": pl.String,  # "setting" | "measured" | "indicative" | "none"
        "wastage_factor": pl.Float64,
        "need_target_population": pl.Int64,
        "need_consumption": pl.Int64,
        "need_method": pl.String,  # "target_population" | "consumption" | "none" | "sum"
        "need_routine": pl.Int64,
        "backlog_doses": pl.Int64,
        "catchup_months": pl.Int64,
        "need_catchup": pl.Int64,
        "need_doses": pl.Int64,  # routine + catch-up, for the period
        "reserve_share": pl.Float64,
        "reserve_doses": pl.Int64,
        "max_stock_doses": pl.Int64,
        "lead_time_days": pl.Int64,
        "reorder_level_doses": pl.Int64,
        "stock_on_hand": pl.Int64,
        "stock_in_transit": pl.Int64,
        "order_doses_net": pl.Int64,  # max(0, max − on hand − in transit)
        "order_vials_net": pl.Int64,  # ⌈net ÷ doses per vial⌉
        "order_packs": pl.Int64,  # ⌈vials ÷ vials per pack⌉
        "order_vials": pl.Int64,  # vials requested: packs × vials per pack (or the net vials)
        "order_doses": pl.Int64,  # doses requested: vials requested × doses per vial
        "workings": pl.String,
    }
)

SUPPLIES = pl.Schema(
    {
        "scope": pl.String,
        "facility_code": pl.String,
        "product_code": pl.String,
        "item_code": pl.String,
        "item_name": pl.String,
        "quantity": pl.Int64,
        "exact": pl.Float64,  # before rounding up: totals over vaccines add these, then round up once
    }
)

TARGET_GROUPS = ("births", "surviving_infants", "pregnant_women", "children_7y")
Method = Literal["auto", "target_population", "consumption"]
_METHODS = ("auto", "target_population", "consumption")

# --------------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicativeWastage:
    """One row of the indicative wastage table: presentation (None = any) and a vial-size range."""

    presentation: str | None
    min_doses: int
    max_doses: int | None
    rate: float

    def matches(self, doses_per_vial: int, presentation: str | None) -> bool:
        """True when a product of this presentation and vial size falls in this row."""
        return (
            (self.presentation is None or self.presentation == presentation)
            and doses_per_vial >= self.min_doses
            and (self.max_doses is None or doses_per_vial <= self.max_doses)
        )


WHO_INDICATIVE_WASTAGE: tuple[IndicativeWastage, ...] = (
    IndicativeWastage(None, 1, 1, 0.05),
    IndicativeWastage("lyophilised", 10, None, 0.50),
    IndicativeWastage("lyophilised", 2, 9, 0.10),
    IndicativeWastage("liquid", 10, None, 0.25),
    IndicativeWastage("liquid", 2, 9, 0.10),
)
"""WHO indicative maximum wastage rates (who-rules.md §1.2, [S] S4); first matching row wins.

The source bands are 2-6 and 10-20 doses; 7-9-dose vials take the 2-6 rate and vials above 20 doses
take the 10-20 rate (our extension, stated here). Vietnam's national rates are UNVERIFIED: override them.
"""


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """Per-line forecast settings with WHO defaults; each can be overridden per product and facility."""

    coverage: float = 0.90
    """Target coverage ic (fraction); 0.90 as in WHO example E2 and the IA2030 goal (UNVERIFIED for VN)."""
    wastage_rate: float | None = None
    """Fixed wastage rate (fraction); None = measured from history, else the indicative rate."""
    reserve_share: float = 0.25
    """Reserve (minimum) stock as a share of the period's routine need (S1 §5.5.2)."""
    lead_time_days: int = 14
    """Days from order to receipt (UNVERIFIED local value: Mường Tè is > 200 km from the CDC)."""
    catchup_months: int = 6
    """Months over which the catch-up backlog is to be cleared (programme choice)."""
    method: Method = "auto"
    """Routine-need method; "auto" = target population for years, consumption for months and quarters."""
    consumption_growth: float = 0.0
    """Expected change in consumption versus the review window (S1 §5.3 population change)."""
    share_births: float = 0.020
    """Live births per person (crude birth rate 18-22 ‰ assumed, vietnam-epi §3.1; UNVERIFIED)."""
    share_surviving_infants: float = 0.020
    """Surviving infants as a share of population (UNVERIFIED: no sourced infant mortality; = births)."""
    share_pregnant_women: float = 0.020
    """Pregnant women as a share of population (UNVERIFIED: births used as the proxy)."""
    share_children_7y: float = 0.020
    """Children turning 7 as a share of population (UNVERIFIED: one birth cohort used as the proxy)."""

    def validate(self, scope: str = "default") -> Settings:
        """Return self, or raise ForecastParameterError naming the first impossible value."""
        for name, value in asdict(self).items():
            _check_setting(name, value, scope)
        return self


_SETTING_DTYPES: dict[str, pl.DataType] = {
    "coverage": pl.Float64(),
    "wastage_rate": pl.Float64(),
    "reserve_share": pl.Float64(),
    "lead_time_days": pl.Int64(),
    "catchup_months": pl.Int64(),
    "method": pl.String(),
    "consumption_growth": pl.Float64(),
    "share_births": pl.Float64(),
    "share_surviving_infants": pl.Float64(),
    "share_pregnant_women": pl.Float64(),
    "share_children_7y": pl.Float64(),
}
SETTING_NAMES = tuple(f.name for f in fields(Settings))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _refuse(name: str, value: object, scope: str, rule: str) -> ForecastParameterError:
    where = "" if scope == "default" else f" ({scope})"
    return ForecastParameterError(name, f"{value!r}{where} is impossible: {rule}", value=value, scope=scope)


def _check_setting(name: str, value: object, scope: str) -> None:
    if name not in _SETTING_DTYPES:
        known = ", ".join(SETTING_NAMES)
        raise ForecastParameterError(name, f"unknown setting ({scope}); known settings: {known}", scope=scope)
    if name == "wastage_rate" and value is None:
        return
    if name == "method":
        if value not in _METHODS:
            raise _refuse(name, value, scope, f"method must be one of {', '.join(_METHODS)}")
        return
    integer = _SETTING_DTYPES[name] == pl.Int64()
    if not _is_number(value) or (integer and not isinstance(value, int)):
        raise _refuse(name, value, scope, "a whole number is required" if integer else "a number is required")
    assert isinstance(value, int | float)
    rules = {
        "coverage": (0 <= value <= 1, "coverage must be between 0 and 1 (0-100 %)"),
        "wastage_rate": (0 <= value < 1, "wastage must be at least 0 and below 1 (100 %)"),
        "reserve_share": (value >= 0, "the reserve share cannot be negative"),
        "lead_time_days": (value >= 0, "the lead time cannot be negative"),
        "catchup_months": (value >= 1, "the backlog is cleared over at least 1 month"),
        "consumption_growth": (value > -1, "consumption cannot fall by 100 % or more"),
    }
    ok, rule = rules.get(name, (0 <= value <= 1, "a population share must be between 0 and 1"))
    if not ok:
        raise _refuse(name, value, scope, rule)


@dataclass(frozen=True, kw_only=True)
class Parameters:
    """All forecast parameters: WHO defaults, overrides and global options, validated when built."""

    # Precedence for a line (facility f, product p), most specific first: by_facility_product[(f, p)],
    # by_facility[f], by_product[p], defaults. An override maps Settings field names to values; a
    # missing key (or None) inherits.
    defaults: Settings = field(default_factory=Settings)
    by_product: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    by_facility: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    by_facility_product: Mapping[tuple[str, str], Mapping[str, object]] = field(default_factory=dict)
    review_months: int = 12
    """Months of history before the month of ``today`` used for consumption and measured wastage (S1 §5.3)."""
    days_per_month: float = 30.4
    """Days per month in the stock-out adjustment CA = CT ÷ (RM − DOS ÷ 30.4) (S12)."""
    wf_decimals: int | None = 2
    """Decimals the wastage factor is rounded (half-up) to; None = exact (rounding policy, rule 1)."""
    order_rounding: Literal["pack", "vial"] = "pack"
    """Round the order up to whole packs (default) or only to whole vials (rounding policy, rule 5)."""
    indicative_wastage: tuple[IndicativeWastage, ...] = WHO_INDICATIVE_WASTAGE

    def __post_init__(self) -> None:
        self.defaults.validate()
        for scope, overrides in self._scoped_overrides():
            for name, value in overrides.items():
                if value is not None or name not in _SETTING_DTYPES:
                    _check_setting(name, value, scope)
        if not (isinstance(self.review_months, int) and self.review_months >= 1):
            raise _refuse("review_months", self.review_months, "default", "at least 1 month of history")
        if not (_is_number(self.days_per_month) and self.days_per_month > 0):
            raise _refuse("days_per_month", self.days_per_month, "default", "must be a positive number")
        if self.wf_decimals is not None and not (isinstance(self.wf_decimals, int) and self.wf_decimals >= 0):
            raise _refuse("wf_decimals", self.wf_decimals, "default", "a whole number of decimals or None")
        if self.order_rounding not in ("pack", "vial"):
            raise _refuse("order_rounding", self.order_rounding, "default", "must be 'pack' or 'vial'")
        for row in self.indicative_wastage:
            if not (_is_number(row.rate) and 0 <= row.rate < 1):
                raise _refuse("indicative_wastage", row.rate, "default", "wastage must be in [0, 1)")

    def _scoped_overrides(self) -> Iterable[tuple[str, Mapping[str, object]]]:
        for product, values in self.by_product.items():
            yield f"product {product}", values
        for facility, values in self.by_facility.items():
            yield f"facility {facility}", values
        for (facility, product), values in self.by_facility_product.items():
            yield f"product {product} at facility {facility}", values

    def settings_for(self, facility_code: str, product_code: str) -> Settings:
        """The resolved settings of one line (the same precedence the pipeline applies)."""
        merged: dict[str, object] = {}
        for layer in (
            self.by_product.get(product_code, {}),
            self.by_facility.get(facility_code, {}),
            self.by_facility_product.get((facility_code, product_code), {}),
        ):
            merged.update({k: v for k, v in layer.items() if v is not None})
        return replace(self.defaults, **merged)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True, slots=True)
class BundlingDefaults:
    """Default bundling ratios used to seed ``BUNDLE_RATIOS`` rows (the ratios themselves are data)."""

    syringe_wastage_factor: float = 1.11
    """Syringes per dose (AD) or per vial (reconstitution): 1 + 10 % wastage (S10: doses × 1.11)."""
    syringes_per_safety_box: int = 100
    """Syringes per 5-litre safety box (WHO practice; S10 divides by 150: UNVERIFIED which applies)."""
    diluent_vials_per_vial: float = 1.0
    """Diluent vials per vial of lyophilised vaccine."""
    ad_syringe_code: str = "AD"
    ad_syringe_name: str = "Bơm kim tiêm tự khóa (AD)"
    mixing_syringe_code: str = "RUP"
    mixing_syringe_name: str = "Bơm tiêm pha hồi chỉnh"
    safety_box_code: str = "SB"
    safety_box_name: str = "Hộp an toàn"


# --------------------------------------------------------------------------------------------------
# Scalar formulas (the published worked examples are tested against these)
# --------------------------------------------------------------------------------------------------


def round_half_up(value: float, decimals: int = 0) -> float:
    """Round half away from zero at ``decimals``, on the shortest decimal form of the float."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def round_doses(value: float) -> int:
    """Round a dose count half-up to a whole dose (rounding policy, rule 3)."""
    return int(round_half_up(value, 0))


def _ceil(value: float) -> int:
    # 1000 × 1.11 is 1110.0000000000002 in binary floating point: round before the ceiling.
    return math.ceil(round(value, 6))


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
    if not (_is_number(wastage_rate) and 0 <= wastage_rate < 1):
        raise _refuse(
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
    _check_setting("catchup_months", catchup_months, "default")
    return backlog_doses * wastage_factor * min(1.0, period_months / catchup_months)


def session_size_need(
    posts: int, weeks: int, sessions_per_week: int, vials_per_session: int, doses_per_vial: int
) -> int:
    """Annual need by session size = posts × weeks × sessions/week × vials/session × doses/vial (S1 §5.4)."""
    return posts * weeks * sessions_per_week * vials_per_session * doses_per_vial


def reserve_stock(period_need: float, share: float = 0.25) -> int:
    """Reserve (minimum) stock = share × the period's need, in whole doses (S1 §5.5.2)."""
    _check_setting("reserve_share", share, "default")
    return round_doses(period_need * share)


def maximum_stock(period_need: int, reserve: int) -> int:
    """Maximum stock = period need + reserve (S1 §5.5.3)."""
    return period_need + reserve


def reorder_level(period_need: float, *, lead_time_days: float, period_days: float, reserve: int) -> int:
    """Re-order (critical) level = need × lead time ÷ days in the period + reserve (S8)."""
    _check_setting("lead_time_days", lead_time_days, "default")
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
    return _ceil(base * ratio)


# --------------------------------------------------------------------------------------------------
# Expression helpers
# --------------------------------------------------------------------------------------------------

MAX_LEVELS = 6
"""Deepest facility tree the aggregation follows (province → district → commune needs 3)."""

_SCOPE_RANK = {"facility": 0, "aggregate": 1, "total": 2}
_METHOD_VI = {
    "target_population": "theo đối tượng",
    "consumption": "theo tiêu thụ",
    "none": "không có dữ liệu",
}
_WASTAGE_SOURCE_VI = {
    "setting": "thiết lập",
    "measured": "đo lường",
    "indicative": "chỉ số WHO",
    "none": "không xác định",
}


def _round_int(expr: pl.Expr) -> pl.Expr:
    return expr.round(0, mode="half_away_from_zero").cast(pl.Int64)


def _ceil_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return (numerator + denominator - 1) // denominator


def _num(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    return (
        expr.round(decimals, mode="half_away_from_zero").cast(pl.String).str.replace(".", ",", literal=True)
    )


def _label(expr: pl.Expr, labels: Mapping[str, str]) -> pl.Expr:
    return expr.replace_strict(labels, default=expr, return_dtype=pl.String)


def _indicative_rate_expr(table: Iterable[IndicativeWastage]) -> pl.Expr:
    dpv, presentation = pl.col("doses_per_vial"), pl.col("presentation")
    chain: pl.Expr = pl.lit(None, dtype=pl.Float64)
    for row in reversed(tuple(table)):
        condition = dpv >= row.min_doses
        if row.max_doses is not None:
            condition &= dpv <= row.max_doses
        if row.presentation is not None:
            condition &= presentation == row.presentation
        chain = pl.when(condition).then(pl.lit(row.rate, dtype=pl.Float64)).otherwise(chain)
    return chain


def _override_frame(
    overrides: Mapping[object, Mapping[str, object]], keys: tuple[str, ...], suffix: str
) -> pl.LazyFrame:
    schema = pl.Schema(
        {**dict.fromkeys(keys, pl.String()), **{f"{n}{suffix}": _SETTING_DTYPES[n] for n in SETTING_NAMES}}
    )
    rows = []
    for key, values in overrides.items():
        key_values = key if isinstance(key, tuple) else (key,)
        rows.append([*key_values, *(values.get(n) for n in SETTING_NAMES)])
    return pl.LazyFrame(rows, schema=schema, orient="row")


def _resolve_settings(lines: pl.LazyFrame, parameters: Parameters) -> pl.LazyFrame:
    layers: list[tuple[str, Mapping[object, Mapping[str, object]], tuple[str, ...]]] = [
        ("__fp", parameters.by_facility_product, ("facility_code", "product_code")),  # type: ignore[list-item]
        ("__f", parameters.by_facility, ("facility_code",)),  # type: ignore[list-item]
        ("__p", parameters.by_product, ("product_code",)),  # type: ignore[list-item]
    ]
    used = [(suffix, keys) for suffix, overrides, keys in layers if overrides]
    for suffix, overrides, keys in layers:
        if overrides:
            lines = lines.join(_override_frame(overrides, keys, suffix), on=list(keys), how="left")
    defaults = asdict(parameters.defaults)
    return lines.with_columns(
        pl.coalesce(
            *(pl.col(f"{name}{suffix}") for suffix, _ in used),
            pl.lit(defaults[name], dtype=_SETTING_DTYPES[name]),
        ).alias(name)
        for name in SETTING_NAMES
    ).drop(f"{name}{suffix}" for suffix, _ in used for name in SETTING_NAMES)


def _ancestors(facilities: pl.LazyFrame) -> pl.LazyFrame:
    """Pairs (ancestor_code, facility_code) for every facility strictly below an ancestor."""
    parents = facilities.select("facility_code", "parent_code").filter(pl.col("parent_code").is_not_null())
    step = parents.select(pl.col("parent_code").alias("ancestor_code"), "facility_code")
    found = [step]
    for _ in range(MAX_LEVELS - 1):
        step = step.join(parents, left_on="ancestor_code", right_on="facility_code", how="inner").select(
            pl.col("parent_code").alias("ancestor_code"), "facility_code"
        )
        found.append(step)
    return pl.concat(found).unique()


def _history_window(today: date, review_months: int) -> tuple[date, date]:
    end = today.replace(day=1)
    months = end.year * 12 + end.month - 1 - review_months
    return date(months // 12, months % 12 + 1, 1), end


def catchup_backlog(
    register_backlog: pl.LazyFrame,
    *,
    facilities: pl.LazyFrame | None = None,
    include_due: bool = False,
) -> pl.LazyFrame:
    """The ``BACKLOG`` input from the register's backlog (``REGISTER_BACKLOG``): overdue doses per commune."""
    # Doses merely due are routine need (already in the target-population and consumption terms), so only
    # overdue doses count unless include_due. ``facilities`` (COMMUNE_FACILITIES) maps commune codes to
    # facility codes; without it the commune code is the facility code.
    doses = pl.col("overdue") + pl.col("due") if include_due else pl.col("overdue")
    rows = register_backlog.filter(pl.col("product_code").is_not_null()).select(
        "commune_code", "product_code", doses.alias("doses")
    )
    if facilities is not None:
        rows = rows.join(facilities, on="commune_code", how="inner")
    else:
        rows = rows.with_columns(pl.col("commune_code").alias("facility_code"))
    return (
        rows.group_by("facility_code", "product_code")
        .agg(pl.col("doses").sum())
        .filter(pl.col("doses") > 0)
        .select(BACKLOG.names())
        .cast(dict(BACKLOG))
        .sort("facility_code", "product_code")
    )


# --------------------------------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------------------------------


def forecast_needs(
    *,
    products: pl.LazyFrame,
    facilities: pl.LazyFrame,
    history: pl.LazyFrame,
    stock: pl.LazyFrame,
    backlog: pl.LazyFrame,
    period: SupplyPeriod,
    today: date,
    parameters: Parameters | None = None,
    targets: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Needs and orders per facility × vaccine, aggregate and total (``FORECAST``); refuses a past period."""
    # History is read from the Parameters.review_months whole months before the month of ``today``.
    require_not_past(period, today=today)
    parameters = parameters or Parameters()
    start, end = _history_window(today, parameters.review_months)

    vaccines = products.filter(~pl.col("is_diluent")).select(
        "product_code",
        pl.col("name").alias("product_name"),
        "presentation",
        "doses_per_vial",
        "vials_per_pack",
        "doses_in_schedule",
        "target_group",
    )
    places = facilities.select(
        "facility_code", pl.col("name").alias("facility_name"), "level", "parent_code", "population"
    )
    used = (
        history.filter(pl.col("month").is_between(start, end, closed="left"))
        .group_by("facility_code", "product_code")
        .agg(
            pl.col("month").n_unique().cast(pl.Int64).alias("history_months"),
            pl.col("doses_used").sum(),
            pl.col("doses_administered").sum(),
            pl.col("stockout_days").sum(),
        )
    )
    stock_by_line = stock.group_by("facility_code", "product_code").agg(
        pl.col("stock_on_hand").sum(), pl.col("stock_in_transit").sum()
    )
    backlog_by_line = backlog.group_by("facility_code", "product_code").agg(
        pl.col("doses").sum().alias("backlog_doses")
    )

    lines = (
        places.join(vaccines, how="cross")
        .join(used, on=["facility_code", "product_code"], how="left")
        .join(stock_by_line, on=["facility_code", "product_code"], how="left")
        .join(backlog_by_line, on=["facility_code", "product_code"], how="left")
    )
    if targets is not None:
        target_list = targets.group_by("facility_code", "target_group").agg(pl.col("persons").sum())
        lines = lines.join(target_list, on=["facility_code", "target_group"], how="left")
    else:
        lines = lines.with_columns(pl.lit(None, dtype=pl.Int64).alias("persons"))
    lines = _resolve_settings(lines, parameters)
    facility_lines = _facility_lines(lines, period, parameters)
    return _with_aggregates(facility_lines, facilities, parameters)


def _facility_lines(lines: pl.LazyFrame, period: SupplyPeriod, parameters: Parameters) -> pl.LazyFrame:
    months, days = period.months, period.days
    preferred = "target_population" if period.kind in ("year", "years") else "consumption"
    share = pl.lit(None, dtype=pl.Float64)
    for group in reversed(TARGET_GROUPS):
        share = pl.when(pl.col("target_group") == group).then(pl.col(f"share_{group}")).otherwise(share)

    used = pl.col("doses_used")
    measured = (used - pl.col("doses_administered")) / used
    has_measure = (used > 0) & measured.is_between(0.0, 1.0, closed="left")
    indicative = _indicative_rate_expr(parameters.indicative_wastage)
    wf_exact = 1.0 / (1.0 - pl.col("wastage_rate"))
    wf = (
        wf_exact
        if parameters.wf_decimals is None
        else wf_exact.round(parameters.wf_decimals, mode="half_away_from_zero")
    )
    months_stocked = pl.col("history_months") - pl.col("stockout_days") / parameters.days_per_month
    method = pl.when(pl.col("method") == "auto").then(pl.lit(preferred)).otherwise(pl.col("method"))
    other = (
        pl.when(method == "consumption").then(pl.lit("target_population")).otherwise(pl.lit("consumption"))
    )

    def need_of(name: pl.Expr) -> pl.Expr:
        return (
            pl.when(name == "target_population")
            .then(pl.col("need_target_population"))
            .when(name == "consumption")
            .then(pl.col("need_consumption"))
        )

    lines = (
        lines.with_columns(
            pl.lit("facility").alias("scope"),
            pl.lit(1, dtype=pl.Int64).alias("facilities"),
            pl.lit(period.label).alias("period"),
            pl.lit(months, dtype=pl.Int64).alias("period_months"),
            pl.lit(days, dtype=pl.Int64).alias("period_days"),
            share.alias("target_share"),
            pl.col("history_months").fill_null(0),
            pl.col("doses_used").fill_null(0),
            pl.col("doses_administered").fill_null(0),
            pl.col("stockout_days").fill_null(0),
            pl.col("stock_on_hand").fill_null(0),
            pl.col("stock_in_transit").fill_null(0),
            pl.col("backlog_doses").fill_null(0),
        )
        .with_columns(
            pl.when(pl.col("persons").is_not_null())
            .then(pl.col("persons"))
            .otherwise(_round_int(pl.col("population") * pl.col("target_share")))
            .alias("target_population"),
            pl.when(pl.col("persons").is_not_null())
            .then(pl.lit("target_list"))
            .when(pl.col("population").is_not_null() & pl.col("target_share").is_not_null())
            .then(pl.lit("population"))
            .alias("target_population_source"),
            pl.when(pl.col("wastage_rate").is_not_null())
            .then(pl.lit("setting"))
            .when(has_measure)
            .then(pl.lit("measured"))
            .when(indicative.is_not_null())
            .then(pl.lit("indicative"))
            .otherwise(pl.lit("none"))
            .alias("wastage_source"),
            pl.coalesce(pl.col("wastage_rate"), pl.when(has_measure).then(measured), indicative).alias(
                "wastage_rate"
            ),
            pl.when((pl.col("history_months") > 0) & (months_stocked > 0))
            .then(pl.col("doses_used") / months_stocked)
            .alias("monthly_consumption"),
        )
        .with_columns(wf.alias("wastage_factor"))
        .with_columns(
            _round_int(
                pl.col("target_population")
                * pl.col("doses_in_schedule")
                * pl.col("coverage")
                * pl.col("wastage_factor")
                / 12
                * months
            ).alias("need_target_population"),
            _round_int(pl.col("monthly_consumption") * months * (1 + pl.col("consumption_growth"))).alias(
                "need_consumption"
            ),
            _round_int(
                pl.col("backlog_doses")
                * pl.col("wastage_factor")
                * pl.min_horizontal(pl.lit(1.0), months / pl.col("catchup_months"))
            ).alias("need_catchup"),
        )
        .with_columns(
            pl.when(need_of(method).is_not_null())
            .then(method)
            .when(need_of(other).is_not_null())
            .then(other)
            .otherwise(pl.lit("none"))
            .alias("need_method")
        )
        .with_columns(
            need_of(pl.col("need_method")).fill_null(0).alias("need_routine"),
            pl.col("need_catchup").fill_null(0),
        )
        .with_columns(
            (pl.col("need_routine") + pl.col("need_catchup")).alias("need_doses"),
            _round_int(pl.col("need_routine") * pl.col("reserve_share")).alias("reserve_doses"),
            _round_int(pl.col("need_routine") * pl.col("lead_time_days") / days).alias("lead_time_doses"),
        )
        .with_columns(
            (pl.col("need_doses") + pl.col("reserve_doses")).alias("max_stock_doses"),
            (pl.col("lead_time_doses") + pl.col("reserve_doses")).alias("reorder_level_doses"),
        )
    )
    return _with_order(lines, parameters).with_columns(
        _facility_workings(months, days, parameters.days_per_month)
    )


def _with_order(lines: pl.LazyFrame, parameters: Parameters) -> pl.LazyFrame:
    net = pl.max_horizontal(
        pl.lit(0, dtype=pl.Int64),
        pl.col("max_stock_doses") - pl.col("stock_on_hand") - pl.col("stock_in_transit"),
    )
    requested_vials = (
        pl.col("order_packs") * pl.col("vials_per_pack")
        if parameters.order_rounding == "pack"
        else pl.col("order_vials_net")
    )
    return (
        lines.with_columns(net.alias("order_doses_net"))
        .with_columns(_ceil_div(pl.col("order_doses_net"), pl.col("doses_per_vial")).alias("order_vials_net"))
        .with_columns(_ceil_div(pl.col("order_vials_net"), pl.col("vials_per_pack")).alias("order_packs"))
        .with_columns(requested_vials.alias("order_vials"))
        .with_columns((pl.col("order_vials") * pl.col("doses_per_vial")).alias("order_doses"))
    )


def _order_workings() -> pl.Expr:
    return pl.format(
        "Đề nghị = max(0; {} − {} tồn kho − {} đang vận chuyển) = {} liều → ⌈{}/{}⌉ = {} lọ"
        " → ⌈{}/{}⌉ = {} hộp → {} lọ × {} = {} liều",
        "max_stock_doses",
        "stock_on_hand",
        "stock_in_transit",
        "order_doses_net",
        "order_doses_net",
        "doses_per_vial",
        "order_vials_net",
        "order_vials_net",
        "vials_per_pack",
        "order_packs",
        "order_vials",
        "doses_per_vial",
        "order_doses",
    )


def _pct(expr: pl.Expr) -> pl.Expr:
    return pl.concat_str(_num(expr * 100, 1), pl.lit("%"))


def _facility_workings(months: int, days: int, days_per_month: float) -> pl.Expr:
    wf = _num(pl.col("wastage_factor"))
    source = _label(pl.col("wastage_source"), _WASTAGE_SOURCE_VI)
    pt_origin = (
        pl.when(pl.col("target_population_source") == "target_list")
        .then(pl.lit("danh sách đối tượng"))
        .otherwise(pl.format("{} dân × {}", "population", _pct(pl.col("target_share"))))
    )
    parts = [
        pl.format("Hệ số hao phí (HSHP) = 1/(1 − {}) = {} ({})", _pct(pl.col("wastage_rate")), wf, source),
        pl.format(
            "Theo đối tượng = {} đối tượng ({}) × {} liều × {} bao phủ × {} HSHP ÷ 12 × {} tháng = {}",
            "target_population",
            pt_origin,
            "doses_in_schedule",
            _pct(pl.col("coverage")),
            wf,
            pl.lit(months),
            "need_target_population",
        ),
        pl.format(
            "Theo tiêu thụ = {} liều ÷ ({} tháng − {} ngày hết hàng ÷ {}) = {}/tháng × {} tháng"
            " × (1 + {}) = {}",
            "doses_used",
            "history_months",
            "stockout_days",
            pl.lit(f"{days_per_month:g}".replace(".", ",")),
            _num(pl.col("monthly_consumption"), 1),
            pl.lit(months),
            _pct(pl.col("consumption_growth")),
            "need_consumption",
        ),
        pl.format("Nhu cầu thường xuyên: {} = {}", _label(pl.col("need_method"), _METHOD_VI), "need_routine"),
        pl.when(pl.col("backlog_doses") > 0).then(
            pl.format(
                "Tiêm bù = {} liều tồn đọng × {} HSHP × min(1; {}/{} tháng) = {}",
                "backlog_doses",
                wf,
                pl.lit(months),
                "catchup_months",
                "need_catchup",
            )
        ),
        pl.format("Nhu cầu kỳ = {} + {} = {}", "need_routine", "need_catchup", "need_doses"),
        pl.format(
            "Dự trữ = {} × {} = {}; tối đa = {} + {} = {}",
            _pct(pl.col("reserve_share")),
            "need_routine",
            "reserve_doses",
            "need_doses",
            "reserve_doses",
            "max_stock_doses",
        ),
        pl.format(
            "Mức đặt hàng = {} × {} ngày ÷ {} ngày + {} = {}",
            "need_routine",
            "lead_time_days",
            pl.lit(days),
            "reserve_doses",
            "reorder_level_doses",
        ),
        _order_workings(),
    ]
    return pl.concat_str(parts, separator="\n", ignore_nulls=True).alias("workings")


_SUMMED = (
    "population",
    "target_population",
    "doses_used",
    "doses_administered",
    "stockout_days",
    "need_target_population",
    "need_consumption",
    "need_routine",
    "backlog_doses",
    "need_catchup",
    "need_doses",
    "reserve_doses",
    "max_stock_doses",
    "reorder_level_doses",
    "stock_on_hand",
    "stock_in_transit",
)
_PRODUCT_COLUMNS = ("product_name", "presentation", "doses_per_vial", "vials_per_pack", "target_group")
_PERIOD_COLUMNS = ("period", "period_months", "period_days")


def _sum_lines(lines: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    return lines.group_by(*by, "product_code").agg(
        pl.len().cast(pl.Int64).alias("facilities"),
        *(pl.col(c).first() for c in (*_PRODUCT_COLUMNS, *_PERIOD_COLUMNS)),
        # A sum over facilities without data stays null instead of becoming a misleading 0.
        *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in _SUMMED),
    )


def _with_aggregates(lines: pl.LazyFrame, facilities: pl.LazyFrame, parameters: Parameters) -> pl.LazyFrame:
    below = _ancestors(facilities)
    subtree = pl.concat(
        [below, facilities.select(pl.col("facility_code").alias("ancestor_code"), "facility_code")]
    ).join(below.select("ancestor_code").unique(), on="ancestor_code", how="semi")
    names = facilities.select(
        pl.col("facility_code"), pl.col("name").alias("facility_name"), "level", "parent_code"
    )
    aggregates = (
        _sum_lines(
            lines.join(subtree, on="facility_code", how="inner").drop("facility_code"),
            ["ancestor_code"],
        )
        .rename({"ancestor_code": "facility_code"})
        .join(names, on="facility_code", how="left")
        .with_columns(pl.lit("aggregate").alias("scope"))
    )
    total = _sum_lines(lines, []).with_columns(
        pl.lit("total").alias("scope"), pl.lit("Tổng cộng").alias("facility_name")
    )
    summed = _with_order(
        pl.concat([aggregates, total], how="diagonal_relaxed").with_columns(
            pl.lit("sum").alias("need_method")
        ),
        parameters,
    ).with_columns(
        pl.concat_str(
            [
                pl.format(
                    "Cộng {} cơ sở: nhu cầu kỳ {} (thường xuyên {} + tiêm bù {}); dự trữ {}; tối đa {};"
                    " mức đặt hàng {}",
                    "facilities",
                    "need_doses",
                    "need_routine",
                    "need_catchup",
                    "reserve_doses",
                    "max_stock_doses",
                    "reorder_level_doses",
                ),
                _order_workings(),
            ],
            separator="\n",
        ).alias("workings")
    )
    rank = pl.col("scope").replace_strict(_SCOPE_RANK, return_dtype=pl.Int64)
    return (
        pl.concat([lines.select(FORECAST.names()), summed], how="diagonal_relaxed")
        .select(FORECAST.names())
        .cast(dict(FORECAST))
        .sort("product_code", rank, "facility_code", nulls_last=True)
    )


# --------------------------------------------------------------------------------------------------
# Bundled supplies
# --------------------------------------------------------------------------------------------------


def default_bundle_ratios(
    products: pl.LazyFrame,
    *,
    oral_product_codes: Collection[str] = (),
    defaults: BundlingDefaults | None = None,
) -> pl.LazyFrame:
    """Seed ``BUNDLE_RATIOS`` rows from ``BundlingDefaults`` for the products (oral ones get no syringes)."""
    # AD syringes and safety boxes per dose of injectables; diluent, mixing syringe and safety box per
    # vial of lyophilised vaccines.
    d = defaults or BundlingDefaults()
    box = d.syringe_wastage_factor / d.syringes_per_safety_box
    vaccines = products.filter(~pl.col("is_diluent"))
    injectable = vaccines.filter(~pl.col("product_code").is_in(list(oral_product_codes)))
    lyophilised = injectable.filter(pl.col("presentation") == "lyophilised")
    diluents = products.filter(pl.col("is_diluent")).select(
        pl.col("product_code").alias("diluent_code"), pl.col("name").alias("diluent_name")
    )

    def rows(
        frame: pl.LazyFrame, code: str | pl.Expr, name: str | pl.Expr, per: str, ratio: float
    ) -> pl.LazyFrame:
        return frame.select(
            "product_code",
            (pl.lit(code) if isinstance(code, str) else code).alias("item_code"),
            (pl.lit(name) if isinstance(name, str) else name).alias("item_name"),
            pl.lit(per).alias("per"),
            pl.lit(ratio, dtype=pl.Float64).alias("ratio"),
        )

    with_diluent = lyophilised.filter(pl.col("diluent_code").is_not_null()).join(
        diluents, on="diluent_code", how="left"
    )
    return pl.concat(
        [
            rows(injectable, d.ad_syringe_code, d.ad_syringe_name, "dose", d.syringe_wastage_factor),
            rows(injectable, d.safety_box_code, d.safety_box_name, "dose", box),
            rows(
                with_diluent,
                pl.col("diluent_code"),
                pl.coalesce(pl.col("diluent_name"), pl.col("diluent_code")),
                "vial",
                d.diluent_vials_per_vial,
            ),
            rows(lyophilised, d.mixing_syringe_code, d.mixing_syringe_name, "vial", d.syringe_wastage_factor),
            rows(lyophilised, d.safety_box_code, d.safety_box_name, "vial", box),
        ]
    ).cast(dict(BUNDLE_RATIOS))


def supply_totals(supplies: pl.DataFrame) -> pl.DataFrame:
    """The request's totals per item over every vaccine, rounded up once (not a sum of rounded shares)."""
    return (
        supplies.filter(pl.col("scope") == "total")
        .group_by("item_code", "item_name")
        .agg(pl.col("exact").sum().round(6).ceil().cast(pl.Int64).alias("quantity"))
        .sort("item_code")
    )


def bundled_supplies(forecast: pl.LazyFrame, ratios: pl.LazyFrame) -> pl.LazyFrame:
    """Items bundled with each order line: ⌈Σ ratio × doses (or vials) ordered⌉ per item (``SUPPLIES``)."""
    base = pl.when(pl.col("per") == "vial").then(pl.col("order_vials")).otherwise(pl.col("order_doses"))
    return (
        forecast.select("scope", "facility_code", "product_code", "order_doses", "order_vials")
        .join(ratios, on="product_code", how="inner")
        .group_by("scope", "facility_code", "product_code", "item_code", maintain_order=True)
        .agg(pl.col("item_name").first(), (base * pl.col("ratio")).sum().alias("exact"))
        .with_columns(pl.col("exact").round(6).ceil().cast(pl.Int64).alias("quantity"))
        .select(SUPPLIES.names())
        .cast(dict(SUPPLIES))
    )
