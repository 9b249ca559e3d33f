"""Cold-chain rules as data, without a database: the equipment vocabularies, the excursion rules of each
equipment type (`AlarmRule`, `DEFAULT_RULES`) with a location's overrides and their stored form, the storage
range a reading should stay in, and the twice-daily manual reading judged against it (out of range, missing).
A rule says whether its limit is inclusive (WHO "at or above" / "at or below": the limit itself breaches) or
strict ("above +8 °C": +8.0 does not).

A logged series is judged against these rules in inventory.coldchain.evaluation; a Fridge-tag day against the
rules in its own report in inventory.coldchain.fridgetag_days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Literal

Kind = Literal["heat", "freeze"]
Mode = Literal["continuous", "cumulative"]

EQUIPMENT_TYPES = (
    "refrigerator",
    "freezer",
    "ice_lined_refrigerator",
    "solar_direct_drive",
    "cold_box",
    "vaccine_carrier",
    "cold_room",
)
EQUIPMENT_STATUSES = ("working", "needs_repair", "broken", "decommissioned")
ENERGY_SOURCES = ("electricity", "solar", "kerosene", "gas", "passive")
FREEZE_INDICATOR_STATES = ("not_checked", "ok", "alarm")
PERIODS = ("morning", "afternoon")


@dataclass(frozen=True)
class AlarmRule:
    """One excursion rule: beyond `threshold_c` for `minutes` (continuously, or summed within `window`)."""

    name: str
    kind: Kind
    mode: Mode
    threshold_c: float
    minutes: int
    inclusive: bool = True
    window_minutes: int | None = None
    """Cumulative rules only: the trailing window the time beyond the limit is summed in."""

    def __post_init__(self) -> None:
        if self.minutes < 0:
            raise ValueError("a rule's duration is not negative")
        if self.mode == "cumulative" and not self.window_minutes:
            raise ValueError("a cumulative rule needs its window")

    def breaches(self, celsius: float) -> bool:
        """Whether a temperature is beyond this rule's limit (the limit itself too when inclusive)."""
        if self.kind == "heat":
            return celsius >= self.threshold_c if self.inclusive else celsius > self.threshold_c
        return celsius <= self.threshold_c if self.inclusive else celsius < self.threshold_c


@dataclass(frozen=True)
class StorageRange:
    """The range a reading should stay in (a manual reading outside it opens an excursion)."""

    low_c: float
    high_c: float


_FRIDGE_RULES = (
    # WHO PQS 30DTR / E003 (who-rules.md §3.2): freeze at or below -0.5 °C for 60 continuous minutes
    # (verified threshold); heat above +8 °C for 10 continuous hours (UNVERIFIED: configurable).
    AlarmRule("freeze", "freeze", "continuous", -0.5, 60, inclusive=True),
    AlarmRule("heat", "heat", "continuous", 8.0, 600, inclusive=False),
)
_TRANSPORT_RULES = (
    *_FRIDGE_RULES,
    # WHO PQS E006/TR07 shipping indicators (10-day devices), inclusive: at or above +45 °C for 1 h
    # single event; at or above +30 °C cumulative 10 h.
    AlarmRule("heat_45", "heat", "continuous", 45.0, 60, inclusive=True),
    AlarmRule(
        "heat_30_cumulative", "heat", "cumulative", 30.0, 600, inclusive=True, window_minutes=10 * 1440
    ),
)
_FREEZER_RULES = (
    # Freezers keep OPV at -25..-15 °C (UNVERIFIED, who-rules.md §3.1): warmer than -15 °C for 10 h.
    AlarmRule("heat", "heat", "continuous", -15.0, 600, inclusive=False),
)
DEFAULT_RULES: dict[str, tuple[AlarmRule, ...]] = {
    "refrigerator": _FRIDGE_RULES,
    "ice_lined_refrigerator": _FRIDGE_RULES,
    "solar_direct_drive": _FRIDGE_RULES,
    "cold_room": _FRIDGE_RULES,
    "cold_box": _TRANSPORT_RULES,
    "vaccine_carrier": _TRANSPORT_RULES,
    "freezer": _FREEZER_RULES,
}
"""The excursion rules of each equipment type; a location may override any of them by name (`rules_for`)."""

STORAGE_RANGES: dict[str, StorageRange] = {
    **{kind: StorageRange(2.0, 8.0) for kind in EQUIPMENT_TYPES},
    "freezer": StorageRange(-25.0, -15.0),
}


def rules_for(equipment_type: str, overrides: Sequence[AlarmRule] = ()) -> tuple[AlarmRule, ...]:
    """The rules of an equipment type with a location's overrides: a rule of the same name replaces the
    type's rule, a new name adds one."""
    rules = {rule.name: rule for rule in DEFAULT_RULES.get(equipment_type, _FRIDGE_RULES)}
    for rule in overrides:
        rules[rule.name] = rule
    return tuple(rules.values())


def rule_from_mapping(data: Mapping[str, object]) -> AlarmRule:
    """A rule from its stored form (JSON); raises ValueError or KeyError on a malformed one."""
    window = data.get("window_minutes")
    kind = str(data["kind"])
    mode = str(data["mode"])
    if kind not in ("heat", "freeze") or mode not in ("continuous", "cumulative"):
        raise ValueError("unknown kind or mode")
    return AlarmRule(
        name=str(data["name"]),
        kind=kind,  # type: ignore[arg-type]
        mode=mode,  # type: ignore[arg-type]
        threshold_c=float(data["threshold_c"]),  # type: ignore[arg-type]
        minutes=int(data["minutes"]),  # type: ignore[call-overload]
        inclusive=bool(data.get("inclusive", True)),
        window_minutes=int(window) if window is not None else None,  # type: ignore[call-overload]
    )


def rule_to_mapping(rule: AlarmRule) -> dict[str, object]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "mode": rule.mode,
        "threshold_c": rule.threshold_c,
        "minutes": rule.minutes,
        "inclusive": rule.inclusive,
        "window_minutes": rule.window_minutes,
    }


# --- the twice-daily manual reading -----------------------------------------------------------------------

MORNING_DUE = time(10, 0)
AFTERNOON_DUE = time(17, 0)
"""A morning reading not entered by 10:00 (local) is shown missing; an afternoon one by 17:00."""


def judge_manual_reading(celsius: float, freeze_indicator: str, storage: StorageRange) -> Kind | None:
    """A manual reading outside the storage range (its ends are in range: +2.0 and +8.0 are fine), or a freeze
    indicator in alarm, opens an excursion at once: freeze when cold, heat when warm."""
    if freeze_indicator == "alarm" or celsius < storage.low_c:
        return "freeze"
    if celsius > storage.high_c:
        return "heat"
    return None


def missing_periods(
    days: Sequence[date], entered: set[tuple[date, str]], *, today: date, now: time
) -> list[tuple[date, str]]:
    """The (day, period) readings not entered: every period of a past day, and today's once it is due."""
    missing = []
    for day in days:
        if day > today:
            continue
        for period, due in (("morning", MORNING_DUE), ("afternoon", AFTERNOON_DUE)):
            if (day, period) in entered:
                continue
            if day < today or now >= due:
                missing.append((day, period))
    return missing
