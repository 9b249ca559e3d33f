"""What every subcommand shares: the console, the CLI's principal, one transaction per run."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.errors import InventoryError
from inventory.i18n import cli_language, translate
from inventory.settings import Settings
from inventory.tabular import ImportFailed

T = TypeVar("T")
console = Console()
CLI = Principal.system("cli")


def run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one use case in one transaction and commit it."""

    async def go() -> T:
        engine = create_engine(settings)
        try:
            async with unit_of_work(session_factory(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except ImportFailed as exc:  # a file refused: every problem, with its row and column
        console.print(f"[red]{translate('import.refused', cli_language())}")
        for problem in exc.texts(cli_language()):
            console.print(f"  {problem}")
        sys.exit(1)
    except InventoryError as exc:  # a refusal, not a crash: say which argument and why
        lang = cli_language()
        console.print(f"[red]{exc.field or translate('cli.error', lang)}: {exc.text(lang)}")
        sys.exit(1)


def print_wide(renderable: object) -> None:
    """Print a table as wide as it needs: a narrow terminal wraps its lines rather than cutting columns off or
    breaking the Vietnamese headers word by word."""
    Console(width=max(console.width, 160)).print(renderable)


def prepare_database(settings: Settings) -> dict[str, int]:
    """Migrate to head and load any missing reference catalogue rows."""
    from inventory.catalog.seed import load_catalogue
    from inventory.migrate import upgrade

    upgrade(settings)
    return run_in_session(settings, load_catalogue)
