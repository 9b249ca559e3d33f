"""How every refusal and failure is answered: a problem document (RFC 9457) for the API, a page otherwise.

Each answer carries a machine-readable `code`. A request that may simply be sent again answers 503 with
`Retry-After` (code `send_again`): nothing was written or decided. A request refused for good answers 4xx
(409 / 422 ... with the code of the refusal): sending it again gets the same answer. A server error (500)
is logged with its traceback and a request id that the answer carries too.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect, Template
from litestar.types import Empty
from sqlalchemy.exc import DBAPIError

from inventory.auth import Unauthenticated
from inventory.commands import (
    BodyTooLarge,
    InputRefused,
    MalformedBody,
    UnsupportedMediaType,
    decode_json,
    input_refused,
)
from inventory.db import ConnectionLost
from inventory.errors import InventoryError, SendAgain
from inventory.i18n import language, translate
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
        again = SendAgain(message="error.send_again.database_busy", params={"sqlstate": state})
    elif isinstance(exc, ConnectionLost) or getattr(exc, "connection_invalidated", False):
        log.warning("database connection lost: %s", exc)
        again = SendAgain(message="error.send_again.connection_lost")
    else:
        return server_error_to_response(request, exc)
    return inventory_error_to_response(request, again)


def validation_error_to_response(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Litestar's refusals of path and query parameters (and of a form body): the first one, read by the one
    adapter (inventory.commands.input_refused) into a coded refusal naming the parameter."""
    errors = exc.extra if isinstance(exc.extra, list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    refusal = input_refused(str(first.get("message") or exc.detail), str(first.get("key") or "") or None)
    return inventory_error_to_response(request, refusal)


def http_error_to_response(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        return server_error_to_response(request, exc)
    if exc.status_code == 413:
        limit = request.route_handler.resolve_request_max_body_size()
        return inventory_error_to_response(
            request, BodyTooLarge(message="error.body_too_large", params={"limit": limit or 0})
        )
    # Litestar's own refusals (no such page, a method the route does not take, a failed CSRF check...): its
    # English detail is kept in `reason`, the text is the catalogue's, by status
    key = HTTP_MESSAGES.get(exc.status_code, "error.http.refused")
    detail = translate(key, reader_language(request), {"status": exc.status_code})
    if not _is_api(request):
        return _error_page(request, exc.status_code, detail)
    return _problem(
        exc.status_code,
        "Request refused",
        detail,
        code="request_refused",
        message=key,
        reason=str(exc.detail),
    )


HTTP_MESSAGES = {
    401: "error.unauthenticated",
    403: "error.http.forbidden",
    404: "error.http.not_found",
    405: "error.http.method",
}
"""Catalogue keys of Litestar's refusals by status; any other status: `error.http.refused`."""


def malformed_body_to_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A body that is not UTF-8, is not JSON, or is nested too deep to read, is the client's error, not the
    server's."""
    if isinstance(exc, RecursionError) and "deserializ" not in str(exc):
        return server_error_to_response(request, exc)
    if isinstance(exc, UnicodeDecodeError):
        case = "not_utf8"
    elif isinstance(exc, RecursionError):
        case = "too_deep"
    else:
        case = "not_json"
    return inventory_error_to_response(request, MalformedBody(message=f"error.malformed_body.{case}"))


def server_error_to_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything else is the server's fault: logged with its traceback and an id that the answer carries."""
    request_id = uuid.uuid4().hex
    log.error("server error %s on %s %s", request_id, request.method, request.url.path, exc_info=exc)
    detail = translate("error.server", reader_language(request), {"request_id": request_id})

    if not _is_api(request):
        return _error_page(request, 500, detail)
    return _problem(500, "Internal Server Error", detail, code="server_error", request_id=request_id)


def _body_kind(handler: Any) -> tuple[str | None, Any]:
    """The media type a handler reads its body as (None: JSON) and the type of its `data` (a few attribute
    reads: not cached, since handler objects come and go with the apps that own them)."""
    field = handler.parsed_fn_signature.parameters.get("data")
    if field is None:
        return None, None
    media = getattr(getattr(field.kwarg_definition, "media_type", None), "value", None)
    return (media if media and media != "application/json" else None), field.annotation


class StrictRequest(Request[Any, Any, Any]):
    """The app's request: a JSON body is decoded straight into the handler's command, strictly (`"doses":
    "10"` is refused naming the field, not converted to 10; Litestar itself converts leniently, as a form
    needs). Forms keep converting through inventory.web.forms."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            media, kind = _body_kind(self.route_handler)
            if media is None and isinstance(kind, type) and issubclass(kind, msgspec.Struct):
                body = await self.body()
                self._json = self._connection_state.json = decode_json(body or b"null", kind)
                return self._json
        try:
            return await super().json()
        except SerializationException:
            raise MalformedBody(message="error.malformed_body.not_json") from None


async def check_request(request: Request[Any, Any, Any]) -> None:
    """Before any parameter is read: a NUL character in a path or query parameter, or in a field of a form
    (the pages' posts), is refused, naming the parameter or field (PostgreSQL cannot compare text with one,
    so it would otherwise fail deep in a query; JSON bodies are checked by their schemas,
    inventory/stock/schemas/base.py); a route that reads a multipart form refuses a body of another media
    type (415) instead of finding no parts in it."""
    fields = [*request.path_params.items(), *request.query_params.items()]
    if request.method == "POST" and request.content_type[0] in _FORMS:
        fields += (await request.form()).multi_items()  # parsed once: the handler reads the same form
    for name, value in fields:
        if isinstance(value, str) and "\x00" in value:
            raise InputRefused(field=name, message="error.input.nul")
    media, _ = _body_kind(request.route_handler)
    if media is not None and request.method in ("POST", "PUT", "PATCH"):
        sent = request.content_type[0]
        if sent != media:
            raise UnsupportedMediaType(
                field="Content-Type", message="error.unsupported_media_type", params={"expected": media}
            )


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class Problem(msgspec.Struct, kw_only=True):
    """A refusal or failure (RFC 9457 problem details), with the machine-readable `code`."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    field: str | None = None
    message: str | None = None
    params: dict[str, Any] | None = None
    request_id: str | None = None


PROBLEM_ANSWERS = {
    400: "malformed_body: the body cannot be read (not UTF-8, not JSON, nested too deep)",
    401: "unauthenticated: no valid token or session",
    403: "forbidden: the user may not do this",
    404: "not_found",
    409: "insufficient_stock or conflict: refused for good in the state the data is in; over_capacity: "
    "resend with confirm_over_capacity to save",
    413: "body_too_large: the body is over the max_body_bytes setting",
    415: "unsupported_media_type: a body of another media type than the route reads",
    422: "validation_failed, unknown_reference, rule_violated, idempotency_key_reused: names the `field`",
    500: "server_error: carries a request_id to quote",
    503: "send_again: nothing was written; send the same request again after Retry-After seconds",
}


def document_problems(app: Any) -> None:
    """Every API operation documents the problem documents it may answer with (the OpenAPI schema)."""
    spec = {
        status: ResponseSpec(
            data_container=Problem, media_type=PROBLEM_JSON, description=text, generate_examples=False
        )
        for status, text in PROBLEM_ANSWERS.items()
    }
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            handler.responses = {**spec, **(handler.responses or {})}


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    InventoryError: inventory_error_to_response,
    DBAPIError: database_error_to_response,
    asyncpg.PostgresError: database_error_to_response,
    ConnectionLost: database_error_to_response,
    ValidationException: validation_error_to_response,
    SerializationException: malformed_body_to_response,
    HTTPException: http_error_to_response,
    UnicodeDecodeError: malformed_body_to_response,
    RecursionError: malformed_body_to_response,
    Exception: server_error_to_response,
}
"""Registered in create_app; Litestar picks the handler of the closest class."""
