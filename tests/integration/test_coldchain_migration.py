"""Migration 0006 moves a lot's VVM stage and hold to each place that holds it, and back on downgrade."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from inventory.migrate import alembic_config, upgrade
from inventory.settings import Settings


@contextmanager
def connected(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path)
    try:
        with db:
            yield db
    finally:
        db.close()


def test_a_held_lot_is_held_at_every_place_holding_it_after_the_migration_and_back(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.sqlite3"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}")
    upgrade(settings, "0005")
    with connected(path) as db:
        db.execute(
            "INSERT INTO facility (id, code, name, level, valid_from) VALUES (1, 'F', 'F', 'district', '2020-01-01')"
        )
        db.executemany(
            "INSERT INTO location (id, facility_id, code, name, kind, active) VALUES (?, 1, ?, ?, 'refrigerator', 1)",
            [(10, "TL-10", "10"), (11, "TL-11", "11"), (12, "TL-12", "12")],
        )
        db.execute(
            "INSERT INTO product (id, code, name, antigen, doses_per_vial, vials_per_pack, presentation, "
            "is_diluent, freeze_sensitive, keep_opened_vial, packed_volume_cm3) "
            "VALUES (1, 'P', 'P', 'P', 10, 10, 'liquid', 0, 1, 1, 2.5)"
        )
        db.executemany(
            "INSERT INTO lot (id, product_id, lot_number, expires_on, vvm_stage, on_hold, hold_reason, created_at)"
            " VALUES (?, 1, ?, '2027-01-01', ?, ?, ?, '2026-01-01 00:00:00')",
            [(1, "HELD", 2, True, "freeze alarm"), (2, "FINE", 1, False, None), (3, "DARK", 3, False, None)],
        )
        db.executemany(
            "INSERT INTO balance (location_id, lot_id, doses) VALUES (?, ?, ?)",
            [(10, 1, 50), (11, 1, 20), (10, 2, 30), (12, 3, 5)],
        )
    upgrade(settings)
    with connected(path) as db:
        places = db.execute(
            "SELECT location_id, lot_id, vvm_stage, on_hold, hold_reason FROM lot_place_state ORDER BY 1, 2"
        ).fetchall()
        columns = [row[1] for row in db.execute("PRAGMA table_info(lot)")]
    assert places == [(10, 1, 2, 1, "freeze alarm"), (11, 1, 2, 1, "freeze alarm"), (12, 3, 3, 0, None)]
    assert "on_hold" not in columns and "hold_reason" not in columns
    with connected(path) as db:  # a place released after the migration; the other still held
        db.execute("UPDATE lot_place_state SET on_hold = 0, hold_reason = NULL WHERE location_id = 11")
        db.execute("UPDATE lot_place_state SET vvm_stage = 4 WHERE lot_id = 3")
    command.downgrade(alembic_config(settings), "0005")
    with connected(path) as db:
        lots = db.execute(
            "SELECT lot_number, vvm_stage, on_hold, hold_reason FROM lot ORDER BY id"
        ).fetchall()
    assert lots == [("HELD", 2, 1, "freeze alarm"), ("FINE", 1, 0, None), ("DARK", 4, 0, None)]
