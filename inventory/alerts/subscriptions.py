"""Where the digests go: a user's e-mail subscription and a facility's webhook, for the page and the API.

Who: a user manages their own subscription, an administrator anyone's. A facility's webhook (the digest of the
facility and those it supplies) is set by an administrator, or by a store keeper for its store or a facility it
supplies (as the alert thresholds); a commune worker or a viewer sets none. A new webhook key is shown once.
"""

from __future__ import annotations

import re
import secrets
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.alerts.models import AlertSubscription, AlertWebhook
from inventory.alerts.schemas import SubscriptionRead as Subscription
from inventory.alerts.schemas import WebhookRead as Webhook
from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Facility
from inventory.errors import NotFound, UnknownReference, ValidationFailed
from inventory.i18n import LANGUAGES
from inventory.users.models import User

Row = TypeVar("Row", AlertSubscription, AlertWebhook)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Subscriptions:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    async def _user(self, username: str) -> User:
        if username != self.principal.username and not self.principal.is_admin:
            raise Forbidden(
                message="error.alerts.subscription_not_yours", params={"user": username}, field="username"
            )
        user = await self.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UnknownReference(
                message="error.alerts.unknown_user", params={"user": username}, field="username"
            )
        return user

    async def subscription(self, username: str) -> Subscription | None:
        user = await self._user(username)
        row = await self.session.scalar(select(AlertSubscription).where(AlertSubscription.user_id == user.id))
        return Subscription(username, row.email, row.language, row.active) if row else None

    async def subscribe(self, username: str, email: str, language: str, active: bool) -> Subscription:
        """Set (or change) a user's digest address and language; the same again changes nothing."""
        email = email.strip()
        if not EMAIL.match(email) or len(email) > 254:
            raise ValidationFailed(message="error.alerts.email", params={"email": email}, field="email")
        if language not in LANGUAGES:
            raise ValidationFailed(
                message="error.alerts.language", params={"language": language}, field="language"
            )
        user = await self._user(username)
        row = await self._first_or_insert(
            select(AlertSubscription).where(AlertSubscription.user_id == user.id),
            AlertSubscription(user_id=user.id, email=email, language=language, active=active),
        )
        row.email, row.language, row.active = email, language, active
        await self.session.flush()
        return Subscription(username, email, language, active)

    async def _first_or_insert(self, query: Select[tuple[Row]], new: Row) -> Row:
        """The row the query finds, locked, or `new` inserted: when two first requests race, the second's
        insert meets the unique key and it takes the row the first made (never a 500)."""
        row = await self.session.scalar(query.with_for_update())
        if row is not None:
            return row
        try:
            async with self.session.begin_nested():
                self.session.add(new)
                await self.session.flush()
            return new
        except IntegrityError:
            found = await self.session.scalar(query.with_for_update())
            assert found is not None  # the unique key that refused the insert names this row
            return found

    async def _facility(self, code: str) -> Facility:
        facility = await self.session.scalar(select(Facility).where(Facility.code == code))
        if facility is None:
            raise UnknownReference(
                message="error.alerts.unknown_facility", params={"facility": code}, field="facility"
            )
        may = self.principal.is_admin or (
            self.principal.role == "store_keeper" and self.principal.can_read(facility.id)
        )
        if not may:
            raise Forbidden(
                message="error.alerts.webhook_not_yours", params={"facility": code}, field="facility"
            )
        return facility

    async def webhooks(self) -> list[Webhook]:
        """The webhooks of the facilities the reader may set (no keys)."""
        if not (self.principal.is_admin or self.principal.role == "store_keeper"):
            return []
        rows = (
            await self.session.execute(
                select(Facility.id, Facility.code, AlertWebhook.url, AlertWebhook.active)
                .join(AlertWebhook, AlertWebhook.facility_id == Facility.id)
                .order_by(Facility.code)
            )
        ).all()
        return [Webhook(code, url, active) for fid, code, url, active in rows if self.principal.can_read(fid)]

    async def set_webhook(self, facility_code: str, url: str, active: bool) -> Webhook:
        """Set a facility's webhook with a new key (shown in this answer only)."""
        url = url.strip()
        if not url.startswith(("http://", "https://")) or len(url) > 500 or " " in url:
            raise ValidationFailed(message="error.alerts.url", params={"url": url}, field="url")
        facility = await self._facility(facility_code)
        secret = secrets.token_urlsafe(32)
        row = await self._first_or_insert(
            select(AlertWebhook).where(AlertWebhook.facility_id == facility.id),
            AlertWebhook(facility_id=facility.id, url=url, secret=secret, active=active),
        )
        row.url, row.secret, row.active = url, secret, active
        # audited without the key; a retry sets a new key, and the last answer received holds the valid one
        record(
            self.session,
            self.principal,
            "alert.webhook",
            changes={"facility": facility.code, "url": url, "active": active},
            facility_code=facility.code,
            entity=f"alert_webhook:{facility.code}",
        )
        await self.session.flush()
        return Webhook(facility.code, url, active, secret)

    async def require_subscription(self, username: str) -> Subscription:
        found = await self.subscription(username)
        if found is None:
            raise NotFound(
                message="error.alerts.no_subscription", params={"user": username}, field="username"
            )
        return found
