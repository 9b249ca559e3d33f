"""Migrations build the schema from nothing and match the models exactly."""

from __future__ import annotations

from pathlib import Path

from inventory.migrate import check, upgrade
from inventory.settings import Settings


def test_upgrade_head_on_an_empty_database_then_no_difference_from_the_models(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    upgrade(settings)
    check(settings)  # raises when autogenerate would find any difference


def test_the_test_database_is_at_head_and_matches_the_models(settings: Settings) -> None:
    check(settings)
