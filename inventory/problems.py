"""How every refusal and failure is answered: a problem document (RFC 9457) for the API, a page otherwise.

Each answer carries a machine-readable `code`. A request that may simply be sent again answers 503 with
`Retry-After` (code `send_again`): nothing was written or decided. A request refused for good answers 4xx
(409 / 422 ... with the code of the refusal): sending it again gets the same answer. A server error (500)
is logged with its traceback and a request id that the answer carries too.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from sqlalchemy.exc import DBAPIError

from inventory.auth import Unauthenticated
from inventory.db import ConnectionLost
from inventory.errors import InventoryError, SendAgain, ValidationFailed
from inventory.i18n import language
from inventory.idempotency import BUSY_SQLSTATES

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(("/api/", "/schema"))


def _problem(
    status: int, title: str, detail: str, *, code: str, retry_after: int | None = None, **extra: Any
) -> Response[dict[str, Any]]:
    body = {"type": "about:blank", "title": title, "status": status, "code": code, "detail": detail, **extra}
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def reader_language(request: Request[Any, Any, Any]) -> str:
    """The API answers in the language of `Accept-Language`, a page in the session's (cookie); vi by default."""
    if _is_api(request):
        return language(request.headers.get("accept-language"))
    return language(request.cookies.get("lang"))


def _error_page(
    request: Request[Any, Any, Any], status: int, detail: str, retry_after: int | None = None
) -> Template:
    return Template(
        "error.html",
        context={"lang": reader_language(request), "status": status, "detail": detail},
        status_code=status,
        headers={"Retry-After": str(retry_after)} if retry_after is not None else None,
    )


def inventory_error_to_response(request: Request[Any, Any, Any], exc: InventoryError) -> Response[Any]:
    """Domain errors: their status, code, field and reason (JSON for the API, a page otherwise)."""
    if isinstance(exc, Unauthenticated) and not _is_api(request):
        return Redirect(f"/login?next_path={request.url.path}", status_code=303)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if _is_api(request):
        return Response(
            exc.to_problem(reader_language(request)),
            status_code=exc.status_code,
            media_type=PROBLEM_JSON,
            headers=headers,
        )
    return _error_page(request, exc.status_code, exc.text(reader_language(request)), exc.retry_after)


def database_error_to_response(
    request: Request[Any, Any, Any], exc: DBAPIError | asyncpg.PostgresError | ConnectionLost
) -> Response[Any]:
    """A transaction PostgreSQL cancelled to break a lock cycle wrote nothing, and a connection lost under a
    request (the server restarted, the network dropped) leaves the pool: both are a 503 to send again (with
    the same Idempotency-Key a posting is never recorded twice). Any other database error is a server
    error, logged."""
    state = getattr(getattr(exc, "orig", exc), "sqlstate", None)
    if state in BUSY_SQLSTATES:
        detail = (
            f"the database cancelled this request: others were using the same rows at the same moment "
            f"({BUSY_SQLSTATES[state]}); nothing was written: send the same request again"
        )
    elif isinstance(exc, ConnectionLost) or getattr(exc, "connection_invalidated", False):
        log.warning("database connection lost: %s", exc)
        detail = (
            "the connection to the database was lost during this request; send the same request again "
            "(with the same Idempotency-Key a posting is never recorded twice)"
        )
    else:
        return server_error_to_response(request, exc)
    again = SendAgain(detail)
    if _is_api(request):
        return _problem(
            again.status_code, again.title, detail, code=again.code, retry_after=again.retry_after
        )
    return _error_page(request, again.status_code, detail, again.retry_after)


def validation_error_to_response(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Schema errors (unknown field, wrong type, malformed JSON): name the first field and say why."""
    errors = exc.extra if isinstance(exc.extra, list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    field = re.sub(r"^data\.?", "", str(first.get("key") or "")) or None
    reason = str(first.get("message") or exc.detail)
    named = re.search(r"(?:unknown|missing required) field `([^`]+)`", reason)
    if named:
        field = f"{field}.{named.group(1)}" if field else named.group(1)
    if not _is_api(request):
        return _error_page(request, 400, f"{field or ''} {reason}")
    return _problem(
        422 if field else 400,
        "Validation failed",
        reason,
        code="validation_failed",
        field=field,
        errors=errors,
    )


def http_error_to_response(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        return server_error_to_response(request, exc)
    if not _is_api(request):
        return _error_page(request, exc.status_code, str(exc.detail))
    return _problem(exc.status_code, "Request refused", str(exc.detail), code="request_refused")


def malformed_body_to_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A body that is not UTF-8, or JSON nested too deep to read, is the client's error, not the server's."""
    if isinstance(exc, RecursionError) and "deserializ" not in str(exc):
        return server_error_to_response(request, exc)
    reason = (
        "the request body is not valid UTF-8"
        if isinstance(exc, UnicodeDecodeError)
        else "the request body is nested too deep to read"
    )
    if not _is_api(request):
        return _error_page(request, 400, reason)
    return _problem(400, "Malformed request", reason, code="malformed_body")


def server_error_to_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything else is the server's fault: logged with its traceback and an id that the answer carries."""
    request_id = uuid.uuid4().hex
    log.error("server error %s on %s %s", request_id, request.method, request.url.path, exc_info=exc)
    detail = f"the server failed to answer this request (request id {request_id})"
    if not _is_api(request):
        return _error_page(request, 500, detail)
    return _problem(500, "Internal Server Error", detail, code="server_error", request_id=request_id)


async def refuse_nul_in_parameters(request: Request[Any, Any, Any]) -> None:
    """A NUL character in a path or query parameter is refused, naming the parameter (PostgreSQL cannot
    compare text with one, so it would otherwise fail deep in a query). Bodies are checked by their
    schemas (inventory/stock/schemas.py)."""
    for name, value in [*request.path_params.items(), *request.query_params.items()]:
        if isinstance(value, str) and "\x00" in value:
            raise ValidationFailed(f"{name} contains a NUL character", field=name)


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    InventoryError: inventory_error_to_response,
    DBAPIError: database_error_to_response,
    asyncpg.PostgresError: database_error_to_response,
    ConnectionLost: database_error_to_response,
    ValidationException: validation_error_to_response,
    HTTPException: http_error_to_response,
    UnicodeDecodeError: malformed_body_to_response,
    RecursionError: malformed_body_to_response,
    Exception: server_error_to_response,
}
"""Registered in create_app; Litestar picks the handler of the closest class."""
