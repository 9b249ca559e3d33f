"""The synthetic Mường Tè register: deterministic, well-formed, and with the gaps it promises."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecasting.backlog import CHILDREN, DOSES, child_status
from forecasting.reference_backlog import add_span
from forecasting.register_synth import synth_register
from forecasting.register_synth_children import MERGER_DATE, MUONG_TE_COMMUNE_MAP, MUONG_TE_UNITS
from forecasting.register_synth_people import ETHNIC_MIX, NAMES, PEOPLE, VILLAGES, synth_people
from forecasting.schedule import dose_rules, load_schedule, series_of

AS_OF = date(2025, 12, 31)


@pytest.fixture(scope="module")
def register() -> tuple[pl.DataFrame, pl.DataFrame]:
    children, doses = synth_register(births_per_year=1000, as_of=AS_OF, seed=7)
    return tuple(pl.collect_all([children, doses]))


def test_the_same_seed_gives_the_same_register_and_another_seed_a_different_one(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    again = pl.collect_all(list(synth_register(births_per_year=1000, as_of=AS_OF, seed=7)))
    assert_frame_equal(again[0], register[0])
    assert_frame_equal(again[1], register[1])
    other = synth_register(births_per_year=1000, as_of=AS_OF, seed=8)[0].collect()
    assert not other.equals(register[0])


def test_the_register_has_the_declared_schemas_and_five_cohorts_of_births(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    children, doses = register
    assert children.schema == CHILDREN
    assert doses.schema == DOSES
    assert children.height == 5000
    assert children["child_id"].is_unique().all()
    assert doses.select("child_id", "antigen", "dose_number").is_unique().all()
    assert children["birth_date"].min() > date(2020, 12, 31)
    assert children["birth_date"].max() <= AS_OF
    births_per_year = (
        children.group_by(pl.col("birth_date").dt.year()).len().filter(pl.col("birth_date") < 2025)
    )
    assert births_per_year["len"].is_between(900, 1100).all()
    assert set(children["sex"]) == {"M", "F"}


def test_doses_are_given_after_birth_by_the_as_of_date_and_numbered_from_one(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    children, doses = register
    dated = doses.join(children, on="child_id")
    assert dated.filter(pl.col("given_on") < pl.col("birth_date")).is_empty()
    assert doses["given_on"].max() <= AS_OF
    numbering = doses.group_by("child_id", "antigen").agg(pl.col("dose_number").max(), n=pl.len())
    assert (numbering["dose_number"] == numbering["n"]).all()
    assert 10 <= doses.height / children.height <= 13


def test_the_generated_doses_respect_minimum_ages_intervals_and_upper_ages(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    children, doses = register
    series = series_of(dose_rules(load_schedule(), on=AS_OF))
    births = dict(children.select("child_id", "birth_date").iter_rows())
    given: dict[tuple[str, str], list[date]] = defaultdict(list)
    for child_id, antigen, _number, given_on in doses.iter_rows():
        given[(child_id, antigen)].append(given_on)
    for (child_id, antigen), dates in given.items():
        birth, previous = births[child_id], None
        for rule, given_on in zip(series[antigen], sorted(dates), strict=False):
            assert given_on >= add_span(birth, rule.minimum_age)
            if rule.upper_age is not None:
                assert given_on < add_span(birth, rule.upper_age)
            if previous is not None and rule.min_interval is not None:
                assert given_on >= add_span(previous, rule.min_interval)
            previous = given_on


def test_remote_border_communes_have_more_zero_dose_children_than_the_district_seat(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    children, doses = register
    status = child_status(
        children.lazy(),
        doses.lazy(),
        schedule=load_schedule(),
        as_of=AS_OF,
        commune_map=MUONG_TE_COMMUNE_MAP.lazy(),
    ).collect()
    share = dict(
        status.group_by("commune_code")
        .agg((pl.col("status") == "zero_dose").mean().alias("share"))
        .iter_rows()
    )
    assert share["03442"] > 2 * share["03433"]  # Pa Ủ (border) vs Bum Tở (district seat)
    assert share["03451"] > 2 * share["03433"]  # Mù Cả (border)
    assert 0 < share["03433"] < 0.1


def test_dtp_coverage_drops_between_the_first_and_third_dose(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    children, doses = register
    toddlers = children.filter(
        pl.col("birth_date").is_between(AS_OF - timedelta(days=729), AS_OF - timedelta(days=365))
    )
    dtp = doses.join(toddlers, on="child_id").filter(antigen="DTP").group_by("dose_number").len()
    counts = dict(dtp.iter_rows())
    assert counts[1] > counts[3] > 0.6 * toddlers.height
    assert counts[1] < 0.97 * toddlers.height  # some zero-dose children


def test_some_children_born_before_the_merger_keep_their_old_commune_code(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    children, _doses = register
    new_codes = set(MUONG_TE_UNITS["new_code"])
    old_only = set(MUONG_TE_UNITS["old_code"]) - new_codes
    under_old = children.filter(pl.col("commune_code").is_in(sorted(old_only)))
    assert 0.02 * children.height < under_old.height < 0.2 * children.height
    assert under_old["birth_date"].max() < MERGER_DATE
    assert set(children["commune_code"]) <= set(MUONG_TE_COMMUNE_MAP["old_code"]) | new_codes


def test_a_register_before_the_merger_uses_only_the_old_codes() -> None:
    children = synth_register(births_per_year=200, as_of=date(2024, 12, 31))[0].collect()
    assert set(children["commune_code"]) <= set(MUONG_TE_UNITS["old_code"])
    assert "03460" not in set(children["commune_code"])


def test_the_2023_pentavalent_stockout_shows_as_a_gap_in_dtp_doses(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    _children, doses = register
    in_stockout = doses.filter(
        pl.col("antigen") == "DTP",
        pl.col("dose_number") <= 3,
        pl.col("given_on").is_between(date(2023, 1, 1), date(2023, 6, 30)),
    )
    assert in_stockout.is_empty()


def test_every_child_gets_a_name_of_its_units_peoples_a_carer_a_village_and_mostly_a_phone(
    register: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    children = register[0]
    people = synth_people(births_per_year=1000, as_of=AS_OF, seed=7).collect()
    assert people.schema == PEOPLE
    assert people["child_id"].to_list() == children["child_id"].to_list()
    # the unit of each child, recovered independently: its village names only occur in one unit's list
    # (or a few), so check membership against the groups and villages that unit allows
    by_unit_village = defaultdict(set)
    for unit, villages in VILLAGES.items():
        for village in villages:
            by_unit_village[village].add(unit)
    for row in people.iter_rows(named=True):
        units = by_unit_village[row["village"]]
        assert units, row
        groups = {group for unit in units for group, _ in ETHNIC_MIX[unit]}
        family, _, given = row["name"].partition(" ")
        assert any(family in NAMES[g][0] and given in NAMES[g][1] + NAMES[g][2] for g in groups), row
        carer, _, role = row["carer"].rpartition(" (")
        assert role in ("mẹ)", "bố)", "bà)") and len(carer.split()) >= 2, row
        if row["phone"] is not None:
            assert len(row["phone"]) == 10 and row["phone"].isdigit() and row["phone"][0] == "0", row
    # Mù Cả is Hà Nhì (≈ 98 %): its children carry Hà Nhì family names
    mu_ca = people.filter(
        pl.col("village").is_in(list(VILLAGES["03451"]))
        & ~pl.col("village").is_in([v for unit, vs in VILLAGES.items() if unit != "03451" for v in vs])
    )
    assert mu_ca.height > 100
    assert set(mu_ca["name"].str.split(" ").list.first()) <= set(NAMES["Hà Nhì"][0])
    share = people["phone"].null_count() / people.height
    assert 0.1 < share < 0.5, share  # most families have a phone, fewer in the remote communes
    girls = people.join(children, on="child_id").filter(pl.col("sex") == "F")
    assert (
        girls["name"]
        .str.split(" ")
        .list.slice(1)
        .list.join(" ")
        .is_in([n for _, _, women in NAMES.values() for n in women])
    ).all()
