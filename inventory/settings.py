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
    token_cache_seconds: float = 5.0
    """An API token's principal is remembered this long by each server process, so that a client's requests
    cost no authentication query; a deactivated user's token stops working within this time."""

    max_body_bytes: int = 20_000_000
    """The largest request body accepted, in bytes (a register upload is the largest); a larger one is refused
    with 413 `body_too_large` before it is read whole."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_url", normalise_database_url(self.database_url))
        if self.backdate_window_days < 0:
            raise ValueError("VAXSTOCK_BACKDATE_WINDOW_DAYS must be zero or more")
        if self.max_body_bytes < 1:
            raise ValueError("VAXSTOCK_MAX_BODY_BYTES must be a positive number of bytes")
        if self.token_cache_seconds < 0:
            raise ValueError("VAXSTOCK_TOKEN_CACHE_SECONDS must be zero or more")

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
        if env.get("VAXSTOCK_TOKEN_CACHE_SECONDS"):
            kwargs["token_cache_seconds"] = float(env["VAXSTOCK_TOKEN_CACHE_SECONDS"])
        if env.get("VAXSTOCK_MAX_BODY_BYTES"):
            kwargs["max_body_bytes"] = int(env["VAXSTOCK_MAX_BODY_BYTES"])
        if env.get("VAXSTOCK_DEBUG"):
            kwargs["debug"] = env["VAXSTOCK_DEBUG"].lower() in {"1", "true", "yes"}
        return cls(**kwargs)  # type: ignore[arg-type]
