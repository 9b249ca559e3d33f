"""Alert kinds (a registry), their thresholds with defaults, and the pure rules behind the numbers.

Every threshold is a programme parameter (reference/who-rules.md: "store them as configuration with the WHO
value as the default"): the defaults below can be overridden for a product, a facility or a facility ×
product, by whoever may change the forecast parameters. The reserve share and the lead time are the
forecast's own settings (forecasting.needs.Settings), read with the same overrides, so that the request to
the province and the alerts use one re-order level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from inventory.errors import ValidationFailed

CRITICAL, WARNING, INFO = "critical", "warning", "info"
SEVERITY_RANK = {CRITICAL: 1, WARNING: 2, INFO: 3}
DAYS_PER_MONTH = 30.4
"""Days per month in months of stock (WHO medicines quantification, who-rules.md §1.4, S12)."""


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of alert: its code, default severity, what it concerns, and where a user acts on it.

    `link` is a path template filled from the alert (facility, product, lot_number, shipment); the text of
    the title and of what to do are catalogue entries `alerts.kind.<code>` and `alerts.do.<code>`. A new
    kind (the cold chain's missing reading, open excursion, broken equipment; the monthly report's deadline)
    is one entry here, one rule that returns its conditions, and two catalogue entries.
    """

    code: str
    severity: str
    concerns: str
    """"product", "lot" (lot at a location), "shipment" or "facility"."""
    link: str
    group: str
    """For the page's filter and the dashboard's colours: "level", "expiry", "quality", "shipment", "count"."""


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("stock_out", CRITICAL, "product", "/stock?facility={facility}", "level"),
        Kind("below_reserve", CRITICAL, "product", "/forecast?facility={facility}", "level"),
        Kind("below_reorder", WARNING, "product", "/forecast?facility={facility}", "level"),
        Kind("above_maximum", INFO, "product", "/issue?facility={facility}", "level"),
        Kind("stock_out_predicted", CRITICAL, "product", "/forecast?facility={facility}", "level"),
        Kind("expiring", WARNING, "lot", "/lots?facility={facility}&product={product}", "expiry"),
        Kind("expiry_risk", WARNING, "lot", "/issue?facility={facility}", "expiry"),
        Kind("unusable_on_shelf", WARNING, "lot", "/adjust?facility={facility}", "quality"),
        Kind("on_hold", WARNING, "lot", "/lots?facility={facility}&product={product}", "quality"),
        Kind("shipment_unconfirmed", WARNING, "shipment", "/shipments/{shipment}/confirm", "shipment"),
        Kind("confirmation_discrepancy", WARNING, "shipment", "/shipments/{shipment}", "shipment"),
        Kind("count_overdue", WARNING, "facility", "/count?facility={facility}", "count"),
        Kind("reading_missing", WARNING, "location", "/coldchain/{facility}/{location}", "coldchain"),
        Kind("excursion_open", CRITICAL, "location", "/coldchain?facility={facility}", "coldchain"),
        Kind("equipment_broken", CRITICAL, "location", "/coldchain?facility={facility}", "coldchain"),
        Kind(
            "report_overdue",
            WARNING,
            "facility",
            "/reports?kind={report}&period={period}&facility={facility}",
            "report",
        ),
    )
}
"""Every kind, in the order the alerts page and the digest list them."""

LEVEL_KINDS = ("stock_out", "below_reserve", "below_reorder", "above_maximum")
"""The stock-level ladder: at most one of these per facility × product at a time (the most severe)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Thresholds:
    """Alert thresholds for one facility × product, with their defaults."""

    consumption_days: int = 90
    """"Recent consumption": doses that left the facility's storage (issued, used, wasted; reversals netted
    out) over this many days up to today, the same window the dashboard's months of stock uses."""
    supply_interval_months: float = 1.0
    """Months between two deliveries to the facility (WHO: the supply period; monthly to communes is the
    usual EPI practice, UNVERIFIED for Vietnam's district stores: override per facility)."""
    reserve_share: float = 0.25
    """Reserve (minimum) stock as a share of the supply period's need (who-rules.md §1.6, S1). Read from the
    forecast settings."""
    lead_time_days: int = 14
    """Days from order to delivery from the facility's supplier. Read from the forecast settings."""
    expiry_windows_days: tuple[int, ...] = (30, 90)
    """A usable lot expiring within the first window is a warning, within a later one information."""
    expiry_risk_min_doses: int = 1
    """Doses that will expire before use below this are not worth an alert."""
    confirm_within_days: int = 7
    """A shipment still unconfirmed this many days after dispatch (per destination, i.e. per route)."""
    discrepancy_days: int = 30
    """A confirmation with a discrepancy stays an alert this many days after it was confirmed."""
    count_period_days: int = 90
    """A facility holding stock should be counted at least this often (UNVERIFIED: quarterly assumed)."""
    reading_days: int = 2
    """Twice-daily readings looked at: today and the days before it (2: yesterday's afternoon reading is still
    missing in the morning's digest)."""
    reading_morning_hour: int = 10
    """Today's morning reading is missing from this hour (local time; the cold-chain page's 10:00)."""
    reading_afternoon_hour: int = 17
    """Today's afternoon reading is missing from this hour (the cold-chain page's 17:00)."""
    report_grace_days: int = 0
    """A monthly report is overdue this many days after its deadline (the deadlines are the reports' calendar
    settings, TT 34/2018 Art 21: the 5th for a station, the 10th for a district)."""
    report_months: int = 3
    """How many past months are checked for a report not sent."""

    @property
    def reserve_months(self) -> float:
        """s_min = 25 % of the supply period's need, in months of stock (S1 §5.5.2)."""
        return self.reserve_share * self.supply_interval_months

    @property
    def maximum_months(self) -> float:
        """s_max = the supply period's need + s_min (S1 §5.5.3)."""
        return self.supply_interval_months + self.reserve_months

    @property
    def reorder_months(self) -> float:
        """s_critical = doses used during the lead time + s_min (S1, S8)."""
        return self.lead_time_days / DAYS_PER_MONTH + self.reserve_months


THRESHOLD_NAMES = tuple(f.name for f in fields(Thresholds))
FORECAST_NAMES = ("reserve_share", "lead_time_days")
"""Thresholds that are forecast settings: set and overridden through the forecast parameters."""
ALERT_NAMES = tuple(n for n in THRESHOLD_NAMES if n not in FORECAST_NAMES)
FACILITY_ONLY = (
    "confirm_within_days",
    "count_period_days",
    "reading_days",
    "reading_morning_hour",
    "reading_afternoon_hour",
    "report_grace_days",
    "report_months",
)
"""Thresholds of a facility, not of a product."""


def check_threshold(name: str, value: Any) -> Any:
    """The value, normalised; or ValidationFailed naming the setting."""
    if name not in THRESHOLD_NAMES:
        raise ValidationFailed(message="error.alerts.unknown_setting", params={"name": name}, field="name")
    if name == "expiry_windows_days":
        if not (isinstance(value, list | tuple) and value and all(_whole(v) and v >= 0 for v in value)):
            raise ValidationFailed(message="error.alerts.windows", params={"name": name}, field="value")
        return tuple(sorted(set(int(v) for v in value)))
    if name in ("supply_interval_months", "reserve_share"):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < 0 or (name == "supply_interval_months" and value <= 0):
            raise ValidationFailed(message="error.alerts.positive", params={"name": name}, field="value")
        return float(value)
    minimum = 1 if name in ("consumption_days", "count_period_days", "reading_days", "report_months") else 0
    if name in ("reading_morning_hour", "reading_afternoon_hour") and _whole(value) and value > 23:
        raise ValidationFailed(message="error.alerts.hour", params={"name": name}, field="value")
    if not _whole(value) or value < minimum:
        raise ValidationFailed(
            message="error.alerts.whole", params={"name": name, "minimum": minimum}, field="value"
        )
    return int(value)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class ThresholdTable:
    """Defaults and overrides; most specific wins: facility × product, facility, product, default."""

    defaults: Thresholds = field(default_factory=Thresholds)
    by_product: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    by_facility: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    by_facility_product: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)

    def for_line(self, facility_code: str, product_code: str | None) -> Thresholds:
        merged: dict[str, Any] = {}
        layers = [self.by_facility.get(facility_code, {})]
        if product_code is not None:
            layers.insert(0, self.by_product.get(product_code, {}))
            layers.append(self.by_facility_product.get((facility_code, product_code), {}))
        for layer in layers:
            merged.update({k: v for k, v in layer.items() if v is not None and k in THRESHOLD_NAMES})
        return replace(self.defaults, **merged)


def whole_doses(value: float) -> int:
    """A threshold in doses: rounded half-up to whole doses (doses are whole; 75.99999 from 0.25 × 304 is 76)."""
    return math.floor(round(value, 6) + 0.5)


def level_of(usable: int, *, reserve: int, reorder: int, maximum: int, has_rate: bool) -> str | None:
    """The stock-level kind of usable doses against the thresholds in doses (strict comparisons: stock at
    a level is not below it). Without recent consumption only a stock-out can be told."""
    if usable <= 0:
        return "stock_out"
    if not has_rate:
        return None
    if usable < reserve:
        return "below_reserve"
    if usable < reorder:
        return "below_reorder"
    if usable > maximum:
        return "above_maximum"
    return None


def expiry_severity(days_left: int, windows: tuple[int, ...]) -> str | None:
    """WARNING within the first window (days to expiry ≤ window), INFO within a later one, else None."""
    for index, window in enumerate(windows):
        if days_left <= window:
            return WARNING if index == 0 else INFO
    return None


def link_for(
    kind: str,
    *,
    facility: str,
    product: str | None,
    shipment: int | None,
    numbers: Mapping[str, Any] | None = None,
) -> str:
    """The page that acts on an alert; a cold-chain or report alert's place and period come from its numbers."""
    numbers = numbers or {}
    return KINDS[kind].link.format(
        facility=facility,
        product=product or "",
        shipment=shipment or "",
        location=numbers.get("location_code") or "",
        report=numbers.get("report") or "",
        period=numbers.get("period") or "",
    )


def facility_tree(suppliers: Mapping[int, int | None], root: int) -> set[int]:
    """A facility and every facility it supplies, directly or through others (facility -> its supplier)."""
    children: dict[int | None, list[int]] = {}
    for facility, supplier in suppliers.items():
        children.setdefault(supplier, []).append(facility)
    tree, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in tree:
                tree.add(child)
                todo.append(child)
    return tree


def readable_by(
    role: str, facility_id: int | None, suppliers: Mapping[int, int | None]
) -> frozenset[int] | None:
    """What a user reads (as UserBase.principal in inventory/users/base.py): everything (admin, viewer;
    None), a store and what it supplies (store keeper), its own station (commune worker)."""
    if facility_id is None or role in ("admin", "viewer"):
        return None
    if role == "store_keeper":
        return frozenset(facility_tree(suppliers, facility_id))
    return frozenset({facility_id})
