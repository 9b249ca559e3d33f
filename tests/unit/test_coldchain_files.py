"""Reading Fridge-tag 2 reports and logger CSV files: what is read, and every bad file refused with its line
(or row and column) and reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from inventory.coldchain.fridgetag import looks_like_fridgetag, parse_report
from inventory.coldchain.fridgetag_days import DeviceRule, judge_day
from inventory.coldchain.series import ColumnMapping, parse_series
from inventory.errors import ValidationFailed

SAMPLE = (Path(__file__).parents[1] / "data" / "coldchain" / "fridgetag-160400000001.txt").read_text()


def refusal(text: str) -> tuple[str, int]:
    with pytest.raises(ValidationFailed) as caught:
        parse_report(text)
    assert caught.value.code == "validation_failed"
    return caught.value.message or "", int(caught.value.params["line"])


def test_a_report_gives_its_device_rules_and_days_oldest_first() -> None:
    report = parse_report(SAMPLE)
    assert (report.serial, report.unit, report.history_length) == ("160400000001", "C", 60)
    assert report.rules == (DeviceRule(0, -0.5, 60), DeviceRule(1, 8.0, 600))
    assert report.created_at == datetime(2026, 2, 4, 16, 40)
    assert [d.day for d in report.days] == [date(2026, 2, d) for d in (1, 2, 3, 4)]
    feb3 = report.days[2]
    assert (feb3.min_c, feb3.max_c, feb3.avg_c, feb3.min_at) == (-1.2, 6.0, 3.9, time(2, 40))
    assert feb3.alarms[0].minutes_beyond == 75 and feb3.alarms[0].fired_at == time(3, 39)
    assert feb3.alarms[0].breaches == 1
    assert (feb3.checked_am, feb3.checked_pm) == (time(7, 45), None)


def test_a_day_without_data_stays_without_data_never_zero() -> None:
    feb2 = parse_report(SAMPLE).days[1]
    assert (feb2.min_c, feb2.max_c, feb2.avg_c) == (None, None, None)
    assert not feb2.has_data
    assert feb2.sensor_timeout_minutes == 1440


def test_the_files_own_rules_judge_its_days() -> None:
    report = parse_report(SAMPLE)
    judged = {d.day: [e.kind for e in judge_day(d, report.rules)] for d in report.days}
    # 03/02: the low alarm fired (75 min below -0.5 °C); 04/02: 95 minutes above +8 °C is under 600: none.
    assert judged == {
        date(2026, 2, 1): [],
        date(2026, 2, 2): [],
        date(2026, 2, 3): ["freeze"],
        date(2026, 2, 4): [],
    }


def test_a_report_in_fahrenheit_is_converted_to_celsius() -> None:
    fahrenheit = (
        SAMPLE.replace("Temp unit: C", "Temp unit: F")
        .replace("T AL: -0.5", "T AL: +31.1")
        .replace("T AL: +8.0", "T AL: +46.4")
        .replace("Min T: -1.2", "Min T: +29.8")
        .replace("Max T: +6.0", "Max T: +42.8")
    )
    report = parse_report(fahrenheit)
    assert report.unit == "F"
    assert report.rules == (DeviceRule(0, -0.5, 60), DeviceRule(1, 8.0, 600))
    assert report.days[2].min_c == -1.22  # (29.8 − 32) × 5/9


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (lambda t: t.split("\n 3:\n")[0], "error.coldchain.report.truncated", 61),
        (lambda t: t.replace("Sig: ", "Si"), "error.coldchain.report.syntax", 97),
        (lambda t: t.replace("  Avrg T: +3.9\n", ""), "error.coldchain.report.missing", 47),
        (lambda t: t.replace("Min T: -1.2", "Min T: cold"), "error.coldchain.report.temperature", 49),
        (lambda t: t.replace("Date: 2026-02-03", "Date: 2026-02-30"), "error.coldchain.report.date", 48),
        (
            lambda t: t.replace("Date: 2026-02-03", "Date: 2026-02-04"),
            "error.coldchain.report.duplicate_day",
            48,
        ),
        (lambda t: t.replace("Date: 2026-02-03", "Date: 2026-02-05"), "error.coldchain.report.day_order", 48),
        (lambda t: t.replace("TS A: 03:39", "TS A: 3h39"), "error.coldchain.report.time", 54),
        (lambda t: t.replace("t Acc: 75", "t Acc: 1500"), "error.coldchain.report.minutes", 54),
        (lambda t: t.replace("Temp unit: C", "Temp unit: K"), "error.coldchain.report.unit", 16),
        (lambda t: t.replace("Device: Q-tag", "Model: Q-tag"), "error.coldchain.report.not_fridgetag", 1),
        (
            lambda t: t.replace("   0:\n    t Acc: 75", "   2:\n    t Acc: 75"),
            "error.coldchain.report.unknown_alarm",
            53,
        ),
        (lambda t: t.replace(" Serial: 160400000001\n", ""), "error.coldchain.report.missing", 5),
    ],
)
def test_a_bad_report_is_refused_with_its_line_and_reason(change, message: str, line: int) -> None:  # type: ignore[no-untyped-def]
    assert refusal(change(SAMPLE)) == (message, line)


def test_detection_tells_a_report_from_a_csv() -> None:
    assert looks_like_fridgetag("\n" + SAMPLE)
    assert not looks_like_fridgetag("timestamp,temperature\n2026-02-03 10:00,4.0\n")


# --- logger CSV --------------------------------------------------------------------------------------------


def csv_refusal(text: str, mapping: ColumnMapping = ColumnMapping()) -> dict[str, object]:
    with pytest.raises(ValidationFailed) as caught:
        parse_series(text, mapping)
    return {"message": caught.value.message, **caught.value.params}


def test_a_csv_in_local_time_reads_as_utc_instants() -> None:
    series = parse_series('timestamp,temperature\n2026-02-03 07:00,4.5\n03/02/2026 07:05,"4,6"\n')
    assert [(r.at, r.celsius) for r in series.readings] == [
        (datetime(2026, 2, 3, 0, 0, tzinfo=UTC), 4.5),
        (datetime(2026, 2, 3, 0, 5, tzinfo=UTC), 4.6),
    ]


def test_a_time_zone_given_or_written_in_the_timestamp_decides_the_instant() -> None:
    text = "Time,Temp (°F)\n2026-02-03 00:00,41.0\n2026-02-03T01:00:00+07:00,39.2\n"
    series = parse_series(text, ColumnMapping(zone="UTC"))
    assert series.unit == "F"
    assert [(r.at, r.celsius) for r in series.readings] == [
        (datetime(2026, 2, 2, 18, 0, tzinfo=UTC), 4.0),
        (datetime(2026, 2, 3, 0, 0, tzinfo=UTC), 5.0),
    ]


def test_a_column_mapping_picks_the_columns_and_an_empty_cell_is_no_reading() -> None:
    text = "id;when;probe_c\n1;2026-02-03 10:00;5,0\n2;2026-02-03 10:05;\n3;2026-02-03 10:10;5,5\n"
    series = parse_series(text, ColumnMapping(time="WHEN", temperature="probe_c"))
    assert [r.celsius for r in series.readings] == [5.0, 5.5]
    assert series.empty_cells == 1


@pytest.mark.parametrize(
    ("text", "mapping", "expected"),
    [
        (
            "when,temperature\n2026-02-03 10:00,4\n",
            ColumnMapping(),
            {"message": "error.coldchain.csv.column_missing", "row": 1, "column": "timestamp"},
        ),
        (
            "timestamp,temperature\n2026-02-03 10:00,4\n",
            ColumnMapping(temperature="probe"),
            {"message": "error.coldchain.csv.column_missing", "column": "probe"},
        ),
        (
            "timestamp,temperature\n2026-02-03 10:00,4\n03-02-2026 10h05,4\n",
            ColumnMapping(),
            {"message": "error.coldchain.csv.time", "row": 3, "column": "timestamp"},
        ),
        (
            "timestamp,temperature\n2026-02-03 10:00,4\n2026-02-03 10:00,4.2\n",
            ColumnMapping(),
            {"message": "error.coldchain.csv.duplicate", "row": 3, "first": 2},
        ),
        (
            "timestamp,temperature\n2026-02-03 10:00,four\n",
            ColumnMapping(),
            {"message": "error.coldchain.csv.temperature", "row": 2, "column": "temperature"},
        ),
        (
            "timestamp,temperature\n2026-02-03 10:00,400\n",
            ColumnMapping(),
            {"message": "error.coldchain.csv.implausible", "row": 2},
        ),
        ("timestamp,temperature\n", ColumnMapping(), {"message": "error.coldchain.csv.no_rows"}),
        (
            "timestamp,temperature\n2026-02-03 10:00,4\n",
            ColumnMapping(zone="Mars/Olympus"),
            {"message": "error.coldchain.csv.zone"},
        ),
    ],
)
def test_a_bad_csv_is_refused_naming_row_and_column(
    text: str, mapping: ColumnMapping, expected: dict[str, object]
) -> None:
    found = csv_refusal(text, mapping)
    assert {k: found.get(k) for k in expected} == expected


def test_every_problem_of_a_bad_csv_is_listed() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_series("timestamp,temperature\nx,4\n2026-02-03 10:00,y\n2026-02-03 10:05,5\n")
    assert [(p["row"], p["message"]) for p in caught.value.extra["problems"]] == [
        (2, "error.coldchain.csv.time"),
        (3, "error.coldchain.csv.temperature"),
    ]
