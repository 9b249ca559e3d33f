"""Paging of list reads: a window (limit, offset) over a query in a stable order, and its total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
"""The most rows one page of any list holds (API and pages)."""
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class Window:
    """Rows offset .. offset + limit of a list in its stable order."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT or not 0 <= self.offset <= MAX_OFFSET:
            raise ValueError(f"a page holds 1 to {MAX_LIMIT} rows from an offset of 0 or more")

    def slice(self, rows: Sequence[T]) -> list[T]:
        return list(rows[self.offset : self.offset + self.limit])

    def next_offset(self, total: int) -> int | None:
        """The offset of the following page, or None on the last one."""
        following = self.offset + self.limit
        return following if following < total else None


ALL = Window(limit=MAX_LIMIT, offset=0)


async def count_of(session: AsyncSession, stmt: Select[Any]) -> int:
    """How many rows `stmt` selects (its order and any window dropped)."""
    inner = stmt.order_by(None).limit(None).offset(None).subquery()
    return int(await session.scalar(select(func.count()).select_from(inner)) or 0)


def windowed(stmt: Select[Any], window: Window) -> Select[Any]:
    return stmt.limit(window.limit).offset(window.offset)
