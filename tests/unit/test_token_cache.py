"""API tokens' principals are remembered briefly per process, and forgotten when their time is up."""

from __future__ import annotations

from inventory.auth import Principal
from inventory.authn import PrincipalCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


KEEPER = Principal(username="thukho", role="store_keeper", facility_id=2, facility_code="TTYT-MT")


def test_a_token_is_remembered_until_its_time_is_up_and_not_a_moment_longer() -> None:
    clock = Clock()
    cache = PrincipalCache(5.0, clock)
    cache.put("digest", KEEPER)
    clock.now += 4.999
    assert cache.get("digest") == KEEPER
    clock.now += 0.001
    assert cache.get("digest") is None  # read again from the database: a deactivation takes effect
    assert cache.get("other") is None


def test_a_cache_of_zero_seconds_remembers_nothing() -> None:
    cache = PrincipalCache(0.0, Clock())
    cache.put("digest", KEEPER)
    assert cache.get("digest") is None
