"""Charts rendered once per change of their data and answered with an entity tag (304 when the browser has it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from litestar import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.datacache import DataCache

REVALIDATE = "private, no-cache"
"""Kept by the browser, asked again each time (a 304 when nothing changed); never by a shared proxy."""
NO_COMPRESSION = {"no_compression": True}
"""The route option that spares already compressed bodies (PNG) the gzip middleware."""


def etag_matches(header: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names the tag (strong or weak, in a list, or `*`)."""
    if not header:
        return False
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return "*" in candidates or f'"{tag}"' in candidates


async def cached_image(
    request: Request[Any, Any, Any],
    cache: DataCache | None,
    session: AsyncSession,
    key: Hashable,
    render: Callable[[], Awaitable[bytes]],
    media_type: str = "image/png",
    topic: str = "all",
) -> Response[bytes]:
    """The image for `key` at the current data version: 304 if the browser holds it, else from the cache or
    rendered once. The key carries everything the image shows (place, days, language, who asks)."""
    if cache is None:
        return Response(await render(), media_type=media_type)
    tag = cache.etag(key, await cache.version(session, topic))
    headers = {"ETag": f'"{tag}"', "Cache-Control": REVALIDATE}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(b"", status_code=304, headers=headers)
    body = await cache.get(session, key, render, topic)
    return Response(body, media_type=media_type, headers=headers)
