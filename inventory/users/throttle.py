"""The sign-in throttle: how many failed sign-ins are allowed in a window, and the counting of an attempt
against each limit (docs/credentials.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inventory.errors import InventoryError
from inventory.settings import Settings
from inventory.timeutil import utcnow
from inventory.users import repository


class TooManyAttempts(InventoryError):
    status_code = 429
    title = "Too many failed sign-ins"
    code = "too_many_attempts"


@dataclass(frozen=True)
class SignInLimits:
    """How many failed sign-ins are allowed in a window, per thing counted (docs/credentials.md)."""

    window: timedelta = timedelta(minutes=15)
    user_address: int = 5
    address: int = 100
    user: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        return cls(
            window=timedelta(minutes=settings.sign_in_window_minutes),
            user_address=settings.sign_in_user_address_limit,
            address=settings.sign_in_address_limit,
            user=settings.sign_in_user_limit,
        )


def _pair(username: str, address: str) -> str:
    return f"{address} {username}"  # an address holds no space


async def count_attempt(
    session: AsyncSession, username: str, address: str, limits: SignInLimits
) -> tuple[str, int] | None:
    """Count an attempt and say whether a rule refuses it: (the rule, minutes until its window ends), or
    None to check the password. The rules, in order:

    - 5 (sign_in_user_address_limit) for a username from one address: that username from that address;
    - 100 (sign_in_address_limit) from one address for any usernames: that address, for everyone;
    - 30 (sign_in_user_limit) for a username from every address: the addresses that have themselves failed
      for it in the window. The user at an address of their own, without failures, still signs in: nobody
      can lock the administrator out from elsewhere.
    """
    now = utcnow()
    opened_after = now - limits.window
    pair, pair_start = await repository.add_failure(
        session, "user_address", _pair(username, address), now=now, window_opened_after=opened_after
    )
    if pair > limits.user_address:
        return "user_address", _minutes_left(pair_start + limits.window, now)
    from_address, address_start = await repository.add_failure(
        session, "address", address, now=now, window_opened_after=opened_after
    )
    if from_address > limits.address:
        return "address", _minutes_left(address_start + limits.window, now)
    everywhere, user_start = await repository.add_failure(
        session, "user", username, now=now, window_opened_after=opened_after
    )
    if everywhere > limits.user and pair > 1:
        return "user", _minutes_left(min(user_start, pair_start) + limits.window, now)
    return None


async def take_back_success(session: AsyncSession, username: str, address: str) -> None:
    """A right password: the attempt's counts were no failures, and the pair starts afresh."""
    await repository.forget(session, "user_address", _pair(username, address))
    await repository.take_back(session, "address", address)
    await repository.take_back(session, "user", username)


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))
