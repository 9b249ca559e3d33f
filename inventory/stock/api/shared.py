"""What the stock controllers share (and other modules' APIs borrow): the Idempotency-Key header, paging
parameters and links, the request's StockContext, the posting handler factory and the controllers' base."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.params import HeaderParameter, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.paging import MAX_LIMIT, MAX_OFFSET, Window
from inventory.stock.context import StockContext

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", description="client-chosen key; a retry with it posts nothing new"
    ),
]

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"rows per page, at most {MAX_LIMIT}")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="rows skipped: the page's first row")]


def next_link(request: Request[Any, Any, Any], window: Window, total: int) -> str | None:
    """The link to the page after `window` (the same path and filters), or None on the last page."""
    following = window.next_offset(total)
    if following is None:
        return None
    query = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}
    return f"{request.url.path}?{urlencode({**query, 'limit': window.limit, 'offset': following})}"


async def provide_stock(
    request: Request[Principal, Any, Any], db_session: NamedDependency[AsyncSession]
) -> StockContext:
    """The request's StockContext. Settings and principal come from the request itself rather than as
    dependencies: Litestar resolves several dependencies of one level in a task group of their own, which
    costs more than a posting's own work in Python."""
    return StockContext(db_session, request.app.state.settings, request.user, decoded_commands=True)


def posting(
    path: str,
    operation_id: str,
    summary: str,
    command: type[msgspec.Struct],
    use_case: Callable[..., Awaitable[Any]],
    result: type[msgspec.Struct],
) -> HTTPRouteHandler:
    """A handler that posts a command's JSON body through a use case, with the request's Idempotency-Key:
    the shape every posting of a new document shares. (Annotations are evaluated here, when the handler is
    made, so that the command and result types reach Litestar as types.)"""

    async def handler(
        self: Controller,
        stock: NamedDependency[StockContext],
        data: JSONBody[command],  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey,
    ) -> result:  # type: ignore[valid-type]
        return await use_case(stock, data, key=idempotency_key)

    handler.__name__ = handler.__qualname__ = operation_id
    return post(path, operation_id=operation_id, summary=summary)(handler)


class StockController(Controller):
    """The base of the stock controllers (one per family of use cases): the API's path, the tag and the
    request's StockContext as `stock`."""

    path = "/api/v1"
    tags = ["stock"]
    dependencies = {"stock": Provide(provide_stock)}
