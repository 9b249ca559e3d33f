"""Authentication: a session cookie for pages, a bearer token for API clients; nothing else answers."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inventory.auth import Forbidden, Principal, Unauthenticated
from inventory.users.service import UserService

SESSION_COOKIE = "vaxstock_session"
PUBLIC_PATHS = ["^/health$", "^/login$", "^/static/", "^/lang/", "^/favicon.ico$"]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class SessionOrTokenAuth(AbstractAuthenticationMiddleware):
    """Resolves the principal from `Authorization: Bearer …` or the session cookie."""

    def __init__(self, app: ASGIApp, sessions: async_sessionmaker[AsyncSession], **kwargs: Any) -> None:
        super().__init__(app, exclude=PUBLIC_PATHS, **kwargs)
        self.sessions = sessions

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        address = connection.client.host if connection.client else None
        header = connection.headers.get("authorization", "")
        by_token = header.lower().startswith("bearer ")
        cookie = connection.cookies.get(SESSION_COOKIE)
        principal: Principal | None = None
        async with self.sessions() as session:
            users = UserService(session)
            if by_token:
                principal = await users.from_token(header[7:].strip(), address or "")
            elif cookie:
                principal = await users.from_session(cookie, address or "")
            await session.commit()
        if principal is None:
            raise Unauthenticated("sign in first" if not by_token else "unknown or revoked API token")
        path = connection.scope["path"]
        method = connection.scope.get("method", "GET")
        if not by_token and method in UNSAFE and path.startswith("/api/"):
            # forms cannot send JSON across sites without a CORS preflight, which this app never grants
            content_type = connection.headers.get("content-type", "")
            if not content_type.startswith("application/json"):
                raise Forbidden("API writes with a session cookie must be application/json")
        return AuthenticationResult(user=principal, auth="token" if by_token else "session")
