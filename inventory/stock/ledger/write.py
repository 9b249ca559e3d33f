"""What the ledger writes: the lines, header and shipment of a document, as the writers receive them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, literal_column, not_, or_

from inventory.stock.domain import ISSUABLE_VVM_STAGES
from inventory.stock.models import LotPlaceState, StockDocument

Pair = tuple[int, int]
"""(location_id, lot_id): one balance row."""


@dataclass(frozen=True)
class Line:
    """One signed change of doses to post; `field` names the input line for error messages.

    `usable_only`: a draw that needs usable stock (an issue, a vaccination session): the ledger refuses it
    if the lot is on hold, expired or at the VVM discard point when it is written.
    `picked`: the use case chose the lot itself (lot picking); if the draw is refused, it chooses again."""

    location_id: int
    lot_id: int
    doses: int
    kind: str
    field: str
    reason_code: str | None = None
    reverses_movement_id: int | None = None
    usable_only: bool = False
    picked: bool = False


@dataclass
class DocumentHeader:
    """A document to post: the columns of stock_document; `post_document` sets its id."""

    kind: str
    facility_id: int
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    counterparty_id: int | None = None
    reference: str | None = None
    note: str | None = None
    override_reason: str | None = None
    reverses_document_id: int | None = None
    id: int = 0


HEADER_COLUMNS = [c.key for c in StockDocument.__table__.columns if c.key != "id"]


@dataclass(frozen=True)
class Dispatch:
    """The shipment an issue or a return opens: doses sent per lot, in transit until the destination confirms."""

    from_facility_id: int
    to_facility_id: int
    doses_by_lot: Mapping[int, int]


@dataclass(frozen=True)
class Posted:
    movement_id: int
    line: Line


@dataclass(frozen=True)
class Posting:
    """What was written: the movements in line order, and the shipment's id if the document opened one."""

    movements: list[Posted]
    shipment_id: int | None = None


@dataclass(frozen=True)
class LedgerWrite:
    document: dict[str, Any]
    drawn: list[tuple[Pair, int]]
    added: list[tuple[Pair, int]]
    lines: Sequence[Line]
    fields: Mapping[Pair, str]
    usable_only: frozenset[Pair] = frozenset()
    picked: frozenset[Pair] = frozenset()
    dispatch: Dispatch | None = None
    record: LedgerRecord | None = None


@dataclass(frozen=True)
class Written:
    document_id: int
    movement_ids: list[int]
    shipment_id: int | None
    refused: list[Pair]
    fresh: bool = True
    """False: the record's key was recorded already, and nothing was written."""


@dataclass(frozen=True)
class LedgerRecord:
    """The request a document answers, written with it: its idempotency record and audit event (`columns`:
    record_key, record_scope, record_hash, record_created_at, record_by, request (JSON text), audit_at,
    audit_username, audit_address, audit_action, audit_facility_code) and the answer, `result`: the document
    as JSON with ids 0, which the writer completes with the ids it was given."""

    columns: Mapping[str, Any]
    result: bytes


def issuable_vvm(stage: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: the VVM stage is one an issue may draw (domain.ISSUABLE_VVM_STAGES), written into the statement as
    constants: an `IN` list of parameters would make SQLAlchemy render the whole statement again each time."""
    return or_(*(stage == literal_column(str(int(s))) for s in ISSUABLE_VVM_STAGES))


def usable_at_place(location_id: Any, lot_id: Any, lot_vvm_stage: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: the lot is neither on hold nor at VVM 3/4 at this location (its state there, LotPlaceState; a place
    without one is at the lot's stage and not on hold)."""
    place = LotPlaceState.__table__
    here = and_(place.c.location_id == location_id, place.c.lot_id == lot_id)
    blocked = exists().where(here, or_(place.c.on_hold, not_(issuable_vvm(place.c.vvm_stage))))
    return and_(not_(blocked), or_(exists().where(here), issuable_vvm(lot_vvm_stage)))
