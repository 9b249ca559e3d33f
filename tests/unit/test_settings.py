"""Settings read from the environment: the schedule's day counts the README calls settings."""

from __future__ import annotations

import pytest

from inventory.settings import Settings


def test_one_month_and_the_grace_period_default_to_28_days() -> None:
    settings = Settings.from_env({})
    assert (settings.one_month_days, settings.grace_days) == (28, 28)


def test_one_month_can_be_a_number_of_days_or_one_calendar_month() -> None:
    assert Settings.from_env({"VAXSTOCK_ONE_MONTH_DAYS": "30"}).one_month_days == 30
    assert Settings.from_env({"VAXSTOCK_ONE_MONTH_DAYS": "calendar"}).one_month_days is None
    assert Settings.from_env({"VAXSTOCK_GRACE_DAYS": "14"}).grace_days == 14


@pytest.mark.parametrize(
    ("variable", "value"),
    [("VAXSTOCK_ONE_MONTH_DAYS", "0"), ("VAXSTOCK_ONE_MONTH_DAYS", "32"), ("VAXSTOCK_GRACE_DAYS", "-1")],
)
def test_impossible_day_counts_are_refused(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: value})
