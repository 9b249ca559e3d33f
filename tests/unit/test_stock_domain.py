"""Stock rules without a database."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.errors import InsufficientStock, RuleViolation
from inventory.stock.domain import (
    LotBalance,
    LotState,
    check_occurred_on,
    check_reason,
    check_whole_vials,
    is_usable,
    lowest_balance_from,
    pick_lots,
)

TODAY = date(2026, 11, 26)


def balance(
    lot_id: int, expires: date, doses: int, *, vvm: int = 1, hold: bool = False, location: str = "TL-01"
) -> LotBalance:
    return LotBalance(
        LotState(lot_id, "BOPV", f"L{lot_id}", expires, vvm, hold), lot_id * 10, location, doses
    )


def test_a_lot_is_usable_on_its_expiry_day_and_not_after() -> None:
    lot = LotState(1, "BCG", "A", TODAY, 1, False)
    assert is_usable(lot, TODAY)
    assert not is_usable(lot, date(2026, 11, 27))


def test_held_lots_and_vvm_stages_3_and_4_are_not_usable() -> None:
    assert not is_usable(LotState(1, "BCG", "A", date(2027, 1, 1), 1, True), TODAY)
    assert is_usable(LotState(1, "BCG", "A", date(2027, 1, 1), 2, False), TODAY)
    assert not is_usable(LotState(1, "BCG", "A", date(2027, 1, 1), 3, False), TODAY)
    assert not is_usable(LotState(1, "BCG", "A", date(2027, 1, 1), 4, False), TODAY)


def test_picking_draws_from_the_earliest_expiring_lot_first() -> None:
    picks = pick_lots([balance(1, date(2027, 6, 1), 50), balance(2, date(2027, 1, 1), 30)], 40, TODAY)
    assert [(p.lot_id, p.doses) for p in picks] == [(2, 30), (1, 10)]


def test_a_worse_vvm_stage_goes_first_even_when_it_expires_later() -> None:
    picks = pick_lots([balance(1, date(2027, 1, 1), 50), balance(2, date(2028, 1, 1), 50, vvm=2)], 60, TODAY)
    assert [(p.lot_id, p.doses) for p in picks] == [(2, 50), (1, 10)]


def test_picking_skips_expired_held_and_discarded_lots() -> None:
    lots = [
        balance(1, date(2026, 11, 1), 50),
        balance(2, date(2027, 1, 1), 50, hold=True),
        balance(3, date(2027, 1, 1), 50, vvm=3),
        balance(4, date(2027, 2, 1), 50),
    ]
    assert [p.lot_id for p in pick_lots(lots, 50, TODAY)] == [4]


def test_picking_refuses_a_shortfall_saying_what_is_available() -> None:
    with pytest.raises(InsufficientStock) as raised:
        pick_lots([balance(1, date(2027, 1, 1), 30)], 40, TODAY)
    assert raised.value.extra["available"] == 30


def test_picking_whole_vials_leaves_part_vials_behind() -> None:
    picks = pick_lots(
        [balance(1, date(2027, 1, 1), 25), balance(2, date(2027, 2, 1), 40)], 40, TODAY, doses_per_vial=20
    )
    assert [(p.lot_id, p.doses) for p in picks] == [(1, 20), (2, 20)]


def test_whole_vials_are_required_above_commune_level() -> None:
    check_whole_vials(40, 20, field="doses")
    with pytest.raises(RuleViolation):
        check_whole_vials(45, 20, field="doses")


def test_dates_in_the_future_or_beyond_the_window_are_refused() -> None:
    check_occurred_on(date(2026, 10, 27), today=TODAY, window_days=30)
    with pytest.raises(RuleViolation):
        check_occurred_on(date(2026, 10, 26), today=TODAY, window_days=30)
    with pytest.raises(RuleViolation):
        check_occurred_on(date(2026, 11, 27), today=TODAY, window_days=30)


def test_reasons_must_agree_with_the_sign_of_the_adjustment() -> None:
    check_reason("found", 5, field="reason")
    check_reason("count_correction", -5, field="reason")
    with pytest.raises(RuleViolation):
        check_reason("broken", 5, field="reason")
    with pytest.raises(RuleViolation):
        check_reason("stolen by goats", -5, field="reason")


def test_the_lowest_later_balance_accounts_for_every_later_day() -> None:
    # today 10 doses; 30 went out on day 24, 20 came in on day 20
    later = {date(2026, 11, 24): -30, date(2026, 11, 20): 20}
    assert lowest_balance_from(date(2026, 11, 18), 10, later) == 10
    assert lowest_balance_from(date(2026, 11, 25), 10, later) == 10
    assert lowest_balance_from(date(2026, 11, 18), 10, {date(2026, 11, 24): 30}) == -20
