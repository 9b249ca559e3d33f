"""Which lots an excursion exposed: the stock at its location at any instant between its start and its end,
from the ledger's movements (pure functions; docs/coldchain.md "Exposure").

A movement's instant: the ledger keeps the day it happened (`occurred_on`) and when it was recorded. A
movement recorded on the day it happened is placed at its recording instant. A back-dated one is known only
to its day, so it is placed where it exposes the most: stock coming in at the start of its day (00:00 local),
stock going out at the end of it (24:00 local). A lot is exposed if its balance at the location is above
zero at any instant of the closed interval [start, end]; an excursion still going on ends now.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def movement_instant(occurred_on: date, recorded_at: datetime, doses: int, local: ZoneInfo) -> datetime:
    """When a movement counts as having happened (timezone-aware)."""
    if recorded_at.astimezone(local).date() == occurred_on:
        return recorded_at
    start = datetime.combine(occurred_on, time(0, 0), local)
    return start if doses > 0 else start + timedelta(days=1)


def most_during(movements: Iterable[tuple[datetime, int]], start: datetime, end: datetime) -> int:
    """The most doses at the place at any instant of [start, end], from its movements (instant, doses);
    0: the lot was not there during it. At one instant, what comes in counts before what goes out."""
    ordered = sorted(movements, key=lambda m: (m[0], -m[1]))
    balance = 0
    most = 0
    for at, doses in ordered:
        if at > end:
            break
        balance += doses
        if at >= start:
            most = max(most, balance)
    before = sum(d for at, d in ordered if at < start)
    # the balance held from the last movement before the start until the first one in the interval
    return max(most, before)
