"""The webhook's Idempotency-Key: the same for one delivery however often it is tried, another for any other."""

from __future__ import annotations

from datetime import date

from inventory.alerts.outbound import idempotency_key

DAY = date(2026, 12, 3)


def test_the_idempotency_key_is_the_same_for_every_try_of_one_delivery() -> None:
    first = idempotency_key("TTYT-MT", DAY, [7], [3], [7, 9])
    assert idempotency_key("TTYT-MT", DAY, [7], [3], [7, 9]) == first
    assert first.startswith("vaxstock-digest-") and len(first) == len("vaxstock-digest-") + 40


def test_another_facility_day_alert_or_change_of_state_gives_another_key() -> None:
    keys = {
        idempotency_key("TTYT-MT", DAY, [7], [], [7, 9]),
        idempotency_key("TYT-03433", DAY, [7], [], [7, 9]),  # another facility
        idempotency_key("TTYT-MT", date(2026, 12, 4), [7], [], [7, 9]),  # another day
        idempotency_key("TTYT-MT", DAY, [8], [], [8, 9]),  # another alert
        idempotency_key("TTYT-MT", DAY, [], [7], [9]),  # the same alert, resolved
        idempotency_key("TTYT-MT", DAY, [], [], [7, 9]),  # the same alert, no longer new
    }
    assert len(keys) == 6
