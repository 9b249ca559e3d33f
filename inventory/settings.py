"""Settings read from the environment; nothing happens at import time."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SQLITE_FILE = "vaxstock.sqlite3"


def normalise_database_url(url: str) -> str:
    """Give a plain database URL the async driver this app uses (asyncpg / aiosqlite)."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+psycopg2://") or url.startswith("postgresql+psycopg://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def default_database_url(directory: Path | None = None) -> str:
    """The embedded default: a SQLite file in the working directory."""
    path = (directory or Path.cwd()) / DEFAULT_SQLITE_FILE
    return f"sqlite+aiosqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the documented defaults."""

    database_url: str = field(default_factory=default_database_url)
    backdate_window_days: int = 30
    """Entries may be dated at most this many Vietnamese calendar days in the past."""
    timezone: str = "Asia/Ho_Chi_Minh"
    host: str = "127.0.0.1"
    port: int = 8000
    debug: bool = False
    echo_sql: bool = False
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    """Signs CSRF tokens. Set VAXSTOCK_SECRET_KEY when several server processes share the work."""
    auth_cache_seconds: float = 5.0
    """An API token's or a session cookie's principal is remembered this long by each server process, so that a
    client's requests cost no authentication query; a revoked token, a session ended by a password change or a
    deactivated user's token or session stops working within this time (signing out ends a session at once)."""
    one_month_days: int | None = 28
    """The schedule's "≥ 01 tháng" minimum interval in days (the circulars' meaning is UNVERIFIED); None: one
    calendar month. VAXSTOCK_ONE_MONTH_DAYS (a number of days, or "calendar")."""
    grace_days: int = 28
    """A dose becomes overdue this many days after its recommended age (VAXSTOCK_GRACE_DAYS)."""
    sign_in_window_minutes: int = 15
    """Failed sign-ins are counted over this many minutes from the first one; a lockout lasts until the window
    that caused it ends."""
    sign_in_user_address_limit: int = 5
    """Failed sign-ins for one username from one address before that username is refused from that address."""
    sign_in_address_limit: int = 100
    """Failed sign-ins from one address, for any usernames, before the address is refused: high, so that one
    person mistyping cannot lock out a clinic or a district office sharing one connection."""
    sign_in_user_limit: int = 30
    """Failed sign-ins for one username from every address: past it, an address that has itself failed for
    that username is refused; an address without a failure of its own (the user's own) still signs in."""

    max_body_bytes: int = 20_000_000
    """The largest request body accepted, in bytes (a register upload is the largest); a larger one is refused
    with 413 `body_too_large` before it is read whole."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_url", normalise_database_url(self.database_url))
        if self.backdate_window_days < 0:
            raise ValueError("VAXSTOCK_BACKDATE_WINDOW_DAYS must be zero or more")
        if self.max_body_bytes < 1:
            raise ValueError("VAXSTOCK_MAX_BODY_BYTES must be a positive number of bytes")
        if self.auth_cache_seconds < 0:
            raise ValueError("VAXSTOCK_AUTH_CACHE_SECONDS must be zero or more")
        if self.one_month_days is not None and not 1 <= self.one_month_days <= 31:
            raise ValueError('VAXSTOCK_ONE_MONTH_DAYS must be a number of days from 1 to 31, or "calendar"')
        if self.grace_days < 0:
            raise ValueError("VAXSTOCK_GRACE_DAYS must be zero or more")
        for name in SIGN_IN_SETTINGS.values():
            if getattr(self, name) < 1:
                raise ValueError(f"VAXSTOCK_{name.upper()} must be 1 or more")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read VAXSTOCK_* variables; unset ones keep their defaults."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        if env.get("VAXSTOCK_DATABASE_URL"):
            kwargs["database_url"] = env["VAXSTOCK_DATABASE_URL"]
        if env.get("VAXSTOCK_BACKDATE_WINDOW_DAYS"):
            kwargs["backdate_window_days"] = int(env["VAXSTOCK_BACKDATE_WINDOW_DAYS"])
        if env.get("VAXSTOCK_HOST"):
            kwargs["host"] = env["VAXSTOCK_HOST"]
        if env.get("VAXSTOCK_PORT"):
            kwargs["port"] = int(env["VAXSTOCK_PORT"])
        if env.get("VAXSTOCK_SECRET_KEY"):
            kwargs["secret_key"] = env["VAXSTOCK_SECRET_KEY"]
        if env.get("VAXSTOCK_AUTH_CACHE_SECONDS"):
            kwargs["auth_cache_seconds"] = float(env["VAXSTOCK_AUTH_CACHE_SECONDS"])
        if env.get("VAXSTOCK_ONE_MONTH_DAYS"):
            value = env["VAXSTOCK_ONE_MONTH_DAYS"].strip().lower()
            kwargs["one_month_days"] = None if value == "calendar" else int(value)
        if env.get("VAXSTOCK_GRACE_DAYS"):
            kwargs["grace_days"] = int(env["VAXSTOCK_GRACE_DAYS"])
        for variable, name in SIGN_IN_SETTINGS.items():
            if env.get(variable):
                kwargs[name] = int(env[variable])
        if env.get("VAXSTOCK_MAX_BODY_BYTES"):
            kwargs["max_body_bytes"] = int(env["VAXSTOCK_MAX_BODY_BYTES"])
        if env.get("VAXSTOCK_DEBUG"):
            kwargs["debug"] = env["VAXSTOCK_DEBUG"].lower() in {"1", "true", "yes"}
        return cls(**kwargs)  # type: ignore[arg-type]


SIGN_IN_SETTINGS = {
    "VAXSTOCK_SIGN_IN_WINDOW_MINUTES": "sign_in_window_minutes",
    "VAXSTOCK_SIGN_IN_USER_ADDRESS_LIMIT": "sign_in_user_address_limit",
    "VAXSTOCK_SIGN_IN_ADDRESS_LIMIT": "sign_in_address_limit",
    "VAXSTOCK_SIGN_IN_USER_LIMIT": "sign_in_user_limit",
}
"""The sign-in throttle's settings: environment variable -> Settings field."""
