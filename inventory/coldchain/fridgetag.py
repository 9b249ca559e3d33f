"""Reading a Berlinger Fridge-tag 2 text report (the ASCII file the device writes when plugged in).

The report is indented `key: value` lines (one space per level); a line may hold several pairs separated by
", " (`T AL: -0.5, t AL: 60`); a key with nothing after its colon opens a block. Sections: a header (`Device`,
`Vers`, `Fw Vers`, `Sensor`), `Conf:` (serial, temperature unit, the alarm rules: alarm 0 low, alarm 1 high,
`T AL` limit and `t AL` minutes), `Hist:` (`TS Actv`, `TS Report Creation`, then one numbered block per day,
newest first), then `Cert:` and `Sig:` (the signature: a report without it was cut short). `---` means no
data. With `Temp unit: F` every temperature, limits included, is converted to °C.

Anything else is refused with the line and the reason (inventory.errors.ValidationFailed, message keys
`error.coldchain.report.*`), so a truncated or garbled file writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from inventory.coldchain.fridgetag_days import DayAlarm, DaySummary, DeviceRule
from inventory.errors import ValidationFailed

_PAIR_START = re.compile(r", (?=[A-Za-z0-9][A-Za-z0-9 ]*:)")
_TEMPERATURE = re.compile(r"^[+-]?\d+(\.\d+)?$")
MISSING = "---"


@dataclass
class _Node:
    key: str
    value: str
    line: int
    children: list[_Node] = field(default_factory=list)

    def find(self, key: str) -> _Node | None:
        for child in self.children:
            if child.key == key:
                return child
        return None

    def need(self, key: str) -> _Node:
        found = self.find(key)
        if found is None:
            raise _refuse("missing", self.line, key=key)
        return found


@dataclass(frozen=True)
class FridgeTagReport:
    device: str
    firmware: str | None
    serial: str
    unit: str
    """The unit the file was written in (temperatures here are always °C)."""
    rules: tuple[DeviceRule, ...]
    history_length: int | None
    activated_at: datetime | None
    created_at: datetime
    """Device clock (local time of the place it was in), naive."""
    days: tuple[DaySummary, ...]
    """Oldest first."""


def _refuse(case: str, line: int, **params: object) -> ValidationFailed:
    return ValidationFailed(
        message=f"error.coldchain.report.{case}", params={"line": line, **params}, field="file"
    )


def decode(content: bytes) -> str:
    """The report's text (ASCII in practice; UTF-8 with or without BOM accepted)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise _refuse("encoding", line) from exc


def looks_like_fridgetag(text: str) -> bool:
    """A Fridge-tag report starts with its `Device:` line."""
    for line in text.splitlines():
        if line.strip():
            return line.strip().startswith("Device:")
    return False


def _tree(text: str) -> tuple[_Node, int]:
    root = _Node("", "", 0)
    stack: list[tuple[int, _Node]] = [(-1, root)]
    last = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        last = number
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise _refuse("indentation", number)
        indent = len(raw) - len(raw.lstrip(" "))
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        segments = _PAIR_START.split(raw.strip())
        opened: _Node | None = None
        for segment in segments:
            if ":" not in segment:
                raise _refuse("syntax", number)
            key, value = segment.split(":", 1)
            node = _Node(key.strip(), value.strip(), number)
            parent.children.append(node)
            if not node.value and len(segments) == 1:
                opened = node
        if opened is not None:
            stack.append((indent, opened))
    return root, last


def _number(node: _Node, *, allow_missing: bool = False) -> int | None:
    if allow_missing and node.value == MISSING:
        return None
    if not node.value.isdigit():
        raise _refuse("number", node.line, key=node.key, value=node.value)
    return int(node.value)


def _time(node: _Node | None) -> time | None:
    if node is None or node.value == MISSING:
        return None
    value = node.value.split(" ")[-1]
    try:
        return time.fromisoformat(value) if re.fullmatch(r"\d\d:\d\d", value) else _bad_time(node)
    except ValueError:
        return _bad_time(node)


def _bad_time(node: _Node) -> time:
    raise _refuse("time", node.line, key=node.key, value=node.value)


def _datetime(node: _Node) -> datetime:
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", node.value):
            raise ValueError(node.value)
        return datetime.fromisoformat(node.value)
    except ValueError as exc:
        raise _refuse("time", node.line, key=node.key, value=node.value) from exc


def _date(node: _Node) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", node.value):
            raise ValueError(node.value)
        return date.fromisoformat(node.value)
    except ValueError as exc:
        raise _refuse("date", node.line, value=node.value) from exc


def _converter(unit: str, line: int):  # type: ignore[no-untyped-def]
    if unit == "C":
        return lambda value: value
    if unit == "F":
        return lambda value: round((value - 32) * 5 / 9, 2)
    raise _refuse("unit", line, value=unit)


def parse_report(text: str) -> FridgeTagReport:
    """The report's device, rules and days; refuses a truncated or malformed file naming the line."""
    if not looks_like_fridgetag(text):
        first = next((n for n, line in enumerate(text.splitlines(), start=1) if line.strip()), 1)
        raise _refuse("not_fridgetag", first)
    root, last_line = _tree(text)
    if not any(node.key == "Sig" for node in _walk(root)):
        raise _refuse("truncated", last_line)

    device = root.need("Device").value
    firmware_node = root.find("Fw Vers")
    conf = root.need("Conf")
    serial = conf.need("Serial").value
    if not serial:
        raise _refuse("missing", conf.need("Serial").line, key="Serial")
    unit_node = conf.need("Temp unit")
    to_celsius = _converter(unit_node.value, unit_node.line)

    def temperature(node: _Node | None) -> float | None:
        if node is None or node.value == MISSING:
            return None
        if not _TEMPERATURE.fullmatch(node.value):
            raise _refuse("temperature", node.line, key=node.key, value=node.value)
        return to_celsius(float(node.value))

    rules = []
    for alarm in conf.need("Alarm").children:
        if not alarm.key.isdigit():
            raise _refuse("syntax", alarm.line)
        limit = temperature(alarm.need("T AL"))
        minutes = _number(alarm.need("t AL"))
        if limit is None or minutes is None:
            raise _refuse("missing", alarm.line, key="T AL")
        rules.append(DeviceRule(int(alarm.key), limit, minutes))
    if not rules:
        raise _refuse("missing", conf.line, key="Alarm")
    length_node = conf.find("Report history length")
    history_length = _number(length_node) if length_node is not None else None

    hist = root.need("Hist")
    activated = hist.find("TS Actv")
    created = _datetime(hist.need("TS Report Creation"))
    known = {rule.index for rule in rules}
    days: list[DaySummary] = []
    previous: tuple[date, int] | None = None
    for block in (child for child in hist.children if child.key.isdigit()):
        day = _day(block, known, temperature)
        if previous is not None and day.day >= previous[0]:
            case = "duplicate_day" if day.day == previous[0] else "day_order"
            raise _refuse(case, block.need("Date").line, day=day.day.isoformat())
        previous = (day.day, block.line)
        days.append(day)
    if not days:
        raise _refuse("no_days", hist.line)
    return FridgeTagReport(
        device=device,
        firmware=firmware_node.value if firmware_node is not None else None,
        serial=serial,
        unit=unit_node.value,
        rules=tuple(rules),
        history_length=history_length,
        activated_at=_datetime(activated) if activated is not None and activated.value != MISSING else None,
        created_at=created,
        days=tuple(reversed(days)),
    )


def _walk(node: _Node):  # type: ignore[no-untyped-def]
    for child in node.children:
        yield child
        yield from _walk(child)


def _day(block: _Node, known: set[int], temperature) -> DaySummary:  # type: ignore[no-untyped-def]
    on = _date(block.need("Date"))
    min_c = temperature(block.need("Min T"))
    max_c = temperature(block.need("Max T"))
    avg_c = temperature(block.need("Avrg T"))
    if min_c is not None and max_c is not None and min_c > max_c:
        raise _refuse("min_above_max", block.need("Max T").line)
    alarms = []
    alarm_block = block.find("Alarm")
    has_data = any(v is not None for v in (min_c, max_c, avg_c))
    if alarm_block is None and has_data:
        raise _refuse("missing", block.line, key="Alarm")
    for alarm in alarm_block.children if alarm_block is not None else []:
        if not alarm.key.isdigit() or int(alarm.key) not in known:
            raise _refuse("unknown_alarm", alarm.line, index=alarm.key)
        minutes = _number(alarm.need("t Acc"))
        if minutes is None or minutes > 1440:
            raise _refuse("minutes", alarm.need("t Acc").line, value=alarm.need("t Acc").value)
        breaches_node = alarm.find("C A")
        alarms.append(
            DayAlarm(
                int(alarm.key),
                minutes,
                _time(alarm.find("TS A")),
                _number(breaches_node, allow_missing=True) if breaches_node is not None else None,
            )
        )
    if has_data and {a.index for a in alarms} != known:
        raise _refuse("missing", alarm_block.line if alarm_block else block.line, key="t Acc")
    timeout = block.find("Int Sensor timeout")
    timeout_minutes = _number(timeout.need("t AccST"), allow_missing=True) if timeout is not None else None
    events = block.find("Events")
    checked = block.find("Checked")
    return DaySummary(
        day=on,
        min_c=min_c,
        max_c=max_c,
        avg_c=avg_c,
        min_at=_time(block.find("TS Min T")),
        max_at=_time(block.find("TS Max T")),
        alarms=tuple(alarms),
        sensor_timeout_minutes=timeout_minutes,
        events=_number(events, allow_missing=True) if events is not None else None,
        checked_am=_time(checked.find("TS AM")) if checked is not None else None,
        checked_pm=_time(checked.find("TS PM")) if checked is not None else None,
    )
