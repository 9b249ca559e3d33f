"""create_app(settings) -> Litestar: the one wiring point."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar, Request, get
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from inventory.alerts.api import AlertsController
from inventory.audit.api import AuditController
from inventory.auth import Principal
from inventory.authn import PrincipalCache, SessionOrTokenAuth
from inventory.catalog.api import CatalogController
from inventory.coldchain.api import ColdChainController
from inventory.datacache import DataCache
from inventory.db import Base, ReadOnlySafeMethods, create_engine, session_factory
from inventory.forecast.api import ForecastController
from inventory.problems import EXCEPTION_HANDLERS, StrictRequest, check_request, document_problems
from inventory.refusals import RefusalAudit
from inventory.register.api import RegisterController
from inventory.reports.api import ReportsController
from inventory.routes.api import RoutesController
from inventory.settings import Settings
from inventory.stock.api.adjustments import AdjustmentsController
from inventory.stock.api.balances import BalancesController
from inventory.stock.api.documents import DocumentsController
from inventory.stock.api.issues import IssuesController
from inventory.stock.api.lots import LotsController
from inventory.stock.api.receipts import ReceiptsController
from inventory.users.api import UsersController
from inventory.web.alert_delivery_pages import AlertDeliveryPages
from inventory.web.alert_pages import AlertPages
from inventory.web.assets import static_file
from inventory.web.audit_pages import AuditPages
from inventory.web.coldchain_pages import ColdChainPages
from inventory.web.document_pages import DocumentPages
from inventory.web.forecast_pages import ForecastPages
from inventory.web.pages import AuthPages
from inventory.web.posting_pages import PostingPages
from inventory.web.register_pages import RegisterPages
from inventory.web.report_pages import ReportPages
from inventory.web.route_pages import RoutePages
from inventory.web.stock_pages import StockPages
from inventory.web.templating import template_config
from inventory.web.user_pages import AccountPages, AdminUserPages


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

    sessions = session_factory(engine)
    """Short transactions of their own (authentication, sign-in counts, audit of refusals)."""

    async def provide_settings() -> Settings:
        return settings

    cache = DataCache(secret=settings.secret_key)
    """The backlog, due lists, forecasts, charts and the stock pages' data, kept until their data change
    (inventory/datacache.py)."""
    principals = PrincipalCache(settings.auth_cache_seconds)
    """Tokens' and sessions' users, remembered for a few seconds (inventory/authn.py)."""

    async def provide_cache() -> DataCache:
        return cache

    async def dispose_engine() -> None:
        await engine.dispose()

    app = Litestar(
        route_handlers=[
            health,
            AuthPages,
            StockPages,
            PostingPages,
            RoutePages,
            DocumentPages,
            AuditPages,
            AccountPages,
            AdminUserPages,
            CatalogController,
            ReceiptsController,
            IssuesController,
            AdjustmentsController,
            DocumentsController,
            LotsController,
            BalancesController,
            UsersController,
            RoutesController,
            AuditController,
            RegisterController,
            RegisterPages,
            ForecastController,
            ColdChainController,
            ColdChainPages,
            ForecastPages,
            ReportsController,
            ReportPages,
            AlertsController,
            AlertPages,
            AlertDeliveryPages,
            static_file,
        ],
        plugins=[SQLAlchemyPlugin(config=db_config)],
        middleware=[
            ReadOnlySafeMethods,  # GET pages read in deferred SQLite transactions (inventory/db.py)
            DefineMiddleware(
                SessionOrTokenAuth,
                sessions=sessions,
                principals=principals,
            ),
            DefineMiddleware(RefusalAudit, sessions=sessions),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_httponly=True, exclude=["/api/", "/health"]
        ),
        template_config=template_config(),
        # pages and JSON gzip-compressed for browsers that accept it (brotli would need a compiled package);
        # charts, already compressed PNG, are left alone
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1000, gzip_compress_level=6, exclude_opt_key="no_compression"
        ),
        dependencies={
            "settings": Provide(provide_settings),
            "principal": Provide(provide_principal),
            "data_cache": Provide(provide_cache),
        },
        state=State({"settings": settings, "sessions": sessions, "cache": cache, "principals": principals}),
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=check_request,
        request_class=StrictRequest,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="VaxStock API",
            version="1",
            description="Vaccine stock ledger for the Expanded Programme on Immunization (TCMR). "
            "Authenticate with `Authorization: Bearer <token>` (see `vaxstock user token`). "
            "Every error is a problem document (application/problem+json) with a machine-readable `code`, "
            "the `field` it is about and the reason. **Send again** only a 503 (code `send_again`, with a "
            "`Retry-After` header): nothing was written or decided, and with the same Idempotency-Key a "
            "posting is never recorded twice. Every 4xx (409 `insufficient_stock` or `conflict`, 422 "
            "`validation_failed`, `unknown_reference`, `rule_violated` or `idempotency_key_reused`, 400 "
            "`malformed_body`, 413 `body_too_large`, 415 `unsupported_media_type`...) is refused for good: sending it again gets the same answer. A 500 "
            "(`server_error`) carries a `request_id` to quote.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        on_shutdown=[dispose_engine],
        debug=settings.debug,
    )
    document_problems(app)
    return app
