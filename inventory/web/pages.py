"""Server-rendered pages: the per-request page helper, what several page families share, and sign-in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from datetime import date
from typing import Annotated, Any, TypeVar

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from inventory import i18n
from inventory.alerts.service import AlertService
from inventory.auth import Principal
from inventory.authn import SESSION_COOKIE
from inventory.catalog.models import Facility
from inventory.catalog.service import CatalogService
from inventory.datacache import DataCache, cached, scope_of
from inventory.errors import ValidationFailed
from inventory.i18n import DEFAULT_LANGUAGE, LANGUAGES
from inventory.settings import Settings
from inventory.stock.context import StockContext
from inventory.tabular import CellError, parse_date
from inventory.timeutil import today_vn
from inventory.users.service import UserService
from inventory.users.sessions import SESSION_MAX
from inventory.users.throttle import SignInLimits, TooManyAttempts
from inventory.web.forms import Form

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
T = TypeVar("T")


def language(request: Request[Any, Any, Any]) -> str:
    return i18n.language(request.cookies.get("lang"))


async def provide_page(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Page:
    return Page(request, db_session, settings)


class Page:
    """Per-request page helper: the user, their facility, services and template rendering."""

    def __init__(self, request: Request[Any, Any, Any], session: AsyncSession, settings: Settings) -> None:
        self.request = request
        self.session = session
        self.settings = settings
        self.principal: Principal = request.user
        self.stock = StockContext(session, settings, self.principal)
        self.catalog = CatalogService(session)
        self.cache: DataCache | None = request.app.state.get("cache")

    @property
    def lang(self) -> str:
        """The session's language."""
        return language(self.request)

    def facility_code(self, requested: str | None = None) -> str:
        """The facility a page is about: the user's own, or (for readers of many) the one asked for."""
        if requested:
            return requested
        return self.principal.facility_code or "TTYT-MT"

    async def require_write(self, code: str) -> Facility:
        """Forms for postings open only where the user may post."""
        facility = await self.catalog.facility(code, field="facility")
        self.principal.require_write(facility.id, facility.code, field="facility")
        return facility

    async def counterparty_options(self, kind: str, facility: Facility) -> list[tuple[str, str]]:
        """A form's supplier or destination list: only the facilities the user may post `kind` with."""
        return [(f.code, f"{f.code} — {f.name}") for f in await self.stock.counterparties(kind, facility)]

    async def cached(self, key: tuple[Hashable, ...], compute: Callable[[], Awaitable[T]]) -> T:
        """A page's data kept until anything it is read from changes (inventory/datacache.py: the key, the data
        version, what the user may read and the day), so that the same page asked again reads one version
        query instead of its rows. Only for data that follow audited writes (not the open alerts: their
        evaluation is not audited)."""
        return await cached(self.cache, self.session, (*key, scope_of(self.principal), today_vn()), compute)

    async def render(self, name: str, status_code: int = 200, **context: Any) -> Template:
        facilities = await self.cached(  # the user's own part of the tree
            ("facilities",), lambda: self.catalog.list_facilities(self.principal.readable)
        )
        visible = [f for f in facilities if f.valid_to is None]
        context.setdefault("form", Form())
        context.setdefault("facility_options", [(f.code, f"{f.code} — {f.name}") for f in visible])
        context.setdefault("alert_count", await AlertService(self.session, self.principal).count_open())
        return Template(
            template_name=name,
            context={
                "lang": language(self.request),
                "user": self.principal,
                "facilities": visible,
                "today": today_vn(),
                "path": self.request.url.path,
                **context,
            },
            status_code=status_code,
        )

    async def products(self) -> list[Any]:
        return await self.cached(("products",), self.catalog.list_products)


def day_param(value: str | None, name: str, form: Form, lang: str) -> date | None:
    """A date from a page's query string: empty is none; dd/mm/yyyy or yyyy-mm-dd, else an error at the field
    (in the page's language)."""
    if not value or not value.strip():
        return None
    try:
        return parse_date(value.strip())
    except CellError as exc:
        form.errors[name] = i18n.translate(exc.message, lang, exc.params)
        form.refusals[name] = ValidationFailed(message=exc.message, params=exc.params, field=name)
        return None


def saved_redirect(document_id: int) -> Redirect:
    return Redirect(f"/documents/{document_id}?saved=1", status_code=303)


class AuthPages(Controller):
    """Sign-in, sign-out and the language switch (public)."""

    @get("/login", operation_id="LoginPage", include_in_schema=False)
    async def login_page(
        self,
        request: Request[Any, Any, Any],
        next_path: FromQuery[str] = "/",
        signed_out: FromQuery[bool] = False,
    ) -> Template:
        return Template(
            "login.html",
            context={
                "lang": language(request),
                "next": next_path,
                "error": i18n.translate("login.signed_out", language(request)) if signed_out else None,
                "username": "",
            },
        )

    @post("/login", operation_id="Login", include_in_schema=False)
    async def login(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        data: FormData,
    ) -> Template | Redirect:
        username = data.get("username", "").strip()
        address = request.client.host if request.client else ""
        target = data.get("next") or "/"
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        lang = language(request)
        context = {"lang": lang, "next": target, "username": username}
        try:
            signed = await UserService(db_session).sign_in(
                username,
                data.get("password", ""),
                address,
                counters=request.app.state["sessions"],
                limits=SignInLimits.from_settings(settings),
            )
        except TooManyAttempts as exc:
            return Template("login.html", context={**context, "error": exc.text(lang)}, status_code=429)
        if signed is None:
            # counted and audited in transactions of their own already
            return Template(
                "login.html",
                context={**context, "error": i18n.translate("login.failed", lang)},
                status_code=401,
            )
        response = Redirect(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            signed.token,
            httponly=True,
            samesite="lax",
            path="/",
            max_age=int(SESSION_MAX.total_seconds()),
            secure=request.url.scheme == "https",
        )
        return response

    @get("/lang/{code:str}", operation_id="SwitchLanguage", include_in_schema=False)
    async def switch_language(self, request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
        back = request.headers.get("referer", "/")
        response = Redirect(back if back.startswith(("/", str(request.base_url))) else "/", status_code=303)
        response.set_cookie(
            "lang",
            code if code in LANGUAGES else DEFAULT_LANGUAGE,
            path="/",
            samesite="lax",
            max_age=3600 * 24 * 365,
        )
        return response
