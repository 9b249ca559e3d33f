"""create_app(settings) -> Litestar: the one wiring point."""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from sqlalchemy.exc import DBAPIError

from inventory.auth import Principal, Unauthenticated
from inventory.authn import SessionOrTokenAuth
from inventory.catalog.api import CatalogController
from inventory.db import Base, ConnectionLost, create_engine, session_factory
from inventory.errors import InventoryError
from inventory.forecast.api import ForecastController
from inventory.register.api import RegisterController
from inventory.settings import Settings
from inventory.stock.api import StockController
from inventory.web.audit_pages import AuditPages
from inventory.web.document_pages import DocumentPages
from inventory.web.forecast_pages import ForecastPages
from inventory.web.i18n import DEFAULT_LANGUAGE, LANGUAGES
from inventory.web.pages import AuthPages
from inventory.web.posting_pages import PostingPages
from inventory.web.register_pages import RegisterPages
from inventory.web.stock_pages import StockPages
from inventory.web.templating import STATIC, template_config

PROBLEM_JSON = "application/problem+json"


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(("/api/", "/schema"))


def _problem(status: int, title: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def _error_page(request: Request[Any, Any, Any], status: int, detail: str) -> Template:
    lang = request.cookies.get("lang", DEFAULT_LANGUAGE)
    return Template(
        "error.html",
        context={"lang": lang if lang in LANGUAGES else DEFAULT_LANGUAGE, "status": status, "detail": detail},
        status_code=status,
    )


def inventory_error_to_response(request: Request[Any, Any, Any], exc: InventoryError) -> Response[Any]:
    """Domain errors: their status, the field and the reason (JSON for the API, a page otherwise)."""
    if isinstance(exc, Unauthenticated) and not _is_api(request):
        return Redirect(f"/login?next_path={request.url.path}", status_code=303)
    if _is_api(request):
        return Response(exc.to_problem(), status_code=exc.status_code, media_type=PROBLEM_JSON)
    return _error_page(request, exc.status_code, exc.detail)


BUSY_SQLSTATES = {"40P01": "deadlock detected", "40001": "serialization failure"}
log = logging.getLogger(__name__)


def database_error_to_response(
    request: Request[Any, Any, Any], exc: DBAPIError | asyncpg.PostgresError | ConnectionLost
) -> Response[Any]:
    """A transaction PostgreSQL cancelled to break a lock cycle wrote nothing: say so, and that sending the
    same request again is safe (a posting with the same Idempotency-Key). A connection lost under a
    request (the server restarted, the network dropped) is a 503 to send again: the pool has let the
    connection go, and the key makes a posting that did land answer with its first result. Any other
    database error is a server error, logged."""
    state = getattr(getattr(exc, "orig", exc), "sqlstate", None)
    if state in BUSY_SQLSTATES:
        status, title = 409, "Conflict"
        detail = (
            f"the database cancelled this request: others were using the same rows at the same moment "
            f"({BUSY_SQLSTATES[state]}); nothing was written: send the same request again"
        )
    elif isinstance(exc, ConnectionLost) or getattr(exc, "connection_invalidated", False):
        log.warning("database connection lost: %s", exc)
        status, title = 503, "Service Unavailable"
        detail = (
            "the connection to the database was lost during this request; send the same request again "
            "(with the same Idempotency-Key a posting is never recorded twice)"
        )
    else:
        log.exception("database error", exc_info=exc)
        status, title, detail = 500, "Internal Server Error", "the database refused the request"
    if _is_api(request):
        return _problem(status, title, detail)
    return _error_page(request, status, detail)


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
    return _problem(422 if field else 400, "Validation failed", reason, field=field, errors=errors)


def http_error_to_response(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if not _is_api(request) and exc.status_code < 500:
        return _error_page(request, exc.status_code, str(exc.detail))
    return _problem(exc.status_code, "Request refused", str(exc.detail))


@get("/health", operation_id="Health", tags=["system"])
async def health() -> dict[str, str]:
    """Liveness: the app answers."""
    return {"status": "ok"}


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return request.user


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application for one database; nothing global is touched."""
    settings = settings or Settings.from_env()
    engine = create_engine(settings)
    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit_include_redirects",
        metadata=Base.metadata,
        create_all=False,
    )

    async def provide_settings() -> Settings:
        return settings

    async def dispose_engine() -> None:
        await engine.dispose()

    return Litestar(
        route_handlers=[
            health,
            AuthPages,
            StockPages,
            PostingPages,
            DocumentPages,
            AuditPages,
            CatalogController,
            StockController,
            RegisterController,
            RegisterPages,
            ForecastController,
            ForecastPages,
            create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
        ],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        middleware=[
            DefineMiddleware(
                SessionOrTokenAuth,
                sessions=session_factory(engine),
                token_cache_seconds=settings.token_cache_seconds,
            )
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_httponly=True, exclude=["/api/", "/health"]
        ),
        template_config=template_config(),
        dependencies={"settings": Provide(provide_settings), "principal": Provide(provide_principal)},
        state=State({"settings": settings}),
        exception_handlers={
            InventoryError: inventory_error_to_response,
            DBAPIError: database_error_to_response,
            asyncpg.PostgresError: database_error_to_response,
            ConnectionLost: database_error_to_response,
            ValidationException: validation_error_to_response,
            HTTPException: http_error_to_response,
        },
        openapi_config=OpenAPIConfig(
            title="VaxStock API",
            version="1",
            description="Vaccine stock ledger for the Expanded Programme on Immunization (TCMR). "
            "Authenticate with `Authorization: Bearer <token>` (see `vaxstock user token`).",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        on_shutdown=[dispose_engine],
        debug=settings.debug,
    )
