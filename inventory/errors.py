"""Domain errors that carry their HTTP status and the field they are about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory.i18n import DEFAULT_LANGUAGE, translate


class InventoryError(Exception):
    """A request the domain refuses; mapped to a problem-details response in one place."""

    status_code = 400
    title = "Invalid request"
    code = "invalid_request"
    """Machine-readable: what kind of refusal this is (the problem document's `code`)."""
    retry_after: int | None = None
    """Seconds after which the same request may simply be sent again (the `Retry-After` header); None: the
    request is refused for good and sending it again gets the same answer."""

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        message: str | None = None,
        params: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        """`message` is a catalogue key (inventory.i18n) and `params` its parameters: the text is rendered
        in the reader's language by `text()`. `detail` is the older English-only form, kept while raise
        sites move to catalogue keys."""
        self.message = message
        self.params = dict(params or {})
        if detail is None:
            detail = translate(message or f"error.{self.code}", "en", self.params)
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def text(self, lang: str) -> str:
        """The reason in the language (a catalogue message), or the English detail of an older raise site."""
        if self.message is None:
            return self.detail
        return translate(self.message, lang, self.params)

    def to_problem(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """Problem details (RFC 9457) with the offending field named, the reason in `lang`, and the message
        key and parameters for a client that renders its own text."""
        body: dict[str, Any] = {"type": "about:blank", "title": self.title, "status": self.status_code}
        body["code"] = self.code
        body["detail"] = self.text(lang)
        if self.field is not None:
            body["field"] = self.field
        if self.message is not None:
            body["message"] = self.message
            body["params"] = {k: _plain(v) for k, v in self.params.items()}
        body.update(self.extra)
        return body


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


class ValidationFailed(InventoryError):
    status_code = 422
    title = "Validation failed"
    code = "validation_failed"


class NotFound(InventoryError):
    status_code = 404
    title = "Not found"
    code = "not_found"


class UnknownReference(InventoryError):
    """A referenced product, lot, facility or location does not exist."""

    status_code = 422
    title = "Unknown reference"
    code = "unknown_reference"


class RuleViolation(InventoryError):
    """A stock rule refuses the posting (expired lot, hold, VVM stage, part vial, dates)."""

    status_code = 422
    title = "Stock rule violated"
    code = "rule_violated"


class InsufficientStock(InventoryError):
    status_code = 409
    title = "Insufficient stock"
    code = "insufficient_stock"


class Conflict(InventoryError):
    """Refused for good in the state the data is in (already confirmed, already reversed...)."""

    status_code = 409
    title = "Conflict"
    code = "conflict"


class IdempotencyKeyReused(InventoryError):
    status_code = 422
    title = "Idempotency key reused with a different request"
    code = "idempotency_key_reused"


class SendAgain(InventoryError):
    """Nothing was written and nothing was decided: the same request may simply be sent again (others kept
    changing the same stock while it ran, or the database was busy or out of reach)."""

    status_code = 503
    title = "Send the same request again"
    code = "send_again"
    retry_after = 1


class StockChanged(Exception):
    """Inside a use case: another posting changed the stock (or a lot) it read, so the ledger refused a draw
    that the stock now supports. Not an answer: the use case is run again (inventory.idempotency.run_once)."""

    def __init__(self, field: str | None) -> None:
        super().__init__(field)
        self.field = field


class KeyTaken(Exception):
    """Inside a use case: the request's idempotency key is recorded already (its first attempt committed), so
    the ledger wrote nothing. Not an answer: the first result is replayed (inventory.idempotency)."""


class RouteNotAllowed(InventoryError):
    """The supply chain has no such route: this facility does not receive from, issue to, return to or transfer
    with that one (the facility tree, or an extra route an administrator allowed). Refused for good, nothing
    written; the problem names both facilities (`facility`, `counterparty`) and the document `kind`."""

    status_code = 403
    title = "Route not allowed"
    code = "route_not_allowed"
