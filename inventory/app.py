"""create_app(settings) -> Litestar: the one wiring point."""

from __future__ import annotations

import re
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar, Request, Response, get
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from inventory.catalog.api import CatalogController
from inventory.db import Base, create_engine
from inventory.errors import InventoryError
from inventory.settings import Settings
from inventory.stock.api import StockController

PROBLEM_JSON = "application/problem+json"


def _problem(status: int, title: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def inventory_error_to_response(_: Request[Any, Any, Any], exc: InventoryError) -> Response[dict[str, Any]]:
    """Domain errors: their status, the field and the reason."""
    return Response(exc.to_problem(), status_code=exc.status_code, media_type=PROBLEM_JSON)


def validation_error_to_response(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Schema errors (unknown field, wrong type, malformed JSON): name the first field and say why."""
    errors = exc.extra if isinstance(exc.extra, list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    field = re.sub(r"^data\.?", "", str(first.get("key") or "")) or None
    reason = str(first.get("message") or exc.detail)
    named = re.search(r"(?:unknown|missing required) field `([^`]+)`", reason)
    if named:
        field = f"{field}.{named.group(1)}" if field else named.group(1)
    return _problem(422 if field else 400, "Validation failed", str(reason), field=field, errors=errors)


def http_error_to_response(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    return _problem(exc.status_code, "Request refused", str(exc.detail))


@get("/health", operation_id="Health", include_in_schema=True, tags=["system"])
async def health() -> dict[str, str]:
    """Liveness: the app answers."""
    return {"status": "ok"}


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

    async def provide_actor(request: Request[Any, Any, Any]) -> str:
        # until sign-in exists, the API records the name a client gives, marked as unauthenticated
        name = request.headers.get("X-VaxStock-User", "").strip()[:60]
        return f"{name or 'anonymous'} (unauthenticated)"

    async def dispose_engine() -> None:
        await engine.dispose()

    return Litestar(
        route_handlers=[health, CatalogController, StockController],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        dependencies={"settings": Provide(provide_settings), "actor": Provide(provide_actor)},
        exception_handlers={
            InventoryError: inventory_error_to_response,
            ValidationException: validation_error_to_response,
            HTTPException: http_error_to_response,
        },
        openapi_config=OpenAPIConfig(
            title="VaxStock API",
            version="1",
            description="Vaccine stock ledger for the Expanded Programme on Immunization (TCMR)",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        on_shutdown=[dispose_engine],
        debug=settings.debug,
    )
