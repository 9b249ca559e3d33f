"""Forecast parameters: per-line Settings, Parameters and their overrides, indicative wastage, checks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Literal

import polars as pl

from forecasting.periods import ForecastParameterError

Method = Literal["auto", "target_population", "consumption"]
_METHODS = ("auto", "target_population", "consumption")


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
            check_setting(name, value, scope)
        return self


SETTING_DTYPES: dict[str, pl.DataType] = {
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


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def refuse(name: str, value: object, scope: str, rule: str, code: str) -> ForecastParameterError:
    where = "" if scope == "default" else f" ({scope})"
    return ForecastParameterError(
        name, f"{value!r}{where} is impossible: {rule}", value=value, scope=scope, code=f"setting.{code}"
    )


def check_setting(name: str, value: object, scope: str) -> None:
    if name not in SETTING_DTYPES:
        known = ", ".join(SETTING_NAMES)
        raise ForecastParameterError(
            name,
            f"unknown setting ({scope}); known settings: {known}",
            scope=scope,
            code="setting.unknown",
            params={"name": name, "known": known},
        )
    if name == "wastage_rate" and value is None:
        return
    if name == "method":
        if value not in _METHODS:
            raise refuse(name, value, scope, f"method must be one of {', '.join(_METHODS)}", "method")
        return
    integer = SETTING_DTYPES[name] == pl.Int64()
    if not is_number(value) or (integer and not isinstance(value, int)):
        rule, code = (
            ("a whole number is required", "whole") if integer else ("a number is required", "number")
        )
        raise refuse(name, value, scope, rule, code)
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
        raise refuse(name, value, scope, rule, "share" if name not in rules else name)


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
                if value is not None or name not in SETTING_DTYPES:
                    check_setting(name, value, scope)
        if not (isinstance(self.review_months, int) and self.review_months >= 1):
            raise refuse(
                "review_months", self.review_months, "default", "at least 1 month of history", "review_months"
            )
        if not (is_number(self.days_per_month) and self.days_per_month > 0):
            raise refuse(
                "days_per_month",
                self.days_per_month,
                "default",
                "must be a positive number",
                "days_per_month",
            )
        if self.wf_decimals is not None and not (isinstance(self.wf_decimals, int) and self.wf_decimals >= 0):
            raise refuse(
                "wf_decimals",
                self.wf_decimals,
                "default",
                "a whole number of decimals or None",
                "wf_decimals",
            )
        if self.order_rounding not in ("pack", "vial"):
            raise refuse(
                "order_rounding", self.order_rounding, "default", "must be 'pack' or 'vial'", "order_rounding"
            )
        for row in self.indicative_wastage:
            if not (is_number(row.rate) and 0 <= row.rate < 1):
                raise refuse(
                    "indicative_wastage", row.rate, "default", "wastage must be in [0, 1)", "wastage_rate"
                )

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
