"""The chain's canonical text and hash are the ones docs/ledgerproof.md writes out by hand."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone

from inventory.chain import GENESIS, canonical, link, sqlite_function

DOCUMENTED = (
    "8:movement;1:1;1:7;1:3;7:receipt;1:4;1:2;3:100;10:2026-12-03;27:2026-12-03T01:00:00.000000Z;5:admin;-;-;"
)
"""docs/ledgerproof.md's example: the first movement of a chain (id 7, document 3, 100 doses)."""

VALUES = (
    1,
    7,
    3,
    "receipt",
    4,
    2,
    100,
    date(2026, 12, 3),
    datetime(2026, 12, 3, 1, tzinfo=UTC),
    "admin",
    None,
    None,
)


def test_a_movement_is_written_as_the_documented_length_prefixed_text() -> None:
    assert canonical("movement", VALUES) == DOCUMENTED


def test_the_first_link_hashes_sixty_four_zeros_then_the_text() -> None:
    assert link(GENESIS, "movement", VALUES) == hashlib.sha256(("0" * 64 + DOCUMENTED).encode()).hexdigest()


def test_an_instant_is_written_in_utc_whatever_zone_it_was_read_in() -> None:
    hanoi = datetime(2026, 12, 3, 8, tzinfo=timezone(timedelta(hours=7)))
    assert canonical("movement", (*VALUES[:8], hanoi, *VALUES[9:])) == DOCUMENTED


def test_sqlite_stored_text_gives_the_same_link_as_the_values_read_back() -> None:
    stored = (*VALUES[:7], "2026-12-03", "2026-12-03 01:00:00.000000", *VALUES[9:])
    assert sqlite_function(GENESIS, "movement", *stored) == link(GENESIS, "movement", VALUES)


def test_a_separator_inside_a_text_cannot_forge_another_field() -> None:
    one = canonical("audit", (1, 1, None, "a;1:b", None, "x", None, None, "{}"))
    two = canonical("audit", (1, 1, None, "a", "b", "x", None, None, "{}"))
    assert one != two and "5:a;1:b;" in one
