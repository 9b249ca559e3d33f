"""Alerts as the API and the pages read them; the acknowledgement command."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec


class AlertRead(msgspec.Struct):
    id: int
    kind: str
    severity: str
    facility: str
    facility_name: str
    since: date
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    numbers: dict[str, Any]
    title: str
    """What the alert says, in the reader's language, with its numbers."""
    action: str
    """What to do, in the reader's language."""
    link: str
    """The page that acts on it."""
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledgement_note: str | None = None


class AlertPage(msgspec.Struct):
    items: list[AlertRead]
    total: int
    page: int
    per_page: int


class AlertAcknowledge(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class EvaluationRead(msgspec.Struct):
    evaluated_on: date
    opened: int
    updated: int
    resolved: int
    still_open: int


class AlertSettingWrite(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    value: Any
    facility: str | None = None
    product: str | None = None


class SubscriptionWrite(msgspec.Struct, forbid_unknown_fields=True):
    """A user's daily digest: where, in which language, on or off."""

    email: Annotated[str, msgspec.Meta(max_length=254)]
    language: str = "vi"
    active: bool = True


class SubscriptionRead(msgspec.Struct):
    username: str
    email: str
    language: str
    active: bool


class WebhookWrite(msgspec.Struct, forbid_unknown_fields=True):
    """A facility's webhook: the digest of it and the facilities it supplies, POSTed and signed."""

    facility: Annotated[str, msgspec.Meta(max_length=32)]
    url: Annotated[str, msgspec.Meta(max_length=500)]
    active: bool = True


class WebhookRead(msgspec.Struct):
    facility: str
    url: str
    active: bool
    secret: str | None = None
    """The HMAC-SHA256 key, only in the answer that set it."""
