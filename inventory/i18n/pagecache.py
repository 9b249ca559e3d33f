"""Caching and static files: what a reader may meet from them."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "error.static.unknown": ("Không có tệp tĩnh {name}", "There is no static file {name}"),
}
