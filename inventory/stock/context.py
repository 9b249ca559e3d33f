"""What every stock use case works with (the request's session, settings, principal and day) and the steps
they share: resolving facilities and lots, building and posting a document, reading it back.

Each use case lives in its own module under inventory/stock/use_cases/ and takes a `StockContext` first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Facility, Product
from inventory.catalog.service import CatalogService
from inventory.commands import validated
from inventory.errors import NotFound, RuleViolation, UnknownReference
from inventory.idempotency import Record, Request, post_once, run_once
from inventory.routes.checks import allowed_counterparties, require_route
from inventory.routes.repository import RouteRepository
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.domain import check_occurred_on
from inventory.stock.ledger import Dispatch, DocumentHeader, LedgerRecord, Line, post_document
from inventory.stock.models import Lot, LotEvent, LotPlaceState, Shipment, StockDocument
from inventory.stock.repository import StockRepository
from inventory.timeutil import today_vn, utcnow

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """A ledger line with the codes its movement shows in the returned document."""

    line: Line
    location: str
    product: str
    lot_number: str


class StockContext:
    """One request's view of the ledger: who asks, on which day, through which session."""

    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        principal: Principal,
        *,
        today: date | None = None,
        now: Callable[[], datetime] = utcnow,
        decoded_commands: bool = False,
        catalog: CatalogService | None = None,
    ) -> None:
        """`decoded_commands`: the caller decoded every command against its schema (the API does, as it
        reads the body); commands built in code (pages, the CLI, the demo) are checked here instead.
        `catalog`: one already holding products, facilities and locations looked up in the same session (the
        demo loader keeps one across its simulated days); a new one by default."""
        self.session = session
        self.settings = settings
        self.principal = principal
        self.actor = principal.username
        self.today = today or today_vn()
        self.now = now
        """When documents, lot events and counts are recorded (the demo loader simulates a year with it)."""
        self.decoded_commands = decoded_commands
        self.catalog = catalog or CatalogService(session)
        self.repo = StockRepository(session)
        self.routes = RouteRepository(session)

    async def post_once(
        self, scope: str, payload: msgspec.Struct, key: str | None, action: Callable[[Record], Awaitable[T]]
    ) -> T:
        """`once` for a use case whose answer is the document it posts: `action` hands the `Record` to `post`,
        and the ledger writes the request's record and audit event with the document
        (inventory.idempotency.post_once)."""
        return await post_once(self.session, self._request(scope, payload, key), action, s.DocumentRead)  # type: ignore[arg-type]

    async def once(
        self,
        scope: str,
        payload: object,
        key: str | None,
        action: Callable[[], Awaitable[T]],
        result_type: type[T] = s.DocumentRead,  # type: ignore[assignment]
    ) -> T:
        """Run a write use case once per Idempotency-Key, audited, with the one retry policy
        (inventory.idempotency.run_once). A command built in code gets the schema's checks first."""
        return await run_once(self.session, self._request(scope, payload, key), action, result_type)

    def _request(self, scope: str, payload: object, key: str | None) -> Request:
        """The write as asked; a command built in code first gets the checks a decoded body got."""
        if isinstance(payload, msgspec.Struct) and not self.decoded_commands:
            validated(payload)  # a check only: the constraints a decoded body was checked against
        return Request(key=key, scope=scope, payload=payload, principal=self.principal, at=self.now)

    # ---- resolving ----------------------------------------------------------------------------------------

    def day(self, given: date | None, field: str = "occurred_on") -> date:
        """The day a posting is dated: today unless given, within the back-dating window."""
        day = given or self.today
        check_occurred_on(day, today=self.today, window_days=self.settings.backdate_window_days, field=field)
        return day

    async def writable(self, code: str, *, field: str, on: date | None = None) -> Facility:
        facility = await self.catalog.facility(code, field=field, on=on)
        self.principal.require_write(facility.id, facility.code, field=field)
        return facility

    async def readable(self, code: str, *, field: str) -> Facility:
        facility = await self.catalog.facility(code, field=field)
        self.principal.require_read(facility.id, facility.code, field=field)
        return facility

    async def require_route(
        self, kind: str, facility: Facility, counterparty: Facility | None, *, field: str
    ) -> None:
        """Refuse a posting along a route the supply chain does not have (inventory.routes), before anything
        is written."""
        await require_route(self.routes, kind, facility, counterparty, field=field)

    async def counterparties(self, kind: str, facility: Facility) -> list[Facility]:
        """The facilities `facility` may post a `kind` document with today (a page's supplier or destination
        list)."""
        return await allowed_counterparties(self.routes, kind, facility, on=self.today)

    def require_read_any(self, *facility_ids: int | None, what: str, number: int) -> None:
        """Refuse unless the principal may read one of the facilities; `what` (document, count, shipment)
        and its `number` name what was asked for."""
        if not any(self.principal.can_read(f) for f in facility_ids if f is not None):
            raise Forbidden(
                message=f"error.forbidden.see_{what}", params={"user": self.principal.username, "id": number}
            )

    async def lot(self, product: Product, lot_number: str, *, field: str) -> Lot:
        lot = await self.repo.lot(product.id, lot_number)
        if lot is None:
            raise UnknownReference(
                message="error.lot.unknown", params={"lot": lot_number, "product": product.code}, field=field
            )
        return lot

    # ---- lot state ----------------------------------------------------------------------------------------

    def lot_event(
        self,
        lot: Lot,
        kind: str,
        *,
        vvm_stage: int | None = None,
        reason: str | None = None,
        facility: Facility | None = None,
        document: DocumentHeader | None = None,
        location_id: int | None = None,
    ) -> None:
        self.session.add(
            LotEvent(
                lot_id=lot.id,
                kind=kind,
                vvm_stage=vvm_stage,
                reason=reason,
                facility_id=facility.id if facility else None,
                location_id=location_id,
                document_id=document.id if document else None,
                recorded_at=self.now(),
                recorded_by=self.actor,
            )
        )

    async def place(self, location_id: int, lot: Lot) -> LotPlaceState:
        """The lot's state at a storage location, locked for a change (made at the lot's stage if new)."""
        return await self.repo.lock_place_state(location_id, lot, at=self.now(), by=self.actor)

    def raise_vvm(
        self, state: Lot | LotPlaceState, stage: int, *, lot_number: str, field: str = "vvm_stage"
    ) -> bool:
        """Apply a VVM reading to a lot at a place (or to a lot's own stage); the indicator only darkens, so a
        lower stage is refused. True if it darkened."""
        if stage < state.vvm_stage:
            raise RuleViolation(
                message="error.rule_violated.vvm_goes_back",
                params={"lot": lot_number, "stage": state.vvm_stage},
                field=field,
            )
        if stage == state.vvm_stage:
            return False
        state.vvm_stage = stage
        if isinstance(state, LotPlaceState):
            state.updated_at, state.updated_by = self.now(), self.actor
        return True

    def set_place_hold(self, state: LotPlaceState, *, hold: bool, reason: str | None) -> None:
        state.on_hold = hold
        state.hold_reason = reason if hold else None
        state.updated_at, state.updated_by = self.now(), self.actor

    # ---- documents ----------------------------------------------------------------------------------------

    def new_document(self, kind: str, facility: Facility, day: date, **fields: Any) -> DocumentHeader:
        """A document header to post; the ledger inserts it with its movements (it is never in the session)."""
        return DocumentHeader(
            kind=kind,
            facility_id=facility.id,
            occurred_on=day,
            recorded_at=self.now(),
            recorded_by=self.actor,
            **fields,
        )

    async def post(
        self,
        document: DocumentHeader,
        entries: list[Entry],
        *,
        facility: str,
        counterparty: str | None = None,
        dispatch: Dispatch | None = None,
        record: Record | None = None,
    ) -> s.DocumentRead:
        """Write the document, its entries' movements and its shipment; the document as written (with the
        codes `facility` and `counterparty`). With the `record` of the request it answers (`post_once`), the
        ledger writes the request's idempotency record and audit event with it."""
        answer = document_read(
            document,
            [
                s.MovementRead(
                    0,
                    e.line.kind,
                    e.location,
                    e.product,
                    e.lot_number,
                    e.line.doses,
                    e.line.reason_code,
                    e.line.reverses_movement_id,
                )
                for e in entries
            ],
            facility=facility,
            counterparty=counterparty,
            shipment_id=0 if dispatch else None,
        )
        recorded = None
        if record is not None:
            recorded = LedgerRecord(record.columns(facility), msgspec.json.encode(answer))
        posting = await post_document(
            self.session,
            document,
            [e.line for e in entries],
            today=self.today,
            dispatch=dispatch,
            record=recorded,
        )
        return msgspec.structs.replace(
            answer,
            id=document.id,
            shipment_id=posting.shipment_id,
            movements=[
                msgspec.structs.replace(m, id=p.movement_id)
                for m, p in zip(answer.movements, posting.movements, strict=True)
            ],
        )

    async def read_document(self, document: StockDocument) -> s.DocumentRead:
        """A stored document, read back from the ledger."""
        return (await self.read_documents([document]))[0]

    async def read_documents(self, documents: Sequence[StockDocument]) -> list[s.DocumentRead]:
        """Stored documents read back from the ledger in three queries, however many they are."""
        ids = [d.id for d in documents]
        movements: dict[int, list[s.MovementRead]] = {i: [] for i in ids}
        for m, loc, product, lot_number in await self.repo.document_movements(ids):
            movements[m.document_id].append(
                s.MovementRead(
                    m.id, m.kind, loc, product, lot_number, m.doses, m.reason_code, m.reverses_movement_id
                )
            )
        codes = await self.repo.facility_codes(
            {f for d in documents for f in (d.facility_id, d.counterparty_id) if f is not None}
        )
        shipments = await self.repo.shipments_of_documents(ids)
        reversals = await self.repo.reversals_of(ids)
        return [
            document_read(
                d,
                movements[d.id],
                facility=codes[d.facility_id],
                counterparty=codes.get(d.counterparty_id) if d.counterparty_id else None,
                shipment_id=shipments.get(d.id),
                reversed_by=reversals.get(d.id),
            )
            for d in documents
        ]

    async def read_shipment(self, shipment_id: int) -> s.ShipmentRead:
        """A shipment with its lines, for anyone who may read its origin or destination."""
        shipment = await self.repo.shipment(shipment_id)
        if shipment is None:
            raise NotFound(
                message="error.shipment.not_found", params={"id": shipment_id}, field="shipment_id"
            )

        self.require_read_any(
            shipment.to_facility_id, shipment.from_facility_id, what="shipment", number=shipment_id
        )
        return (await self.read_shipments([shipment]))[0]

    async def read_shipments(self, shipments: Sequence[Shipment]) -> list[s.ShipmentRead]:
        """Shipments with their lines in two queries, however many they are."""
        codes = await self.repo.facility_codes(
            {f for sh in shipments for f in (sh.from_facility_id, sh.to_facility_id)}
        )
        lines: dict[int, list[s.ShipmentLineRead]] = {sh.id: [] for sh in shipments}
        for line, lot, code in await self.repo.shipment_lines([sh.id for sh in shipments]):
            lines[line.shipment_id].append(
                s.ShipmentLineRead(
                    code,
                    lot.lot_number,
                    lot.expires_on,
                    line.doses_sent,
                    line.doses_received,
                    line.vvm_stage_on_arrival,
                    line.freeze_indicator_alarm,
                    line.difference_reason,
                )
            )
        return [
            s.ShipmentRead(
                id=sh.id,
                from_facility=codes[sh.from_facility_id],
                to_facility=codes[sh.to_facility_id],
                status=sh.status,
                dispatched_on=sh.dispatched_on,
                issue_document_id=sh.issue_document_id,
                receipt_document_id=sh.receipt_document_id,
                lines=lines[sh.id],
            )
            for sh in shipments
        ]


def document_read(
    document: StockDocument | DocumentHeader,
    movements: list[s.MovementRead],
    *,
    facility: str,
    counterparty: str | None = None,
    shipment_id: int | None = None,
    reversed_by: int | None = None,
) -> s.DocumentRead:
    """The document as the API shows it; a posting builds it from what it wrote, a view from the ledger."""
    return s.DocumentRead(
        id=document.id,
        kind=document.kind,
        facility=facility,
        occurred_on=document.occurred_on,
        recorded_at=document.recorded_at,
        recorded_by=document.recorded_by,
        counterparty=counterparty,
        reference=document.reference,
        note=document.note,
        override_reason=document.override_reason,
        reverses_document_id=document.reverses_document_id,
        shipment_id=shipment_id,
        reversed_by_document_id=reversed_by,
        movements=movements,
    )
