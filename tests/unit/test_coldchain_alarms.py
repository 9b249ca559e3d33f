"""Excursion rules on hand-built series: inclusive thresholds, runs that reset, cumulative windows, gaps, time
zones; Fridge-tag days at and just under the rule's limit; manual readings; missing readings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from inventory.coldchain.domain import (
    AlarmRule,
    StorageRange,
    judge_manual_reading,
    missing_periods,
    rule_from_mapping,
    rule_to_mapping,
    rules_for,
)
from inventory.coldchain.evaluation import Reading, evaluate_series
from inventory.coldchain.fridgetag_days import DayAlarm, DaySummary, DeviceRule, judge_day

START = datetime(2026, 2, 3, 0, 0, tzinfo=UTC)
FREEZE = AlarmRule("freeze", "freeze", "continuous", -0.5, 60, inclusive=True)
HEAT = AlarmRule("heat", "heat", "continuous", 8.0, 600, inclusive=False)


def series(values: list[float], *, step: int = 5, start: datetime = START) -> list[Reading]:
    return [Reading(start + timedelta(minutes=step * i), v) for i, v in enumerate(values)]


def test_freeze_at_exactly_the_limit_for_exactly_the_duration_is_an_excursion() -> None:
    # 12 readings of -0.5 °C five minutes apart hold from 00:00 to 01:00 (the 13th, in range, ends the run).
    verdict = evaluate_series(series([-0.5] * 12 + [4.0]), [FREEZE])
    [found] = verdict.excursions
    assert (found.started_at, found.alarm_at, found.ended_at) == (
        START,
        START + timedelta(hours=1),
        START + timedelta(hours=1),
    )
    assert found.minutes_beyond == 60
    assert found.extreme_c == -0.5


def test_a_tenth_above_the_freeze_limit_or_five_minutes_short_is_no_excursion() -> None:
    assert evaluate_series(series([-0.4] * 12 + [4.0]), [FREEZE]).excursions == []
    assert evaluate_series(series([-0.5] * 11 + [4.0]), [FREEZE]).excursions == []


def test_heat_strictly_above_the_limit_does_not_count_the_limit_itself() -> None:
    two_hours = AlarmRule("heat", "heat", "continuous", 8.0, 120, inclusive=False)
    assert evaluate_series(series([8.0] * 30 + [5.0]), [two_hours]).excursions == []
    [found] = evaluate_series(series([8.1] * 24 + [5.0]), [two_hours]).excursions
    assert found.alarm_at == START + timedelta(hours=2)
    inclusive = AlarmRule("heat30", "heat", "continuous", 30.0, 60, inclusive=True)
    assert len(evaluate_series(series([30.0] * 12 + [5.0]), [inclusive]).excursions) == 1
    assert evaluate_series(series([29.9] * 12 + [5.0]), [inclusive]).excursions == []


def test_a_continuous_run_resets_when_a_reading_is_back_in_range() -> None:
    # 50 minutes frozen, one reading in range, 50 minutes frozen: 100 minutes beyond, no single event of 60.
    values = [-1.0] * 10 + [3.0] + [-1.0] * 10 + [3.0]
    assert evaluate_series(values and series(values), [FREEZE]).excursions == []


def test_each_run_long_enough_is_its_own_excursion_and_the_extreme_is_its_coldest_reading() -> None:
    values = [-1.0] * 12 + [3.0] * 3 + [-2.5] + [-1.0] * 13 + [3.0]
    found = evaluate_series(series(values), [FREEZE]).excursions
    assert [(e.started_at, e.ended_at, e.extreme_c) for e in found] == [
        (START, START + timedelta(minutes=60), -1.0),
        (START + timedelta(minutes=75), START + timedelta(minutes=145), -2.5),
    ]


def test_a_run_still_beyond_when_the_data_stops_has_no_end() -> None:
    [found] = evaluate_series(series([-1.0] * 14), [FREEZE]).excursions
    assert found.ended_at is None
    assert found.minutes_beyond == 65  # 14 readings: 13 steps of 5 minutes held beyond the limit


CUMULATIVE = AlarmRule("heat10", "heat", "cumulative", 10.0, 120, inclusive=True, window_minutes=24 * 60)


def test_cumulative_time_adds_up_separate_breaches_within_the_window() -> None:
    # Four separate 30-minute breaches at or above +10 °C, each followed by an hour in range: the sum reaches
    # 120 minutes at the end of the fourth (00:00 + 3 × 90 min + 30 min = 05:00).
    block = [10.0] * 6 + [5.0] * 12
    [found] = evaluate_series(series(block * 4 + [5.0]), [CUMULATIVE]).excursions
    assert found.alarm_at == START + timedelta(hours=5)
    assert found.started_at == START
    assert found.minutes_beyond == 120
    assert evaluate_series(series(block * 4 + [5.0]), [HEAT]).excursions == []


def test_breaches_older_than_the_window_no_longer_count() -> None:
    window_3h = AlarmRule("heat10", "heat", "cumulative", 10.0, 60, inclusive=True, window_minutes=180)
    # 30 min beyond, 3 h in range, 30 min beyond: never 60 minutes within any 3 hours.
    values = [11.0] * 6 + [5.0] * 36 + [11.0] * 6 + [5.0]
    assert evaluate_series(series(values), [window_3h]).excursions == []
    # 30 min beyond, 2 h in range, 30 min beyond: 60 minutes within 3 hours, reached at 03:00.
    values = [11.0] * 6 + [5.0] * 24 + [11.0] * 6 + [5.0]
    [found] = evaluate_series(series(values), [window_3h]).excursions
    assert found.alarm_at == START + timedelta(hours=3)


def test_cumulative_counting_starts_again_after_an_alarm() -> None:
    window = AlarmRule("heat10", "heat", "cumulative", 10.0, 60, inclusive=True, window_minutes=24 * 60)
    # 60 minutes beyond (alarm at 01:00, breach ends then), then 30 more: not a second alarm.
    values = [12.0] * 12 + [5.0] * 6 + [12.0] * 6 + [5.0]
    [found] = evaluate_series(series(values), [window]).excursions
    assert found.ended_at == START + timedelta(hours=1)
    values = [12.0] * 12 + [5.0] * 6 + [12.0] * 12 + [5.0]
    assert [e.alarm_at for e in evaluate_series(series(values), [window]).excursions] == [
        START + timedelta(hours=1),
        START + timedelta(hours=2, minutes=30),
    ]


def test_a_gap_neither_extends_a_run_nor_counts_as_back_in_range() -> None:
    # 30 minutes frozen, then nothing for 3 hours, then 20 minutes frozen: the gap is not counted as frozen...
    before = series([-1.0] * 7)  # 00:00 .. 00:30
    after = series([-1.0] * 5 + [3.0], start=START + timedelta(hours=3, minutes=30))  # 03:30 .. 03:55
    verdict = evaluate_series(before + after, [FREEZE])
    assert [(g.start, g.end) for g in verdict.gaps] == [
        (START + timedelta(minutes=30), START + timedelta(hours=3, minutes=30))
    ]
    # ...nor as a reset: frozen on both sides of it, the run may have lasted; it is reported, marked.
    [found] = verdict.excursions
    assert found.across_gap
    assert found.started_at == START
    assert found.minutes_beyond == 30 + 25  # only the measured time


def test_a_gap_after_a_reading_in_range_joins_nothing() -> None:
    before = series([-1.0] * 7 + [3.0])
    after = series([-1.0] * 5 + [3.0], start=START + timedelta(hours=3, minutes=30))
    assert evaluate_series(before + after, [FREEZE]).excursions == []


def test_a_run_long_enough_before_a_gap_is_an_excursion_ending_at_the_last_reading() -> None:
    before = series([-1.0] * 14)  # 00:00 .. 01:05
    after = series([3.0] * 3, start=START + timedelta(hours=5))
    [found] = evaluate_series(before + after, [FREEZE]).excursions
    assert not found.across_gap
    assert found.ended_at == START + timedelta(minutes=65)
    assert found.minutes_beyond == 65


def test_the_gap_threshold_follows_the_series_step() -> None:
    # Readings every 15 minutes are not a gap; the same series with one 45-minute step has one.
    regular = series([5.0] * 8, step=15)
    assert evaluate_series(regular, [FREEZE]).gaps == []
    holed = regular[:4] + [Reading(r.at + timedelta(minutes=30), r.celsius) for r in regular[4:]]
    assert len(evaluate_series(holed, [FREEZE]).gaps) == 1


def test_instants_in_another_time_zone_are_the_same_instants() -> None:
    saigon = ZoneInfo("Asia/Ho_Chi_Minh")
    local = series([-1.0] * 12 + [3.0], start=datetime(2026, 2, 3, 7, 0, tzinfo=saigon))
    [found] = evaluate_series(local, [FREEZE]).excursions
    assert found.started_at == datetime(2026, 2, 3, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        evaluate_series([Reading(datetime(2026, 2, 3), 1.0)], [FREEZE])


def test_a_location_overrides_its_type_rules_by_name() -> None:
    rules = rules_for("refrigerator", [AlarmRule("heat", "heat", "continuous", 8.0, 60, inclusive=True)])
    assert {r.name: r.minutes for r in rules} == {"freeze": 60, "heat": 60}
    assert {r.name for r in rules_for("vaccine_carrier")} >= {"heat_45", "heat_30_cumulative"}
    rule = rules_for("refrigerator")[0]
    assert rule_from_mapping(rule_to_mapping(rule)) == rule
    with pytest.raises(ValueError):
        rule_from_mapping({"name": "x", "kind": "warm", "mode": "continuous", "threshold_c": 1, "minutes": 1})


# --- Fridge-tag days ---------------------------------------------------------------------------------------

FILE_RULES = (DeviceRule(0, -0.5, 60), DeviceRule(1, 8.0, 600))


def day(low_minutes: int, high_minutes: int, *, low_fired: time | None = None) -> DaySummary:
    return DaySummary(
        date(2026, 2, 3),
        -1.2,
        9.1,
        4.0,
        alarms=(DayAlarm(0, low_minutes, low_fired, 1 if low_fired else None), DayAlarm(1, high_minutes)),
    )


def test_a_fridgetag_day_at_the_rules_limit_is_an_excursion_and_a_minute_under_is_not() -> None:
    [found] = judge_day(day(60, 0), FILE_RULES)
    assert (found.kind, found.minutes_beyond, found.fired_by_device, found.extreme_c) == (
        "freeze",
        60,
        False,
        -1.2,
    )
    assert judge_day(day(59, 0), FILE_RULES) == []
    [heat] = judge_day(day(0, 600), FILE_RULES)
    assert (heat.kind, heat.extreme_c) == ("heat", 9.1)
    assert judge_day(day(0, 599), FILE_RULES) == []


def test_a_fridgetag_alarm_the_device_fired_is_an_excursion_whatever_the_days_minutes() -> None:
    # A run that began the evening before fires today after only 20 minutes of today.
    [found] = judge_day(day(20, 0, low_fired=time(0, 20)), FILE_RULES)
    assert found.fired_by_device and found.fired_at == time(0, 20)


def test_a_report_with_stricter_rules_judges_its_days_by_its_own_rules() -> None:
    strict = (DeviceRule(0, -0.5, 30), DeviceRule(1, 8.0, 60))
    assert [e.kind for e in judge_day(day(45, 90), strict)] == ["freeze", "heat"]


# --- manual readings --------------------------------------------------------------------------------------

FRIDGE = StorageRange(2.0, 8.0)


@pytest.mark.parametrize(
    ("celsius", "indicator", "verdict"),
    [
        (2.0, "ok", None),
        (8.0, "ok", None),
        (8.1, "ok", "heat"),
        (1.9, "ok", "freeze"),
        (5.0, "alarm", "freeze"),
        (5.0, "not_checked", None),
    ],
)
def test_a_manual_reading_outside_two_to_eight_opens_an_excursion(
    celsius: float, indicator: str, verdict: str | None
) -> None:
    assert judge_manual_reading(celsius, indicator, FRIDGE) == verdict


def test_a_missing_reading_shows_the_same_day_once_it_is_due() -> None:
    today = date(2026, 2, 4)
    days = [date(2026, 2, 3), today]
    entered = {(date(2026, 2, 3), "morning")}
    assert missing_periods(days, entered, today=today, now=time(9, 0)) == [(date(2026, 2, 3), "afternoon")]
    assert missing_periods(days, entered, today=today, now=time(10, 0)) == [
        (date(2026, 2, 3), "afternoon"),
        (today, "morning"),
    ]
    assert (today, "afternoon") in missing_periods(days, entered, today=today, now=time(17, 0))
