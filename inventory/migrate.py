"""Run the Alembic migrations programmatically (CLI, demo, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from inventory.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(settings: Settings) -> Config:
    """An Alembic config pointing at migrations/ and at the settings' database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = settings.database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (call from synchronous code)."""
    command.upgrade(alembic_config(settings), revision)


def check(settings: Settings) -> None:
    """Raise when the models and the migrations differ."""
    command.check(alembic_config(settings))
