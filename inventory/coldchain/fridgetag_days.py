"""Fridge-tag 2 day summaries and their judgment: the alarm rules a report states (`DeviceRule`), each day's
record (`DaySummary`, `DayAlarm`), and the excursions of a day under its own report's rules (`judge_day`).
Pure, standard library only; the text report is read into these by inventory.coldchain.fridgetag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from inventory.coldchain.domain import AlarmRule, Kind


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
