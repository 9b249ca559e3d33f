"""Alert delivery settings from the environment (VAXSTOCK_SMTP_*, VAXSTOCK_ALERTS_*); nothing at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class AlertConfig:
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_tls: str = "none"
    """"none", "starttls" or "tls" (implicit TLS, usually port 465)."""
    smtp_user: str | None = None
    smtp_password: str | None = None
    sender: str = "vaxstock@localhost"
    base_url: str = "http://127.0.0.1:8000"
    """Where the links in e-mails and webhooks point."""
    max_age_seconds: float = 600.0
    """The alerts page and API evaluate again when the last evaluation is older than this."""
    attempts: int = 3
    """Tries per delivery in one run (then it waits for the next run, recorded as failed)."""
    retry_seconds: float = 2.0
    """Pause between two tries in one run (doubled each time)."""
    timeout_seconds: float = 20.0

    def __post_init__(self) -> None:
        if self.smtp_tls not in ("none", "starttls", "tls"):
            raise ValueError("VAXSTOCK_SMTP_TLS must be none, starttls or tls")
        if self.attempts < 1:
            raise ValueError("VAXSTOCK_ALERTS_ATTEMPTS must be at least 1")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> AlertConfig:
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        text = {
            "smtp_host": "VAXSTOCK_SMTP_HOST",
            "smtp_tls": "VAXSTOCK_SMTP_TLS",
            "smtp_user": "VAXSTOCK_SMTP_USER",
            "smtp_password": "VAXSTOCK_SMTP_PASSWORD",
            "sender": "VAXSTOCK_SMTP_SENDER",
            "base_url": "VAXSTOCK_BASE_URL",
        }
        for name, var in text.items():
            if env.get(var):
                kwargs[name] = env[var]
        numbers = {
            "smtp_port": ("VAXSTOCK_SMTP_PORT", int),
            "max_age_seconds": ("VAXSTOCK_ALERTS_MAX_AGE_SECONDS", float),
            "attempts": ("VAXSTOCK_ALERTS_ATTEMPTS", int),
            "retry_seconds": ("VAXSTOCK_ALERTS_RETRY_SECONDS", float),
        }
        for name, (var, kind) in numbers.items():
            if env.get(var):
                kwargs[name] = kind(env[var])
        return cls(**kwargs)  # type: ignore[arg-type]
