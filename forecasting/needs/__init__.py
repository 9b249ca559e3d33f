"""Vaccine needs by the WHO methods: wastage factor, needs, reserve, min/max, re-order level, order quantity.

Two layers, with the same formulas:

- small scalar functions (``wastage_factor``, ``annual_need_target_population`` ...) that reproduce the
  published worked examples of reference/who-rules.md §5;
- :func:`forecast_needs`, a polars pipeline over facilities × products: ``LazyFrame`` in, ``LazyFrame`` out,
  schemas declared in :mod:`forecasting.needs.schemas`, native expressions only. The caller collects once.

Methods (who-rules.md §1):

- target population: period need = pt × dn × ic × WF ÷ 12 × months (S1 §5.2.6, §5.5.1), where pt comes
  from a target list when one is given, else from population × the share of the target group;
- previous consumption: adjusted average monthly consumption CA = CT ÷ (RM − stock-out days ÷ 30.4)
  (S12), period need = CA × months × (1 + growth); doses used already include wastage, so no WF;
- catch-up: backlog doses (from the register) × WF × min(1, months ÷ catch-up months) (§2.2);
- reserve = share × routine need (25 %, S1 §5.5.2), maximum = need + reserve, re-order level =
  routine need × lead time ÷ days in the period + reserve (S8), order = max(0, maximum − stock on hand −
  stock in transit) (S12), then whole vials and whole packs (§1.7).

Rounding policy (stated once, applied everywhere, tested in tests/unit/test_needs_formulas.py):

0. Every number is computed exactly from the counts and settings (fractions in the scalar formulas,
   Int128 numerators in the pipeline; a float setting counts to 9 decimals) and rounded once, half-up
   (half away from zero), by :mod:`forecasting.numbers`: both paths give the same answer, ties included.
1. Wastage rates are kept exact: measured w = (used − given) ÷ used over the review window. The wastage
   factor WF = 1 ÷ (1 − w) (= used ÷ given when measured) is rounded half-up to
   ``Parameters.wf_decimals`` = 2 decimals before it is used, as the published examples do (E1, E3;
   490 ÷ 400 = 1.225 → 1.23); ``wf_decimals=None`` keeps it exact. Measured wastage is used only when it
   is at least 0 and below 100 % (some doses given, no more than were used); a negative measure (more
   doses given than used) or none (no dose given) falls back to the indicative rate for the vial size,
   and the line's workings say so. A wastage rate set as a parameter always wins.
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

from forecasting.needs.aggregates import MAX_LEVELS as MAX_LEVELS
from forecasting.needs.formulas import (
    adjusted_monthly_consumption,
    annual_need_target_population,
    bundled_quantity,
    catchup_need,
    indicative_wastage_rate,
    maximum_stock,
    measured_wastage_factor,
    order_quantity,
    packs_for,
    reorder_level,
    reserve_stock,
    session_size_need,
    supply_period_need,
    target_population,
    usage_rate,
    vials_for,
    wastage_factor,
    wastage_rate,
)
from forecasting.needs.pipeline import catchup_backlog, forecast_needs
from forecasting.needs.rounding import round_doses, round_half_up
from forecasting.needs.schemas import (
    BACKLOG,
    BUNDLE_RATIOS,
    COMMUNE_FACILITIES,
    CONSUMPTION,
    FACILITIES,
    FORECAST,
    PRODUCTS,
    REGISTER_BACKLOG,
    STOCK,
    SUPPLIES,
    TARGET_GROUPS,
    TARGETS,
)
from forecasting.needs.settings import SETTING_NAMES as SETTING_NAMES
from forecasting.needs.settings import (
    WHO_INDICATIVE_WASTAGE,
    IndicativeWastage,
    Parameters,
    Settings,
)
from forecasting.needs.settings import Method as Method
from forecasting.needs.supplies import BundlingDefaults, bundled_supplies, default_bundle_ratios
from forecasting.needs.supplies import supply_totals as supply_totals
from forecasting.periods import ForecastParameterError

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
    "measured_wastage_factor",
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
