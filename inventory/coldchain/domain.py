"""Cold-chain rules without a database: excursion rules as data, a temperature series judged against them,
Fridge-tag day summaries judged against the rules in their report, and the twice-daily manual reading.

Semantics (docs/coldchain.md):
- A reading holds from its instant until the next reading ("sample and hold"), if the next one comes within
  the series' `max_gap`; a longer step is a **gap**: it counts neither as time beyond a limit nor as time
  back in range. A continuous run meets a gap and stops there; if the readings on both sides of the gap are
  beyond the limit and the run would reach the rule's duration with the gap counted, the excursion is still
  reported, marked `across_gap` (it may have happened; a person decides). A gap never silently extends or
  resets a run.
- Thresholds: a rule says whether its limit is inclusive (WHO "at or above" / "at or below": the limit itself
  breaches) or strict ("above +8 °C": +8.0 does not).
- Continuous ("single event"): the time beyond the limit without interruption reaches the duration; the run
  resets when a reading is back in range. Cumulative: the time beyond the limit summed within a trailing
  window reaches the duration; after it fires, counting starts again after that breach.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
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


# --- a series of readings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One logged temperature at an instant (timezone-aware)."""

    at: datetime
    celsius: float


@dataclass(frozen=True)
class Gap:
    """A stretch with no reading: from the last reading before it to the first after it."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Excursion:
    """A rule broken: beyond its limit from `started_at`, the alarm reached at `alarm_at`, back in range at
    `ended_at` (None: still beyond at the end of the data)."""

    rule: str
    kind: Kind
    mode: Mode
    started_at: datetime
    alarm_at: datetime
    ended_at: datetime | None
    minutes_beyond: float
    extreme_c: float
    across_gap: bool = False


@dataclass(frozen=True)
class SeriesVerdict:
    excursions: list[Excursion] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


def default_max_gap(readings: Sequence[Reading]) -> timedelta:
    """Twice the series' usual step, at least 10 minutes: a longer step between two readings is a gap."""
    steps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(readings)]
    usual = median(steps) if steps else 0.0
    return max(timedelta(seconds=2 * usual), timedelta(minutes=10))


@dataclass(frozen=True)
class _Piece:
    """A stretch of time at one reading's value; `gap_after`: the next stretch is a gap."""

    start: datetime
    end: datetime
    celsius: float
    gap_after: bool


def _pieces(readings: Sequence[Reading], max_gap: timedelta) -> tuple[list[_Piece], list[Gap]]:
    pieces: list[_Piece] = []
    gaps: list[Gap] = []
    for current, following in itertools.pairwise(readings):
        step = following.at - current.at
        if step <= timedelta(0):
            raise ValueError("readings must be in strictly increasing time")
        if step > max_gap:
            pieces.append(_Piece(current.at, current.at, current.celsius, True))
            gaps.append(Gap(current.at, following.at))
        else:
            pieces.append(_Piece(current.at, following.at, current.celsius, False))
    if readings:
        last = readings[-1]
        pieces.append(_Piece(last.at, last.at, last.celsius, False))
    return pieces, gaps


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


@dataclass(frozen=True)
class _Stretch:
    """Consecutive readings beyond a rule's limit, with no gap inside."""

    start: datetime
    end: datetime
    extreme_c: float
    after_gap: bool
    """It starts with the first reading after a gap."""
    before_gap: bool
    """It ends with the last reading before a gap."""
    to_the_end: bool
    """It ends with the last reading of the series (still beyond when the data stops)."""

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def _stretches(rule: AlarmRule, pieces: Sequence[_Piece]) -> list[_Stretch]:
    found: list[_Stretch] = []
    current: list[_Piece] = []
    after_gap = False

    def close(*, before_gap: bool, to_the_end: bool) -> None:
        nonlocal current
        if current:
            values = (p.celsius for p in current)
            extreme = max(values) if rule.kind == "heat" else min(values)
            found.append(
                _Stretch(current[0].start, current[-1].end, extreme, start_after_gap, before_gap, to_the_end)
            )
        current = []

    start_after_gap = False
    for index, piece in enumerate(pieces):
        if rule.breaches(piece.celsius):
            if not current:
                start_after_gap = after_gap
            current.append(piece)
            if piece.gap_after:
                close(before_gap=True, to_the_end=False)
            elif index == len(pieces) - 1:
                close(before_gap=False, to_the_end=True)
        else:
            close(before_gap=False, to_the_end=False)
        after_gap = piece.gap_after
    return found


def _continuous(rule: AlarmRule, pieces: Sequence[_Piece]) -> list[Excursion]:
    limit = timedelta(minutes=rule.minutes)
    stretches = _stretches(rule, pieces)
    found: list[Excursion] = []
    for index, stretch in enumerate(stretches):
        ended = None if stretch.to_the_end else stretch.end
        if stretch.length >= limit:
            found.append(
                Excursion(
                    rule.name,
                    rule.kind,
                    rule.mode,
                    stretch.start,
                    stretch.start + limit,
                    ended,
                    _minutes(stretch.length),
                    stretch.extreme_c,
                )
            )
            continue
        before = stretches[index - 1] if index else None
        joined = (
            before is not None
            and before.before_gap
            and stretch.after_gap
            and before.length < limit
            and stretch.end - before.start >= limit
        )
        if joined:
            assert before is not None
            found.append(
                Excursion(
                    rule.name,
                    rule.kind,
                    rule.mode,
                    before.start,
                    before.start + limit,
                    ended,
                    _minutes(before.length + stretch.length),
                    max(before.extreme_c, stretch.extreme_c)
                    if rule.kind == "heat"
                    else min(before.extreme_c, stretch.extreme_c),
                    across_gap=True,
                )
            )
    return found


def _cumulative(rule: AlarmRule, pieces: Sequence[_Piece]) -> list[Excursion]:
    """Trailing-window sums of the time beyond the limit. Within a stretch beyond the limit the window's sum
    never falls (time enters at least as fast as it leaves), so the first crossing is found stretch by
    stretch, then pinned to the second inside it."""
    assert rule.window_minutes is not None
    window = timedelta(minutes=rule.window_minutes)
    limit = timedelta(minutes=rule.minutes)
    stretches = [s for s in _stretches(rule, pieces) if s.length > timedelta(0)]
    found: list[Excursion] = []
    counted_from: datetime | None = None

    def since(at: datetime) -> datetime:
        return at - window if counted_from is None else max(at - window, counted_from)

    def summed(at: datetime) -> timedelta:
        start_of_window = since(at)
        total = timedelta(0)
        for s in stretches:
            if s.start >= at:
                break
            start, end = max(s.start, start_of_window), min(s.end, at)
            if end > start:
                total += end - start
        return total

    for index, stretch in enumerate(stretches):
        if counted_from is not None and stretch.end <= counted_from:
            continue
        if summed(stretch.end) < limit:
            continue
        low, high = stretch.start, stretch.end
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if summed(middle) >= limit:
                high = middle
            else:
                low = middle
        alarm_at = high
        counted = [s for s in stretches[: index + 1] if s.end > since(alarm_at)]
        extremes = [s.extreme_c for s in counted]
        found.append(
            Excursion(
                rule.name,
                rule.kind,
                rule.mode,
                max(counted[0].start, since(alarm_at)),
                alarm_at,
                None if stretch.to_the_end else stretch.end,
                _minutes(summed(stretch.end)),
                max(extremes) if rule.kind == "heat" else min(extremes),
            )
        )
        counted_from = stretch.end
    return found


def evaluate_series(
    readings: Sequence[Reading], rules: Sequence[AlarmRule], *, max_gap: timedelta | None = None
) -> SeriesVerdict:
    """Every excursion of every rule in a series (sorted by time), and the series' gaps."""
    ordered = sorted(readings, key=lambda r: r.at)
    for reading in ordered:
        if reading.at.tzinfo is None:
            raise ValueError("reading instants must be timezone-aware")
    pieces, gaps = _pieces(ordered, max_gap if max_gap is not None else default_max_gap(ordered))
    excursions: list[Excursion] = []
    for rule in rules:
        excursions += _continuous(rule, pieces) if rule.mode == "continuous" else _cumulative(rule, pieces)
    excursions.sort(key=lambda e: (e.alarm_at, e.rule))
    return SeriesVerdict(excursions, gaps)


# --- Fridge-tag day summaries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceRule:
    """An alarm rule as a Fridge-tag report states it (`Conf: Alarm:`): index 0 is the low alarm, 1 the high."""

    index: int
    threshold_c: float
    minutes: int

    @property
    def kind(self) -> Kind:
        return "freeze" if self.index == 0 else "heat"

    def as_rule(self) -> AlarmRule:
        """Freeze at or below the low limit (WHO's wording); heat strictly above the high one."""
        name = "freeze" if self.kind == "freeze" else "heat"
        return AlarmRule(
            name, self.kind, "continuous", self.threshold_c, self.minutes, inclusive=self.kind == "freeze"
        )


@dataclass(frozen=True)
class DayAlarm:
    """One alarm's record of a day: minutes beyond its limit (`t Acc`), and when it fired (`TS A`, `C A`)."""

    index: int
    minutes_beyond: int
    fired_at: time | None = None
    breaches: int | None = None


@dataclass(frozen=True)
class DaySummary:
    """A day of a 30-day recorder. Temperatures None: the device has no data for that day (never 0 °C)."""

    day: date
    min_c: float | None
    max_c: float | None
    avg_c: float | None
    min_at: time | None = None
    max_at: time | None = None
    alarms: tuple[DayAlarm, ...] = ()
    sensor_timeout_minutes: int | None = None
    events: int | None = None
    checked_am: time | None = None
    checked_pm: time | None = None

    @property
    def has_data(self) -> bool:
        return self.avg_c is not None or self.min_c is not None or self.max_c is not None


@dataclass(frozen=True)
class DayExcursion:
    """A rule broken on a day: the device's alarm fired, or the day's minutes beyond the limit reached the
    rule's duration."""

    day: date
    kind: Kind
    alarm_index: int
    minutes_beyond: int
    fired_at: time | None
    fired_by_device: bool
    extreme_c: float | None


def judge_day(day: DaySummary, rules: Sequence[DeviceRule]) -> list[DayExcursion]:
    """The excursions of one day under the rules of its own report.

    The device fires on a single event (`TS A`); it also adds up the day's minutes beyond each limit
    (`t Acc`) without firing (Berlinger manual §8.3). Here a day whose `t Acc` reaches the rule's duration
    is an excursion too (at the limit counts): several short breaches adding up to the rule's time put the
    stock in doubt as much as one long one, and a person decides after a VVM reading or shake test.
    """
    by_index = {rule.index: rule for rule in rules}
    found = []
    for alarm in day.alarms:
        rule = by_index.get(alarm.index)
        if rule is None:
            continue
        fired = alarm.fired_at is not None
        if fired or alarm.minutes_beyond >= rule.minutes:
            extreme = day.min_c if rule.kind == "freeze" else day.max_c
            found.append(
                DayExcursion(
                    day.day, rule.kind, rule.index, alarm.minutes_beyond, alarm.fired_at, fired, extreme
                )
            )
    return found


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
