"""Paged lists on pages: the window asked for in the query string and the links to the pages around it,
with the page's filters kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar.params import QueryParameter

from inventory.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, Window

PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
PageOffset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)]


@dataclass(frozen=True)
class Pager:
    """Where a page of a list stands: rows `first`..`last` of `total`, and links to the pages around it that
    keep the list's filters."""

    path: str
    window: Window
    total: int
    filters: dict[str, Any] = field(default_factory=dict)
    default_limit: int = DEFAULT_LIMIT
    """The list's own page size, left out of its links."""

    def link(self, offset: int) -> str:
        query = {k: v for k, v in self.filters.items() if v not in (None, "")}
        if self.window.limit != self.default_limit:
            query["limit"] = self.window.limit
        if offset:
            query["offset"] = offset
        return f"{self.path}?{urlencode(query)}" if query else self.path

    @property
    def first(self) -> int:
        return min(self.window.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.window.offset + self.window.limit, self.total)

    @property
    def previous_url(self) -> str | None:
        if self.window.offset <= 0:
            return None
        return self.link(max(self.window.offset - self.window.limit, 0))

    @property
    def next_url(self) -> str | None:
        following = self.window.next_offset(self.total)
        return None if following is None else self.link(following)

    @property
    def several(self) -> bool:
        """Whether there is more than this one page (the links are shown then)."""
        return self.window.offset > 0 or self.total > self.window.limit
