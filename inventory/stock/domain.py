"""Stock rules as pure functions: which lots may move, which to pick first, which dates are allowed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from inventory.errors import InsufficientStock, RuleViolation

ISSUABLE_VVM_STAGES = (1, 2)
"""Stage 3 (square matches the circle) and 4 (darker) are at or beyond the discard point."""

REASON_DIRECTIONS: Mapping[str, int] = {
    "expired": -1,
    "vvm_discard": -1,
    "frozen": -1,
    "heat_exposure": -1,
    "broken": -1,
    "cold_chain_failure": -1,
    "lost": -1,
    "open_vial_wastage": -1,
    "found": +1,
    "count_correction": 0,
}
"""Adjustment reasons and the sign of doses each allows (0: either)."""


@dataclass(frozen=True)
class LotState:
    """What the rules need to know about a lot."""

    lot_id: int
    product_code: str
    lot_number: str
    expires_on: date
    vvm_stage: int
    on_hold: bool


@dataclass(frozen=True)
class LotBalance:
    """A usable-or-not lot with doses at one location, as offered to the picker."""

    lot: LotState
    location_id: int
    location_code: str
    doses: int


@dataclass(frozen=True)
class Pick:
    """Doses proposed from one lot at one location."""

    lot_id: int
    lot_number: str
    location_id: int
    location_code: str
    doses: int
    expires_on: date
    vvm_stage: int


def is_expired(lot: LotState, day: date) -> bool:
    """A lot may be used up to and including its expiry date."""
    return lot.expires_on < day


def why_not_issuable(lot: LotState, day: date) -> tuple[str, dict[str, object]] | None:
    """Why a lot may not be issued or used on a day (a case, `expired`, `on_hold` or `vvm`, and its
    parameters for the catalogue's `error.lot.issue.<case>` / `error.lot.use.<case>`), or None when it may."""
    if is_expired(lot, day):
        return "expired", {"lot": lot.lot_number, "day": lot.expires_on}
    if lot.on_hold:
        return "on_hold", {"lot": lot.lot_number}
    if lot.vvm_stage not in ISSUABLE_VVM_STAGES:
        return "vvm", {"lot": lot.lot_number, "stage": lot.vvm_stage}
    return None


def is_usable(lot: LotState, day: date) -> bool:
    """Not expired, not on hold, VVM before the discard point."""
    return why_not_issuable(lot, day) is None


def picking_order(balance: LotBalance) -> tuple[int, date, str, int]:
    """Worse VVM stage first, then earliest expiry, then location."""
    return (-balance.lot.vvm_stage, balance.lot.expires_on, balance.location_code, balance.lot.lot_id)


def pick_lots(
    balances: Iterable[LotBalance], doses: int, day: date, *, doses_per_vial: int = 1
) -> list[Pick]:
    """Propose lots for an issue of `doses`: usable lots only, in picking order; short stock is refused.

    With doses_per_vial > 1 each pick is a whole number of vials (stores above commune level).
    """
    usable = sorted((b for b in balances if b.doses > 0 and is_usable(b.lot, day)), key=picking_order)
    picks: list[Pick] = []
    remaining = doses
    for b in usable:
        if remaining <= 0:
            break
        take = min(b.doses, remaining)
        take -= take % doses_per_vial
        if take <= 0:
            continue
        picks.append(
            Pick(
                b.lot.lot_id,
                b.lot.lot_number,
                b.location_id,
                b.location_code,
                take,
                b.lot.expires_on,
                b.lot.vvm_stage,
            )
        )
        remaining -= take
    if remaining > 0:
        available = doses - remaining
        raise InsufficientStock(
            message="error.stock.usable_short",
            params={"available": available, "doses": doses},
            field="doses",
            available=available,
        )
    return picks


def check_whole_vials(doses: int, doses_per_vial: int, *, field: str) -> None:
    """Stores above commune level move whole vials only."""
    if doses % doses_per_vial:
        raise RuleViolation(
            message="error.stock.whole_vials",
            params={"doses": doses, "doses_per_vial": doses_per_vial},
            field=field,
        )


def check_occurred_on(day: date, *, today: date, window_days: int, field: str = "occurred_on") -> None:
    """Never in the future; back-dated at most `window_days` Vietnamese days."""
    if day > today:
        raise RuleViolation(message="error.day.future", params={"day": day}, field=field)
    if day < today - timedelta(days=window_days):
        raise RuleViolation(
            message="error.day.too_old",
            params={"day": day, "window_days": window_days},
            field=field,
        )


def check_reason(reason: str, doses: int, *, field: str) -> None:
    """An adjustment's reason must be known and agree with the sign of its doses."""
    check_reason_known(reason, field=field)
    direction = REASON_DIRECTIONS[reason]
    if direction and (doses > 0) != (direction > 0):
        sign = "more" if direction > 0 else "fewer"
        raise RuleViolation(
            message=f"error.reason.needs_{sign}", params={"reason": reason, "doses": doses}, field=field
        )


def check_reason_known(reason: str, *, field: str) -> None:
    if reason not in REASON_DIRECTIONS:
        raise RuleViolation(
            message="error.reason.unknown",
            params={"reason": reason, "known": ", ".join(sorted(REASON_DIRECTIONS))},
            field=field,
        )


def lowest_balance_from(day: date, current: int, later_daily_sums: Mapping[date, int]) -> int:
    """The lowest closing balance on `day` or any later day, given today's balance and later movements.

    closing(d) = current − Σ movements dated after d.
    """
    days_after = sorted(d for d in later_daily_sums if d > day)
    lowest = current
    suffix = 0
    for d in reversed(days_after):
        suffix += later_daily_sums[d]
        # closing balance on the day just before d (and every day down to `day` until the next movement)
        lowest = min(lowest, current - suffix)
    return lowest


def doses_to_vials(doses: int, doses_per_vial: int) -> tuple[int, int]:
    """Whole vials and left-over doses."""
    return divmod(doses, doses_per_vial)


def same_picks(chosen: Sequence[tuple[int, int, int]], proposed: Sequence[Pick]) -> bool:
    """Whether (lot, location, doses) choices are exactly the proposal."""
    return sorted(chosen) == sorted((p.lot_id, p.location_id, p.doses) for p in proposed)
