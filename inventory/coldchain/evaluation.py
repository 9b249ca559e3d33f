"""A logged temperature series judged against the excursion rules (`evaluate_series`): its readings, its gaps,
and every continuous or cumulative excursion found in it. Pure functions, standard library only.

Semantics (docs/coldchain.md):
- A reading holds from its instant until the next reading ("sample and hold"), if the next one comes within
  the series' `max_gap`; a longer step is a **gap**: it counts neither as time beyond a limit nor as time
  back in range. A continuous run meets a gap and stops there; if the readings on both sides of the gap are
  beyond the limit and the run would reach the rule's duration with the gap counted, the excursion is still
  reported, marked `across_gap` (it may have happened; a person decides). A gap never silently extends or
  resets a run.
- Thresholds: inclusive or strict, as each rule says (`AlarmRule.breaches`).
- Continuous ("single event"): the time beyond the limit without interruption reaches the duration; the run
  resets when a reading is back in range. Cumulative: the time beyond the limit summed within a trailing
  window reaches the duration; after it fires, counting starts again after that breach.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from inventory.coldchain.domain import AlarmRule, Kind, Mode


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
