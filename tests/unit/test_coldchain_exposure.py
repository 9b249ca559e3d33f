"""Exposure rules without a database: where a movement counts in time, and the most doses at a place during
an excursion, checked against a minute-by-minute walk of the balance."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from inventory.coldchain.exposure import most_during, movement_instant

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_movement_counts_when_recorded_and_a_back_dated_one_where_it_exposes_the_most() -> None:
    recorded = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi, 10/03
    assert movement_instant(date(2026, 3, 10), recorded, 5, VN) == recorded
    # back-dated to 08/03: in from 00:00 local (17:00 UTC on 07/03), out at 24:00 local (17:00 UTC on 08/03)
    assert movement_instant(date(2026, 3, 8), recorded, 5, VN) == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
    assert movement_instant(date(2026, 3, 8), recorded, -5, VN) == datetime(2026, 3, 8, 17, 0, tzinfo=UTC)


def brute_force(moves: list[tuple[datetime, int]], start: datetime, end: datetime) -> int:
    """The balance just before and just after every minute of [start, end], the most of them."""
    most, t = 0, start
    while t <= end:
        before = sum(d for at, d in moves if at < t)
        after = sum(d for at, d in moves if at <= t)
        most = max(most, before, after)
        t += timedelta(minutes=1)
    return most


def test_the_most_doses_during_an_excursion_matches_a_minute_by_minute_walk() -> None:
    rng = random.Random(12)
    origin = datetime(2026, 3, 1, tzinfo=UTC)
    for _ in range(150):
        minutes = sorted(rng.sample(range(0, 600), rng.randint(0, 8)))
        moves, balance = [], 0
        for m in minutes:
            doses = rng.randint(1, 30) if balance == 0 or rng.random() < 0.5 else -rng.randint(1, balance)
            balance += doses
            moves.append((origin + timedelta(minutes=m), doses))
        lo = rng.randint(0, 500)
        start, end = origin + timedelta(minutes=lo), origin + timedelta(minutes=lo + rng.randint(0, 120))
        assert most_during(moves, start, end) == brute_force(moves, start, end), (moves, start, end)


def test_stock_gone_before_or_arriving_after_is_not_exposed_and_stock_leaving_at_the_start_is() -> None:
    t = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    start, end = t + timedelta(hours=1), t + timedelta(hours=3)
    assert most_during([(t, 10), (t + timedelta(minutes=59), -10)], start, end) == 0
    assert most_during([(end + timedelta(seconds=1), 10)], start, end) == 0
    assert most_during([(t, 10), (start, -10)], start, end) == 10
    assert most_during([(end, 7)], start, end) == 7
