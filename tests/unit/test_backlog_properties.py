"""Property tests: the polars backlog against the per-child reference, and the invariants of the rules."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from forecasting.backlog import (
    CHILDREN,
    COMMUNE_MAP,
    DOSES,
    LIVE_ANTIGENS,
    MAX_DOSE_NUMBER,
    backlog,
    child_status,
    dose_plan,
    due_list,
)
from forecasting.reference_backlog import reference_backlog, reference_plans
from forecasting.schedule import DoseRule, Span, dose_rules, load_schedule, series_of

EPI_SCHEDULE = load_schedule()
COMMUNES = ("03433", "03454", "03448", "03466", "03451")
MERGER = {"03454": "03433", "03448": "03466"}
ANTIGENS = ("BCG", "HEPB", "DTP", "BOPV", "IPV", "MEASLES", "JE", "TD", "ROTA", "PCV", "HPV")
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def months_later(day: date, months: int) -> date:
    """Independent of the code under test: calendar months with the day clamped to the month's end."""
    year, month = day.year + (day.month - 1 + months) // 12, (day.month - 1 + months) % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def shifted(day: date, span: Span) -> date:
    return months_later(day, span.months) + timedelta(days=span.days)


class Register:
    """A small register drawn by hypothesis, with the settings to evaluate it under."""

    def __init__(
        self,
        kids: list[tuple[str, str, date, str]],
        given_doses: list[tuple[str, str, int, date]],
        as_of: date,
        grace_days: int,
        one_month_days: int | None,
        version: str | None,
    ) -> None:
        self.kids, self.given, self.as_of = kids, given_doses, as_of
        self.settings = {"grace_days": grace_days, "one_month_days": one_month_days, "version": version}
        self.rules = dose_rules(EPI_SCHEDULE, on=as_of, version=version, one_month_days=one_month_days)

    def frames(self) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        return (
            pl.LazyFrame(self.kids, schema=CHILDREN, orient="row"),
            pl.LazyFrame(self.given, schema=DOSES, orient="row"),
        )

    def kwargs(self) -> dict:
        commune_map = pl.LazyFrame(list(MERGER.items()), schema=COMMUNE_MAP, orient="row")
        return {"schedule": EPI_SCHEDULE, "commune_map": commune_map, **self.settings}

    def __repr__(self) -> str:
        return f"Register(as_of={self.as_of}, settings={self.settings}, kids={self.kids}, given={self.given})"


@st.composite
def on_schedule(
    draw: st.DrawFn, child_id: str, birth: date, rules: tuple[DoseRule, ...], as_of: date
) -> list[tuple]:
    """Doses at valid dates, a few days after they fell due, until a recent last visit; some series stop."""
    given = []
    complete = draw(st.booleans())
    last_visit = as_of - timedelta(days=draw(st.integers(0, 60)))
    for antigen, series in series_of(rules).items():
        previous = None
        for rule in series[: len(series) if complete else draw(st.integers(0, len(series)))]:
            when = shifted(birth, rule.recommended_age)
            if previous is not None and rule.min_interval is not None:
                when = max(when, shifted(previous, rule.late_interval or rule.min_interval))
            previous = when + timedelta(days=draw(st.integers(0, 20)))
            if previous > last_visit:
                break
            given.append((child_id, antigen, rule.dose_number, previous))
    return given


@st.composite
def anything_goes(draw: st.DrawFn, child_id: str, birth: date, as_of: date) -> list[tuple]:
    """Doses of any antigen (also unknown ones) at any date, even before birth or after the as-of date."""
    given = []
    counts: dict[str, int] = defaultdict(int)
    for antigen in draw(st.lists(st.sampled_from(ANTIGENS), max_size=14)):
        counts[antigen] += 1
        offset = draw(st.integers(-10, (as_of - birth).days + 60))
        number = draw(st.sampled_from([counts[antigen]] * 8 + [0, 64]))  # 0 and 64 are data errors
        given.append((child_id, antigen, number, birth + timedelta(days=offset)))
    return given


@st.composite
def registers(draw: st.DrawFn) -> Register:
    as_of = draw(st.dates(date(2018, 1, 1), date(2027, 12, 31)))
    version = draw(st.sampled_from([None, None, "TT38/2017", "TT10/2024", "TT52/2025"]))
    one_month_days = draw(st.sampled_from([28, 28, 30, None]))
    grace_days = draw(st.integers(0, 60))
    rules = dose_rules(EPI_SCHEDULE, on=as_of, version=version, one_month_days=one_month_days)
    kids, given = [], []
    for index in range(draw(st.integers(1, 6))):
        child_id = f"child-{index}"
        kind = draw(st.sampled_from(["on schedule", "a dose just fell due", "anything goes"]))
        if kind == "a dose just fell due":
            rule = draw(st.sampled_from(rules))
            fell_due = as_of - timedelta(days=draw(st.integers(0, grace_days)))
            birth = months_later(
                fell_due - timedelta(days=rule.recommended_age.days), -rule.recommended_age.months
            )
        else:
            birth = as_of - timedelta(days=draw(st.integers(0, 9 * 365)))
        kids.append((child_id, draw(st.sampled_from("MF")), birth, draw(st.sampled_from(COMMUNES))))
        if kind == "anything goes":
            given += draw(anything_goes(child_id, birth, as_of))
        else:
            given += draw(on_schedule(child_id, birth, rules, as_of))
    return Register(kids, given, as_of, grace_days, one_month_days, version)


@given(registers())
@PROPERTY_SETTINGS
def test_the_polars_plan_matches_the_per_child_reference_on_any_register(register: Register) -> None:
    kids, given = register.frames()
    reference = reference_plans(
        register.kids,
        register.given,
        rules=register.rules,
        as_of=register.as_of,
        grace_days=register.settings["grace_days"],
        commune_map=MERGER,
    )
    expected = pl.DataFrame(
        [
            (child_id, commune, d.antigen, d.dose_number, d.state, d.given_on, d.earliest_on, d.upper_on)
            for child_id, (commune, _status, planned) in reference.items()
            for d in planned
        ],
        schema={
            "child_id": pl.String,
            "commune_code": pl.String,
            "antigen": pl.String,
            "dose_number": pl.Int16,
            "state": pl.String,
            "given_on": pl.Date,
            "earliest_on": pl.Date,
            "upper_on": pl.Date,
        },
        orient="row",
    ).sort("child_id", "antigen", "dose_number")
    plan = dose_plan(kids, given, as_of=register.as_of, **register.kwargs())
    got = plan.select(expected.columns).with_columns(pl.col("state").cast(pl.String))
    assert_frame_equal(got.collect().sort("child_id", "antigen", "dose_number"), expected)
    statuses = child_status(kids, given, as_of=register.as_of, **register.kwargs()).collect()
    assert dict(zip(statuses["child_id"], statuses["status"].cast(pl.String), strict=True)) == {
        child_id: status for child_id, (_commune, status, _planned) in reference.items()
    }


@given(registers())
@PROPERTY_SETTINGS
def test_no_dose_is_ever_proposed_before_its_minimum_age_or_minimum_interval(register: Register) -> None:
    kids, given = register.frames()
    plan = dose_plan(kids, given, as_of=register.as_of, **register.kwargs()).collect()
    births = {child_id: birth for child_id, _sex, birth, _commune in register.kids}
    rules = {(r.antigen, r.dose_number): r for r in register.rules}
    for (child_id, _antigen), doses in plan.group_by("child_id", "antigen"):
        birth, previous, started = births[child_id], None, None
        for dose in doses.sort("dose_number").iter_rows(named=True):
            rule = rules[(dose["antigen"], dose["dose_number"])]
            if dose["state"] == "received":
                previous, started = dose["given_on"], started or dose["given_on"]
                continue
            if dose["state"] == "aged_out":
                continue
            proposed = max(dose["earliest_on"], register.as_of)
            assert dose["earliest_on"] >= shifted(birth, rule.minimum_age), dose
            if previous is not None and rule.min_interval is not None:
                late = rule.late_start_age is not None and started >= shifted(birth, rule.late_start_age)
                interval = rule.late_interval if late else rule.min_interval
                assert dose["earliest_on"] >= shifted(previous, interval), dose
            if rule.upper_age is not None:
                assert proposed < shifted(birth, rule.upper_age), dose
            previous, started = proposed, started or proposed


@given(registers())
@PROPERTY_SETTINGS
def test_a_due_list_never_calls_a_child_before_a_dose_is_valid(register: Register) -> None:
    kids, given = register.frames()
    listed = due_list(kids, given, session_on=register.as_of, **register.kwargs()).collect()
    births = {child_id: birth for child_id, _sex, birth, _commune in register.kids}
    last_given: dict[tuple[str, str], date] = {}
    for child_id, antigen, number, given_on in register.given:
        if given_on <= register.as_of and 1 <= number <= MAX_DOSE_NUMBER:  # other numbers are data errors
            last_given[(child_id, antigen)] = max(given_on, last_given.get((child_id, antigen), given_on))
    rules = {(r.antigen, r.dose_number): r for r in register.rules}
    for row in listed.iter_rows(named=True):
        rule = rules[(row["antigen"], row["dose_number"])]
        assert register.as_of >= shifted(births[row["child_id"]], rule.minimum_age)
        previous = last_given.get((row["child_id"], row["antigen"]))
        if previous is not None and rule.min_interval is not None:
            assert register.as_of >= shifted(previous, rule.min_interval)
        if row["antigen"] in LIVE_ANTIGENS:  # 4 weeks after another live vaccine, or the same day
            for other in LIVE_ANTIGENS - {row["antigen"]}:
                live = last_given.get((row["child_id"], other))
                assert live is None or live == register.as_of or register.as_of >= live + timedelta(days=28)
    assert listed.select("child_id", "antigen").is_unique().all(), "one dose per series per session"


@given(registers())
@PROPERTY_SETTINGS
def test_a_fully_immunized_child_has_nothing_in_the_backlog(register: Register) -> None:
    kids, given = register.frames()
    statuses = child_status(kids, given, as_of=register.as_of, **register.kwargs()).collect()
    fully = statuses.filter(pl.col("status") == "fully_immunized")["child_id"].implode()
    assert statuses.filter(pl.col("child_id").is_in(fully)).select("doses_due", "doses_overdue").sum().row(
        0
    ) == (0, 0)
    only_fully = backlog(
        kids.filter(pl.col("child_id").is_in(fully)), given, as_of=register.as_of, **register.kwargs()
    )
    assert only_fully.collect().is_empty()


@given(registers())
@PROPERTY_SETTINGS
def test_the_backlog_totals_equal_the_sum_over_children(register: Register) -> None:
    kids, given = register.frames()
    kwargs = register.kwargs()
    counts = backlog(kids, given, as_of=register.as_of, **kwargs).collect()
    plan = dose_plan(kids, given, as_of=register.as_of, **kwargs)
    statuses = child_status(kids, given, as_of=register.as_of, **kwargs)
    per_child = (
        plan.join(statuses.select("child_id", "status"), on="child_id")
        .group_by("commune_code", "antigen", "dose_number")
        .agg(
            due=(pl.col("state") == "due").sum().cast(pl.Int64),
            overdue=(pl.col("state") == "overdue").sum().cast(pl.Int64),
            zero_dose=(pl.col("state").is_in(["due", "overdue"]) & (pl.col("status") == "zero_dose"))
            .sum()
            .cast(pl.Int64),
        )
        .filter((pl.col("due") + pl.col("overdue")) > 0)
        .sort("commune_code", "antigen", "dose_number")
        .collect()
    )
    assert_frame_equal(counts.select(per_child.columns), per_child)
    totals = statuses.select(pl.col("doses_due", "doses_overdue").sum()).collect().row(0)
    assert totals == (counts["due"].sum(), counts["overdue"].sum())
    reference = reference_backlog(
        register.kids,
        register.given,
        rules=register.rules,
        as_of=register.as_of,
        grace_days=register.settings["grace_days"],
        commune_map=MERGER,
    )
    assert {(c, a, n): (d, o, z) for c, a, n, _p, d, o, z, _needed in counts.iter_rows()} == reference
