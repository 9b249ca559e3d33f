"""Delivery outside the app: a daily digest e-mail per subscribed user (in their language: what is new, what
ended, what is still open) over SMTP, and a signed webhook per facility. Each digest is recorded before it is
sent (one per channel, recipient and day), claimed by the run that sends it, retried on failure with the
error kept, and never sent again once sent."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inventory.alerts.config import AlertConfig
from inventory.alerts.domain import readable_by
from inventory.alerts.models import Alert, AlertDelivery, AlertSubscription, AlertWebhook
from inventory.alerts.outbound import (
    Mailer,
    Poster,
    digest_text,
    http_post,
    idempotency_key,
    signature,
    smtp_send,
    wire,
)
from inventory.alerts.reads import render
from inventory.alerts.schemas import AlertRead
from inventory.catalog.models import Facility
from inventory.timeutil import today_vn, utcnow
from inventory.users.models import User

log = logging.getLogger("vaxstock.alerts")
CLAIM = timedelta(minutes=10)
RETRY_DAYS = 3
"""A digest that failed is tried again by the runs of the next days, up to this many days after its own."""


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    """(channel, recipient, error) of each failure, to print and log."""


def _insert(session: AsyncSession) -> Any:
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(AlertDelivery).on_conflict_do_nothing(
        index_elements=["channel", "recipient", "digest_on"]
    )


class AlertDeliveries:
    """`vaxstock alerts send`: plan today's digests, then send every one not sent yet."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: AlertConfig,
        *,
        today: date | None = None,
        mailer: Mailer = smtp_send,
        poster: Poster = http_post,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.today = today or today_vn()
        self.mailer = mailer
        self.poster = poster

    async def run(self) -> Outcome:
        outcome = Outcome()
        outcome.skipped = await self._plan()
        async with self.sessions() as session:
            pending = (
                await session.scalars(
                    select(AlertDelivery.id)
                    .where(
                        AlertDelivery.status != "sent",
                        AlertDelivery.digest_on >= self.today - timedelta(days=RETRY_DAYS),
                    )
                    .order_by(AlertDelivery.id)
                )
            ).all()
        for delivery_id in pending:
            await self._deliver(delivery_id, outcome)
        return outcome

    # ---- plan ------------------------------------------------------------------------------------------------

    async def _plan(self) -> int:
        """Record today's digest of every subscriber and webhook that has something to say; count those
        already sent today."""
        async with self.sessions() as session:
            suppliers = dict((await session.execute(select(Facility.id, Facility.supplier_id))).all())
            now = utcnow()
            rows: list[dict[str, Any]] = []
            subscribers = (
                await session.execute(
                    select(AlertSubscription, User)
                    .join(User, User.id == AlertSubscription.user_id)
                    .where(AlertSubscription.active.is_(True), User.active.is_(True))
                )
            ).all()
            for sub, user in subscribers:
                readable = readable_by(user.role, user.facility_id, suppliers)
                payload = await self._contents(session, "email", user.username, readable, now)
                if payload is not None:
                    payload |= {"email": sub.email, "language": sub.language, "name": user.full_name}
                    rows.append(self._row("email", user.username, payload, now))
            hooks = (
                await session.execute(
                    select(AlertWebhook, Facility.code)
                    .join(Facility, Facility.id == AlertWebhook.facility_id)
                    .where(AlertWebhook.active.is_(True))
                )
            ).all()
            for hook, code in hooks:
                readable = readable_by("store_keeper", hook.facility_id, suppliers)
                payload = await self._contents(session, "webhook", code, readable, now)
                if payload is not None:
                    rows.append(self._row("webhook", code, payload | {"facility": code}, now))
            if rows:
                await session.execute(_insert(session), rows)
            skipped = len(
                (
                    await session.scalars(
                        select(AlertDelivery.id).where(
                            AlertDelivery.digest_on == self.today, AlertDelivery.status == "sent"
                        )
                    )
                ).all()
            )
            await session.commit()
        return skipped

    def _row(self, channel: str, recipient: str, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
        return {
            "channel": channel,
            "recipient": recipient,
            "digest_on": self.today,
            "status": "pending",
            "attempts": 0,
            "payload": json.dumps(payload),
            "created_at": now,
        }

    async def _contents(
        self,
        session: AsyncSession,
        channel: str,
        recipient: str,
        readable: frozenset[int] | None,
        now: datetime,
    ) -> dict[str, Any] | None:
        """What the digest carries: alerts opened and resolved since the last digest sent to the recipient,
        and every alert still open; None when there is nothing at all (or today's is recorded already)."""
        today_row = await session.scalar(
            select(AlertDelivery.id).where(
                AlertDelivery.channel == channel,
                AlertDelivery.recipient == recipient,
                AlertDelivery.digest_on == self.today,
            )
        )
        if today_row is not None:
            return None
        last = (
            await session.execute(
                select(AlertDelivery.payload)
                .where(
                    AlertDelivery.channel == channel,
                    AlertDelivery.recipient == recipient,
                    AlertDelivery.status == "sent",
                )
                .order_by(AlertDelivery.digest_on.desc())
                .limit(1)
            )
        ).scalar()
        since = datetime.fromisoformat(json.loads(last)["as_of"]) if last else None
        base = select(Alert.id, Alert.opened_at, Alert.resolved_at)
        if readable is not None:
            base = base.where(Alert.facility_id.in_(sorted(readable)))
        still = (
            await session.execute(
                base.where(Alert.resolved_at.is_(None)).order_by(Alert.severity_rank, Alert.since, Alert.id)
            )
        ).all()
        new = [i for i, opened, _ in still if since is None or opened > since]
        resolved = (
            [
                i
                for i, *_ in (
                    await session.execute(base.where(Alert.resolved_at > since).order_by(Alert.id))
                ).all()
            ]
            if since is not None
            else []
        )
        if not still and not resolved:
            return None
        return {"as_of": now.isoformat(), "new": new, "resolved": resolved, "open": [i for i, *_ in still]}

    # ---- send ------------------------------------------------------------------------------------------------

    async def _claim(self, delivery_id: int) -> AlertDelivery | None:
        now = utcnow()
        async with self.sessions() as session:
            claimed = await session.execute(
                update(AlertDelivery)
                .where(
                    AlertDelivery.id == delivery_id,
                    AlertDelivery.status != "sent",
                    (AlertDelivery.claimed_until.is_(None)) | (AlertDelivery.claimed_until < now),
                )
                .values(claimed_until=now + CLAIM)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                await session.rollback()
                return None
            row = await session.get(AlertDelivery, delivery_id)
            await session.commit()
            return row

    async def _alerts(self, ids: list[int], lang: str) -> dict[int, AlertRead]:
        if not ids:
            return {}
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(Alert, Facility.code, Facility.name)
                    .join(Facility, Facility.id == Alert.facility_id)
                    .where(Alert.id.in_(ids))
                )
            ).all()
        return {a.id: render(a, code, name, lang) for a, code, name in rows}

    async def _deliver(self, delivery_id: int, outcome: Outcome) -> None:
        row = await self._claim(delivery_id)
        if row is None:
            return
        payload = json.loads(row.payload)
        lang = payload.get("language", "vi")
        found = await self._alerts([*payload["new"], *payload["resolved"], *payload["open"]], lang)
        pick = lambda ids: [found[i] for i in ids if i in found]  # noqa: E731
        new, resolved, still = pick(payload["new"]), pick(payload["resolved"]), pick(payload["open"])
        if row.channel == "email":
            subject, body = digest_text(
                lang,
                payload.get("name") or row.recipient,
                row.digest_on,
                new,
                resolved,
                still,
                self.config.base_url,
            )
            message = EmailMessage()
            message["From"] = self.config.sender
            message["To"] = payload["email"]
            message["Subject"] = subject
            message["Date"] = formatdate()
            message["Message-ID"] = f"<vaxstock-digest-{row.id}@{self.config.sender.split('@')[-1]}>"
            message.set_content(body)
            send: Callable[[], None] = lambda: self.mailer(self.config, message)  # noqa: E731
        else:
            document = {
                "delivery": row.id,
                "facility": payload["facility"],
                "day": row.digest_on.isoformat(),
                "new": [wire(a, self.config.base_url) for a in new],
                "resolved": [wire(a, self.config.base_url) for a in resolved],
                "open": [wire(a, self.config.base_url) for a in still],
            }
            body_bytes = json.dumps(document, ensure_ascii=False).encode()
            async with self.sessions() as session:
                hook = (
                    await session.execute(
                        select(AlertWebhook)
                        .join(Facility, Facility.id == AlertWebhook.facility_id)
                        .where(Facility.code == row.recipient)
                    )
                ).scalar_one()
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-VaxStock-Signature": signature(hook.secret, body_bytes),
                "X-VaxStock-Delivery": str(row.id),
                "Idempotency-Key": idempotency_key(
                    row.recipient, row.digest_on, payload["new"], payload["resolved"], payload["open"]
                ),
            }
            send = lambda: self.poster(hook.url, body_bytes, headers, self.config.timeout_seconds)  # noqa: E731
        error = await asyncio.to_thread(self._try, send)
        async with self.sessions() as session:
            values: dict[str, Any] = {"claimed_until": None, "attempts": AlertDelivery.attempts + 1}
            if error is None:
                values |= {"status": "sent", "sent_at": utcnow(), "last_error": None}
                outcome.sent += 1
            else:
                values |= {"status": "failed", "last_error": error}
                outcome.failed += 1
                outcome.errors.append((row.channel, row.recipient, error))
                log.warning("alert digest %s to %s failed: %s", row.channel, row.recipient, error)
            await session.execute(update(AlertDelivery).where(AlertDelivery.id == row.id).values(**values))
            await session.commit()

    def _try(self, send: Callable[[], None]) -> str | None:
        """Send, trying again after a pause (doubled each time) up to the configured attempts."""
        error = None
        for attempt in range(self.config.attempts):
            try:
                send()
                return None
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.info("alert delivery attempt %d failed: %s", attempt + 1, error)
                if attempt + 1 < self.config.attempts:
                    time.sleep(self.config.retry_seconds * 2**attempt)
        return error
