"""Authentication: a session cookie for pages, a bearer token for API clients; nothing else answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from time import monotonic
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inventory.auth import Forbidden, Principal, Unauthenticated
from inventory.db import reading, writing
from inventory.refusals import reason_of, record_refusal
from inventory.users.hashing import token_digest
from inventory.users.service import UserService

SESSION_COOKIE = "vaxstock_session"
PUBLIC_PATHS = ["^/health$", "^/login$", "^/static/", "^/lang/", "^/favicon.ico$"]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class PrincipalCache:
    """The principals of API tokens and session cookies for `seconds` after they were read, per server process,
    by the secret's digest: a client's requests then cost no authentication query. A token revoked, a session
    ended by a password change or a user deactivated meanwhile stops working when its entry expires, within
    `seconds` (0: no cache); signing out forgets the session here at once (`forget`)."""

    def __init__(self, seconds: float, clock: Callable[[], float] | None = None) -> None:
        self.seconds = seconds
        self.clock = clock or (lambda: monotonic())  # looked up at each call: tests move the module's clock
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] <= self.clock():
            self._entries.pop(digest, None)
            return None
        return entry[1]

    def forget(self, digest: str) -> None:
        self._entries.pop(digest, None)

    def put(self, digest: str, principal: Principal) -> None:
        if self.seconds > 0:
            if len(self._entries) >= MAX_CACHED_PRINCIPALS:
                self._entries.clear()  # a crude bound: entries are cheap to read again
            self._entries[digest] = (self.clock() + self.seconds, principal)


MAX_CACHED_PRINCIPALS = 10_000


def cache_key(secret: str, by_token: bool) -> str:
    """A token's or a session cookie's entry in the PrincipalCache (the digest, never the secret)."""
    return ("token:" if by_token else "session:") + token_digest(secret)


class SessionOrTokenAuth(AbstractAuthenticationMiddleware):
    """Resolves the principal from `Authorization: Bearer …` or the session cookie."""

    def __init__(
        self,
        app: ASGIApp,
        sessions: async_sessionmaker[AsyncSession],
        principals: PrincipalCache,
        **kwargs: Any,
    ) -> None:
        super().__init__(app, exclude=PUBLIC_PATHS, **kwargs)
        self.sessions = sessions
        self.principals = principals

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        address = connection.client.host if connection.client else None
        header = connection.headers.get("authorization", "")
        by_token = header.lower().startswith("bearer ")
        cookie = connection.cookies.get(SESSION_COOKIE)
        secret = header[7:].strip() if by_token else cookie
        principal: Principal | None = None
        digest = cache_key(secret, by_token) if secret else ""
        cached = self.principals.get(digest) if secret else None
        if cached is not None:
            principal = replace(cached, address=address)
        else:
            principal = await self._principal(secret, by_token, address)
            if principal is not None:
                self.principals.put(digest, principal)
        if principal is None:
            raise Unauthenticated(
                message="error.unauthenticated.token" if by_token else "error.unauthenticated"
            )

        path = connection.scope["path"]
        method = connection.scope.get("method", "GET")
        if not by_token and method in UNSAFE and path.startswith("/api/"):
            # forms cannot send JSON across sites without a CORS preflight, which this app never grants
            content_type = connection.headers.get("content-type", "")
            if not content_type.startswith("application/json"):
                refusal = Forbidden(message="error.credentials.cookie_write_not_json")
                await record_refusal(
                    self.sessions, {**connection.scope, "user": principal}, reason_of(refusal)
                )
                raise refusal
        return AuthenticationResult(user=principal, auth="token" if by_token else "session")

    async def _principal(self, secret: str | None, by_token: bool, address: str | None) -> Principal | None:
        """Read the principal in a read-only transaction; when the session's or token's last use is due to be
        noted (at most once a minute), read it again and note it in a write transaction of its own (on
        SQLite a read transaction cannot safely turn into a write one: inventory/db.py)."""
        if not secret:
            return None
        for mode in (reading, writing):
            with mode():
                async with self.sessions() as session:
                    users = UserService(session)
                    with session.no_autoflush:  # the last use, if noted, stays pending: seen below
                        if by_token:
                            principal = await users.from_token(secret, address or "")
                        else:
                            principal = await users.from_session(secret, address or "")
                    if mode is writing or not session.dirty:
                        await session.commit()
                        return principal
                    await session.rollback()
        return None  # not reached: the write pass returns
