"""The hash chains of the ledger and the audit trail: the canonical text of a row and its chained hash.

A movement belongs to the chain of its location's facility (`movement:<facility id>`); an audit event to
the chain of its facility code (`audit:<code>`, or `audit:` for events that name no facility). Within a
chain the rows are numbered 1, 2, 3... (`chain_seq`), and

    chain_hash(row n) = sha256_hex( chain_hash(row n-1) || canonical(row n) )      (row 0: GENESIS)

where canonical(row) writes each field, in the order of MOVEMENT_FIELDS / AUDIT_FIELDS, as
`<number of characters>:<text>;` (NULL as `-;`), with integers in decimal, days as YYYY-MM-DD and instants
in UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ. The first field is the row's kind and the second its place in the
chain, so a row cannot be moved to another place or chain without its hash changing. The databases compute
the same text (migrations/versions/0009_ledgerproof.py: a PL/pgSQL trigger on PostgreSQL, a trigger calling
`sqlite_function` on SQLite); `vaxstock verify` recomputes it here. Standard library only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime

GENESIS = "0" * 64
"""The hash before the first row of every chain."""

MOVEMENT_FIELDS = (
    "chain_seq",
    "id",
    "document_id",
    "kind",
    "location_id",
    "lot_id",
    "doses",
    "occurred_on",
    "recorded_at",
    "recorded_by",
    "reason_code",
    "reverses_movement_id",
)
AUDIT_FIELDS = (
    "chain_seq",
    "id",
    "at",
    "username",
    "address",
    "action",
    "facility_code",
    "entity",
    "changes",
)


def movement_chain(facility_id: int) -> str:
    return f"movement:{facility_id}"


def audit_chain(facility_code: str | None) -> str:
    return f"audit:{facility_code or ''}"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite keeps UTC without its zone
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def canonical(kind: str, values: Iterable[object]) -> str:
    """The canonical text of one row: its kind ('movement' or 'audit') then its fields, length-prefixed."""
    parts = [f"{len(kind)}:{kind};"]
    for value in values:
        text = _text(value)
        parts.append("-;" if text is None else f"{len(text)}:{text};")
    return "".join(parts)


def link(previous: str, kind: str, values: Iterable[object]) -> str:
    """The chained hash of a row whose predecessor's hash is `previous`."""
    return hashlib.sha256((previous + canonical(kind, values)).encode()).hexdigest()


def _sqlite_value(field: str, value: object) -> object:
    """A column as SQLite stores it, back in the type the canonical text is written from."""
    if value is None or not isinstance(value, str):
        return value
    if field in ("recorded_at", "at"):
        return datetime.fromisoformat(value)
    if field == "occurred_on":
        return date.fromisoformat(value)
    return value


def sqlite_function(previous: str, kind: str, *values: object) -> str:
    """`vaxstock_chain_link(previous, kind, field...)` for SQLite's triggers (registered on every connection)."""
    fields = MOVEMENT_FIELDS if kind == "movement" else AUDIT_FIELDS
    return link(previous, kind, [_sqlite_value(f, v) for f, v in zip(fields, values, strict=True)])
