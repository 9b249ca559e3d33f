"""What a digest looks like when it leaves the app, and what carries it: the e-mail (subject and plain text
in the reader's language) over SMTP, and the webhook's JSON document, POSTed signed and with an idempotency
key."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from typing import Any

from inventory.alerts.config import AlertConfig
from inventory.alerts.schemas import AlertRead
from inventory.i18n import format_number, translate

Mailer = Callable[[AlertConfig, EmailMessage], None]
Poster = Callable[[str, bytes, dict[str, str], float], None]


def smtp_send(config: AlertConfig, message: EmailMessage) -> None:
    """Send one message through the configured SMTP server (plain, STARTTLS or implicit TLS)."""
    if config.smtp_tls == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            config.smtp_host,
            config.smtp_port,
            timeout=config.timeout_seconds,
            context=ssl.create_default_context(),
        )
    else:
        server = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout_seconds)
    with server:
        if config.smtp_tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        if config.smtp_user:
            server.login(config.smtp_user, config.smtp_password or "")
        server.send_message(message)


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    """POST a body; anything but a 2xx answer raises."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


def signature(secret: str, body: bytes) -> str:
    """The X-VaxStock-Signature header: HMAC-SHA256 of the exact body with the facility's key."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def idempotency_key(facility: str, day: date, new: list[int], resolved: list[int], still: list[int]) -> str:
    """The Idempotency-Key header of a webhook digest: a digest of what identifies the delivery (the facility,
    its day, and which alerts it says opened, resolved and are still open), never of the attempt. Every
    attempt and every later run's retry of one delivery sends the same key; another facility, another day or
    another change of any alert gives another."""
    what = json.dumps(
        {"facility": facility, "day": day.isoformat(), "new": new, "resolved": resolved, "open": still},
        sort_keys=True,
    )
    return "vaxstock-digest-" + hashlib.sha256(what.encode()).hexdigest()[:40]


def digest_text(
    lang: str,
    name: str,
    day: date,
    new: list[AlertRead],
    resolved: list[AlertRead],
    still: list[AlertRead],
    base_url: str,
) -> tuple[str, str]:
    """Subject and plain-text body of a digest in a language, every alert with its link."""
    critical = sum(1 for a in still if a.severity == "critical")
    subject = translate("alerts.digest.subject", lang, {"open": len(still), "critical": critical, "day": day})
    lines = [translate("alerts.digest.greeting", lang, {"name": name}), ""]

    def section(key: str, alerts: list[AlertRead]) -> None:
        if not alerts:
            return
        lines.append(f"{translate(key, lang)} ({format_number(len(alerts), lang)})")
        for a in alerts:
            lines.append(f"- [{translate('alerts.severity.' + a.severity, lang)}] {a.facility}: {a.title}")
            if not a.resolved_at:
                lines.append(f"  {a.action}: {base_url}{a.link}")
        lines.append("")

    section("alerts.digest.new", new)
    section("alerts.digest.resolved", resolved)
    if not new and not resolved:
        lines += [translate("alerts.digest.nothing_new", lang), ""]
    section("alerts.digest.still_open", [a for a in still if a.id not in {n.id for n in new}])
    lines.append(translate("alerts.digest.footer", lang, {"url": f"{base_url}/alerts"}))
    return subject, "\n".join(lines) + "\n"


def wire(a: AlertRead, base_url: str) -> dict[str, Any]:
    """One alert as the webhook's JSON document carries it."""
    return {
        "id": a.id,
        "kind": a.kind,
        "severity": a.severity,
        "facility": a.facility,
        "since": a.since.isoformat(),
        "title": a.title,
        "action": a.action,
        "link": f"{base_url}{a.link}",
        "numbers": a.numbers,
    }
