"""Ledger use cases. One public method = one use case = one transaction (the caller commits)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import msgspec
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Facility, Location, Product
from inventory.catalog.service import TRANSIT, CatalogService, unknown_product
from inventory.db import has_changes, is_postgresql
from inventory.errors import (
    Conflict,
    InsufficientStock,
    NotFound,
    RuleViolation,
    UnknownReference,
    ValidationFailed,
)
from inventory.idempotency import run_in_one_statement, run_once
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.domain import (
    REASON_DIRECTIONS,
    LotBalance,
    Pick,
    check_occurred_on,
    check_reason,
    check_whole_vials,
    doses_to_vials,
    is_usable,
    pick_lots,
    same_picks,
    why_not_issuable,
)
from inventory.stock.ledger import Dispatch, DocumentHeader, Line, post_document
from inventory.stock.models import (
    Lot,
    LotEvent,
    ShipmentLine,
    StockCount,
    StockCountLine,
    StockDocument,
    UsageRecord,
)
from inventory.stock.repository import StockRepository, lot_state
from inventory.timeutil import today_vn, utcnow

T = TypeVar("T")
C = TypeVar("C", bound=msgspec.Struct)


def validated(command: C) -> C:
    """A command built in code (a page, the CLI) gets the checks decoded JSON gets: the schema's constraints."""
    return command_from(type(command), **msgspec.to_builtins(command))


def command_from(kind: type[C], **fields: object) -> C:
    """A command from values collected in code (query parameters, a form), checked as a decoded body is:
    a value the schema refuses is a ValidationFailed naming the field."""
    try:
        return msgspec.convert(fields, type=kind, strict=False)
    except msgspec.ValidationError as exc:
        reason, _, where = str(exc).partition(" - at `$.")
        named = re.match(r"`(\w+)` ", reason)  # a check of the command itself names its field first
        field = ".".join(filter(None, [where.rstrip("`"), named.group(1) if named else None]))
        raise ValidationFailed(reason, field=field or None) from None


@dataclass(frozen=True)
class _Choice:
    """Doses of one lot at one storage location to send, with the codes the document shows."""

    product: Product
    lot_id: int
    lot_number: str
    location_id: int
    location_code: str
    doses: int
    field: str


@dataclass(frozen=True)
class _Entry:
    """A ledger line with the codes its movement shows in the returned document."""

    line: Line
    location: str
    product: str
    lot_number: str


class StockService:
    """Receipts, issues, shipments, transfers, returns, adjustments, counts, usage, reversals and views."""

    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        principal: Principal,
        *,
        today: date | None = None,
        now: Callable[[], datetime] = utcnow,
        session_per_posting: bool = False,
    ) -> None:
        """`session_per_posting`: the session carries one posting and nothing else (an API request), so on
        PostgreSQL an issue, return, transfer or adjustment dated today may go as a single statement."""
        self.session = session
        self.session_per_posting = session_per_posting
        self.now = now
        """When documents, lot events and counts are recorded (the demo loader simulates a year with it)."""
        self.settings = settings
        self.principal = principal
        self.actor = principal.username
        self.today = today or today_vn()
        self.catalog = CatalogService(session)
        self.repo = StockRepository(session)

    # ---- shared steps --------------------------------------------------------------------------------------

    def _day(self, given: date | None, field: str = "occurred_on") -> date:
        day = given or self.today
        check_occurred_on(day, today=self.today, window_days=self.settings.backdate_window_days, field=field)
        return day

    async def _once(
        self,
        scope: str,
        payload: object,
        key: str | None,
        action: Callable[[], Awaitable[T]],
        result_type: type[T] = s.DocumentRead,  # type: ignore[assignment]
        *,
        ledger_only: bool = False,
    ) -> T:
        """Run a use case once per Idempotency-Key, with its audit event (see inventory.idempotency).

        `ledger_only`: the use case writes one ledger document and nothing else; dated today, in a session of
        its own on PostgreSQL, it is posted in one statement (`run_in_one_statement`).
        """
        if isinstance(payload, msgspec.Struct):
            validated(payload)  # a check only: decoded API bodies pass it at once
        if (
            ledger_only
            and self.session_per_posting
            and getattr(payload, "occurred_on", None) in (None, self.today)
            and is_postgresql(self.session)
            and not self.session.in_transaction()
            and not has_changes(self.session)
        ):
            return await run_in_one_statement(  # type: ignore[return-value]
                self.session,
                key=key,
                scope=scope,
                payload=payload,
                principal=self.principal,
                today=self.today,
                action=action,  # type: ignore[arg-type]
                now=self.now,
            )
        return await run_once(
            self.session,
            key=key,
            scope=scope,
            payload=payload,
            principal=self.principal,
            result_type=result_type,
            action=action,
            now=self.now,
        )

    def _new_document(self, kind: str, facility: Facility, day: date, **fields: Any) -> DocumentHeader:
        """A document header to post; the ledger inserts it with its movements (it is never in the session)."""
        return DocumentHeader(
            kind=kind,
            facility_id=facility.id,
            occurred_on=day,
            recorded_at=self.now(),
            recorded_by=self.actor,
            **fields,
        )

    async def _post(
        self, document: DocumentHeader, entries: list[_Entry], *, dispatch: Dispatch | None = None
    ) -> tuple[list[s.MovementRead], int | None]:
        """Write the document, its entries' movements (as the document shows them) and its shipment's id."""
        posting = await post_document(
            self.session, document, [e.line for e in entries], today=self.today, dispatch=dispatch
        )
        return [
            s.MovementRead(
                p.movement_id,
                p.line.kind,
                e.location,
                e.product,
                e.lot_number,
                p.line.doses,
                p.line.reason_code,
                p.line.reverses_movement_id,
            )
            for p, e in zip(posting.movements, entries, strict=True)
        ], posting.shipment_id

    async def _writable(self, code: str, *, field: str, on: date | None = None) -> Facility:
        facility = await self.catalog.facility(code, field=field, on=on)
        self.principal.require_write(facility.id, facility.code, field=field)
        return facility

    async def _readable(self, code: str, *, field: str) -> Facility:
        facility = await self.catalog.facility(code, field=field)
        self.principal.require_read(facility.id, facility.code, field=field)
        return facility

    def _require_read_any(self, *facility_ids: int | None, what: str) -> None:
        if not any(self.principal.can_read(f) for f in facility_ids if f is not None):
            raise Forbidden(f"{self.principal.username} may not see {what}")

    async def _lot(self, product: Product, lot_number: str, *, field: str) -> Lot:
        lot = await self.repo.lot(product.id, lot_number)
        if lot is None:
            raise UnknownReference(f"unknown lot {lot_number!r} of {product.code}", field=field)
        return lot

    def _lot_event(
        self,
        lot: Lot,
        kind: str,
        *,
        vvm_stage: int | None = None,
        reason: str | None = None,
        facility: Facility | None = None,
        document: DocumentHeader | None = None,
    ) -> None:
        self.session.add(
            LotEvent(
                lot_id=lot.id,
                kind=kind,
                vvm_stage=vvm_stage,
                reason=reason,
                facility_id=facility.id if facility else None,
                document_id=document.id if document else None,
                recorded_at=self.now(),
                recorded_by=self.actor,
            )
        )

    @staticmethod
    def _raise_vvm(lot: Lot, stage: int, *, field: str = "vvm_stage") -> bool:
        """Apply a VVM reading; the indicator only darkens, so a lower stage is refused. True if it darkened."""
        if stage < lot.vvm_stage:
            raise RuleViolation(
                f"lot {lot.lot_number} is already at VVM stage {lot.vvm_stage}; a VVM never goes back",
                field=field,
            )
        if stage == lot.vvm_stage:
            return False
        lot.vvm_stage = stage
        return True

    async def _read_document(self, document: StockDocument) -> s.DocumentRead:
        """A stored document, read back from the ledger."""
        rows = await self.repo.document_movements(document.id)
        codes = await self.repo.facility_codes(
            {document.facility_id, *filter(None, [document.counterparty_id])}
        )
        shipment = await self.repo.shipment_for_document(document.id)
        return self._document_read(
            document,
            [
                s.MovementRead(
                    m.id, m.kind, loc, product, lot_number, m.doses, m.reason_code, m.reverses_movement_id
                )
                for m, loc, product, lot_number in rows
            ],
            facility=codes[document.facility_id],
            counterparty=codes.get(document.counterparty_id) if document.counterparty_id else None,
            shipment_id=shipment.id if shipment else None,
        )

    @staticmethod
    def _document_read(
        document: StockDocument | DocumentHeader,
        movements: list[s.MovementRead],
        *,
        facility: str,
        counterparty: str | None = None,
        shipment_id: int | None = None,
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
            movements=movements,
        )

    # ---- receipts ------------------------------------------------------------------------------------------

    async def receive(self, cmd: s.ReceiptCreate, *, key: str | None) -> s.DocumentRead:
        """Stock arrives from a supplier or a higher level without a shipment in the system."""
        return await self._once("receipt", cmd, key, lambda: self._receive(cmd))

    async def _receive(self, cmd: s.ReceiptCreate) -> s.DocumentRead:
        day = self._day(cmd.occurred_on)
        facility = await self._writable(cmd.facility, field="facility", on=day)
        supplier = await self.catalog.facility(cmd.supplier, field="supplier") if cmd.supplier else None
        prepared: list[tuple[int, Product, Location, s.ReceiptLine]] = []
        for i, line in enumerate(cmd.lines):
            product = await self.catalog.product(line.product, field=f"lines[{i}].product")
            location = await self.catalog.location(facility, line.location, field=f"lines[{i}].location")
            if line.expires_on < day:
                raise RuleViolation(
                    f"lot {line.lot_number} expired on {line.expires_on:%d/%m/%Y}; an expired lot is not received",
                    field=f"lines[{i}].expires_on",
                )
            if line.vvm_stage >= 3:
                raise RuleViolation(
                    f"lot {line.lot_number} arrives at VVM stage {line.vvm_stage}: do not accept it; record the "
                    "handover minutes (biên bản) with the supplier",
                    field=f"lines[{i}].vvm_stage",
                )
            if facility.counts_whole_vials:
                check_whole_vials(line.doses, product.doses_per_vial, field=f"lines[{i}].doses")
            prepared.append((i, product, location, line))
        entries: list[_Entry] = []
        readings: list[tuple[Lot, int]] = []  # (lot, VVM stage) new or darker on receipt, for the events
        for i, product, location, line in prepared:
            lot = await self.repo.lot(product.id, line.lot_number, for_update=True)
            if lot is None:
                lot = Lot(
                    product_id=product.id,
                    lot_number=line.lot_number,
                    expires_on=line.expires_on,
                    manufacturer=line.manufacturer,
                    gtin=line.gtin,
                    vvm_stage=line.vvm_stage,
                    on_hold=False,
                    created_at=self.now(),
                )
                self.session.add(lot)
                await self.session.flush()
                readings.append((lot, line.vvm_stage))
            else:
                if lot.expires_on != line.expires_on:
                    raise RuleViolation(
                        f"lot {line.lot_number} of {product.code} is recorded with expiry "
                        f"{lot.expires_on:%d/%m/%Y}, not {line.expires_on:%d/%m/%Y}",
                        field=f"lines[{i}].expires_on",
                    )
                if self._raise_vvm(lot, line.vvm_stage, field=f"lines[{i}].vvm_stage"):
                    readings.append((lot, line.vvm_stage))
            entries.append(
                _Entry(
                    Line(location.id, lot.id, line.doses, "receipt", f"lines[{i}].doses"),
                    location.code,
                    product.code,
                    lot.lot_number,
                )
            )
        document = self._new_document(
            "receipt",
            facility,
            day,
            counterparty_id=supplier.id if supplier else None,
            reference=cmd.reference,
            note=cmd.note,
        )
        movements, _ = await self._post(document, entries)
        for lot, stage in readings:
            self._lot_event(
                lot, "vvm", vvm_stage=stage, reason="on receipt", facility=facility, document=document
            )
        return self._document_read(
            document,
            movements,
            facility=facility.code,
            counterparty=supplier.code if supplier else None,
        )

    # ---- issues and proposals ------------------------------------------------------------------------------

    async def propose(self, req: s.ProposalRequest) -> s.Proposal:
        """Lots to issue: usable only, worse VVM first, then earliest expiry, then location."""
        req = validated(req)
        day = self._day(req.occurred_on)
        facility = await self.catalog.facility(req.facility, field="facility", on=day)
        self.principal.require_read(facility.id, facility.code, field="facility")
        found = await self.repo.products_with_balances([req.product], facility.id)
        product, balances = self._known(found, {req.product: "product"})[req.product]
        picks = self._pick(facility, product, balances, req.doses, day, field="doses")
        return s.Proposal(
            facility=facility.code,
            product=product.code,
            doses=req.doses,
            lots=[self._proposed(p, product) for p in picks],
        )

    @staticmethod
    def _proposed(p: Pick, product: Product) -> s.ProposedLot:
        return s.ProposedLot(
            p.lot_number,
            p.location_code,
            p.doses,
            -(-p.doses // product.doses_per_vial),
            p.expires_on,
            p.vvm_stage,
        )

    @staticmethod
    def _known(
        found: dict[str, tuple[Product, list[LotBalance]]], codes: dict[str, str]
    ) -> dict[str, tuple[Product, list[LotBalance]]]:
        """Products read by code with what a facility holds of them; a code not found is refused, naming
        its field (`codes`: code -> field)."""
        for code, field in codes.items():
            if code not in found:
                raise unknown_product(code, field=field)
        return found

    @staticmethod
    def _pick(
        facility: Facility, product: Product, balances: list[LotBalance], doses: int, day: date, *, field: str
    ) -> list[Pick]:
        per_vial = product.doses_per_vial if facility.counts_whole_vials else 1
        if facility.counts_whole_vials:
            check_whole_vials(doses, product.doses_per_vial, field=field)
        try:
            return pick_lots(balances, doses, day, doses_per_vial=per_vial)
        except InsufficientStock as exc:
            exc.field = field
            raise

    async def issue(self, cmd: s.IssueCreate, *, key: str | None) -> s.DocumentRead:
        """Send stock to another facility; it is in transit until the destination confirms it."""
        return await self._once("issue", cmd, key, lambda: self._dispatch("issue", cmd), ledger_only=True)

    async def return_stock(self, cmd: s.ReturnCreate, *, key: str | None) -> s.DocumentRead:
        """Send stock back up the chain (to the supplier unless another facility is named)."""
        return await self._once("return", cmd, key, lambda: self._dispatch("return", cmd), ledger_only=True)

    async def _dispatch(self, kind: str, cmd: s.IssueCreate | s.ReturnCreate) -> s.DocumentRead:
        day = self._day(cmd.occurred_on)
        codes = [cmd.facility, *filter(None, [cmd.to_facility])]
        stocked: dict[str, tuple[Product, list[LotBalance]]] = {}
        if isinstance(cmd, s.IssueCreate):
            # the facilities and what the source holds of the products: one query
            facilities, stocked = await self.repo.facilities_with_stock(
                codes, TRANSIT, stock_at=cmd.facility, product_codes=[line.product for line in cmd.lines]
            )
            self.catalog.remember(facilities)
        else:
            await self.catalog.load_facilities(*codes)
        source = await self._writable(cmd.facility, field="facility", on=day)
        if isinstance(cmd, s.ReturnCreate) and cmd.to_facility is None:
            if source.supplier_id is None:
                raise ValidationFailed(
                    f"{source.code} has no supplier; name to_facility", field="to_facility"
                )
            dest_code = (await self.repo.facility_codes({source.supplier_id}))[source.supplier_id]
        else:
            dest_code = cmd.to_facility  # type: ignore[assignment]
        destination = await self.catalog.facility(dest_code, field="to_facility", on=day)
        if destination.id == source.id:
            raise RuleViolation("a facility does not issue to itself; use a transfer", field="to_facility")
        choices = await (
            self._issue_choices(cmd, source, day, stocked)
            if isinstance(cmd, s.IssueCreate)
            else self._return_choices(cmd, source)
        )
        document = self._new_document(
            kind,
            source,
            day,
            counterparty_id=destination.id,
            reference=getattr(cmd, "reference", None),
            note=cmd.reason if isinstance(cmd, s.ReturnCreate) else cmd.note,
            override_reason=getattr(cmd, "override_reason", None),
        )
        transit = await self.catalog.transit_location(destination)
        entries: list[_Entry] = []
        sent: dict[int, int] = defaultdict(int)
        for c in choices:
            entries.append(
                _Entry(
                    Line(c.location_id, c.lot_id, -c.doses, kind, c.field),
                    c.location_code,
                    c.product.code,
                    c.lot_number,
                )
            )
            entries.append(
                _Entry(
                    Line(transit.id, c.lot_id, c.doses, kind, c.field),
                    transit.code,
                    c.product.code,
                    c.lot_number,
                )
            )
            sent[c.lot_id] += c.doses
        movements, shipment_id = await self._post(
            document, entries, dispatch=Dispatch(source.id, destination.id, sent)
        )
        return self._document_read(
            document,
            movements,
            facility=source.code,
            counterparty=destination.code,
            shipment_id=shipment_id,
        )

    async def _issue_choices(
        self,
        cmd: s.IssueCreate,
        source: Facility,
        day: date,
        found: dict[str, tuple[Product, list[LotBalance]]],
    ) -> list[_Choice]:
        """The lots and places to send, from what the source holds of the products (`found`, read with the
        facilities by `_dispatch`)."""
        by_product: dict[str, list[int]] = defaultdict(list)
        for i, line in enumerate(cmd.lines):
            by_product[line.product].append(i)
        choices: list[_Choice] = []
        overridden = False
        stocked = self._known(
            found, {code: f"lines[{indexes[0]}].product" for code, indexes in by_product.items()}
        )
        for code, indexes in by_product.items():
            product, balances = stocked[code]
            explicit = [i for i in indexes if cmd.lines[i].lot_number is not None]
            if explicit and len(explicit) != len(indexes):
                raise ValidationFailed(
                    f"give lot_number on every line of {code} or on none",
                    field=f"lines[{indexes[0]}].lot_number",
                )
            total = sum(cmd.lines[i].doses for i in indexes)
            if not explicit:
                picks = self._pick(source, product, balances, total, day, field=f"lines[{indexes[0]}].doses")
                choices.extend(
                    _Choice(
                        product,
                        p.lot_id,
                        p.lot_number,
                        p.location_id,
                        p.location_code,
                        p.doses,
                        f"lines[{indexes[0]}].doses",
                    )
                    for p in picks
                )
                continue
            chosen: list[_Choice] = []
            for i in indexes:
                line = cmd.lines[i]
                lot = await self._lot(product, line.lot_number or "", field=f"lines[{i}].lot_number")
                reason = why_not_issuable(lot_state(lot, code), day)
                if reason:
                    raise RuleViolation(f"{reason}; it may not be issued", field=f"lines[{i}].lot_number")
                location = (
                    await self.catalog.location(source, line.location, field=f"lines[{i}].location")
                    if line.location
                    else await self.catalog.sole_storage_location(source, field=f"lines[{i}].location")
                )
                if source.counts_whole_vials:
                    check_whole_vials(line.doses, product.doses_per_vial, field=f"lines[{i}].doses")
                chosen.append(
                    _Choice(
                        product,
                        lot.id,
                        lot.lot_number,
                        location.id,
                        location.code,
                        line.doses,
                        f"lines[{i}].doses",
                    )
                )
            try:
                proposal = self._pick(
                    source, product, balances, total, day, field=f"lines[{indexes[0]}].doses"
                )
            except (InsufficientStock, RuleViolation):
                proposal = None  # no proposal is possible: the ledger refuses an over-issue with the figures
            if proposal is not None and not same_picks(
                [(c.lot_id, c.location_id, c.doses) for c in chosen], proposal
            ):
                overridden = True
            choices.extend(chosen)
        if overridden and not cmd.override_reason:
            raise ValidationFailed(
                "the chosen lots differ from the proposed ones (worse VVM first, then earliest expiry); "
                "give an override_reason",
                field="override_reason",
            )
        return choices

    async def _return_choices(self, cmd: s.ReturnCreate, source: Facility) -> list[_Choice]:
        choices: list[_Choice] = []
        for i, line in enumerate(cmd.lines):
            product = await self.catalog.product(line.product, field=f"lines[{i}].product")
            lot = await self._lot(product, line.lot_number, field=f"lines[{i}].lot_number")
            location = await self.catalog.location(source, line.location, field=f"lines[{i}].location")
            if source.counts_whole_vials:
                check_whole_vials(line.doses, product.doses_per_vial, field=f"lines[{i}].doses")
            choices.append(
                _Choice(
                    product,
                    lot.id,
                    lot.lot_number,
                    location.id,
                    location.code,
                    line.doses,
                    f"lines[{i}].doses",
                )
            )
        return choices

    # ---- shipments -----------------------------------------------------------------------------------------

    async def confirm_shipment(
        self, shipment_id: int, cmd: s.ShipmentConfirm, *, key: str | None
    ) -> s.ShipmentRead:
        """The destination confirms, per lot, the doses received, VVM stage and freeze indicator."""
        return await self._once(
            f"shipment:{shipment_id}:confirm",
            cmd,
            key,
            lambda: self._confirm(shipment_id, cmd),
            result_type=s.ShipmentRead,
        )

    async def _confirm(self, shipment_id: int, cmd: s.ShipmentConfirm) -> s.ShipmentRead:
        shipment = await self.repo.shipment(shipment_id, for_update=True)
        if shipment is None:
            raise NotFound(f"no shipment {shipment_id}", field="shipment_id")
        if not self.principal.can_write(shipment.to_facility_id):
            raise Forbidden(f"only the destination confirms shipment {shipment_id}", field="shipment_id")
        if shipment.status != "in_transit":
            raise Conflict(f"shipment {shipment_id} is already {shipment.status}", field="shipment_id")
        day = self._day(cmd.occurred_on)
        if day < shipment.dispatched_on:
            raise RuleViolation(
                f"received on {day:%d/%m/%Y}, before it was dispatched on {shipment.dispatched_on:%d/%m/%Y}",
                field="occurred_on",
            )
        codes = await self.repo.facility_codes({shipment.to_facility_id})
        destination = await self.catalog.facility(codes[shipment.to_facility_id], field="shipment_id")
        self.principal.require_write(destination.id, destination.code, field="shipment_id")
        location = (
            await self.catalog.location(destination, cmd.location, field="location")
            if cmd.location
            else await self.catalog.sole_storage_location(destination, field="location")
        )
        transit = await self.catalog.transit_location(destination)
        rows = await self.repo.shipment_lines(shipment_id)
        expected = {(code, lot.lot_number): (line, lot) for line, lot, code in rows}
        seen: set[tuple[str, str]] = set()
        for i, c in enumerate(cmd.lines):
            k = (c.product, c.lot_number)
            if k not in expected:
                raise UnknownReference(
                    f"lot {c.lot_number} of {c.product} is not on shipment {shipment_id}",
                    field=f"lines[{i}].lot_number",
                )
            if k in seen:
                raise ValidationFailed(
                    f"lot {c.lot_number} is confirmed twice", field=f"lines[{i}].lot_number"
                )
            seen.add(k)
            line, _ = expected[k]
            if destination.counts_whole_vials:  # a store above commune level keeps whole vials
                received = await self.catalog.product(c.product, field=f"lines[{i}].product")
                check_whole_vials(
                    c.doses_received, received.doses_per_vial, field=f"lines[{i}].doses_received"
                )
            if c.doses_received > line.doses_sent:
                raise RuleViolation(
                    f"{c.doses_received} doses received but {line.doses_sent} were sent; record a surplus as a "
                    "'found' adjustment",
                    field=f"lines[{i}].doses_received",
                )
            if c.doses_received < line.doses_sent:
                if not c.difference_reason:
                    raise ValidationFailed(
                        f"{line.doses_sent - c.doses_received} doses short: give a difference_reason",
                        field=f"lines[{i}].difference_reason",
                    )
                if REASON_DIRECTIONS.get(c.difference_reason) != -1:
                    raise RuleViolation(
                        f"{c.difference_reason!r} is not a reason for a shortfall; use one of "
                        + ", ".join(sorted(r for r, d in REASON_DIRECTIONS.items() if d == -1)),
                        field=f"lines[{i}].difference_reason",
                    )
        missing = [f"{code} {n}" for (code, n) in expected if (code, n) not in seen]
        if missing:
            raise ValidationFailed(
                f"every lot on the shipment must be confirmed; missing: {', '.join(missing)}", field="lines"
            )
        document = self._new_document(
            "shipment_receipt", destination, day, counterparty_id=shipment.from_facility_id, note=cmd.note
        )
        entries: list[_Entry] = []
        events: list[tuple[Lot, str, int | None, str]] = []  # (lot, kind, VVM stage, reason) for the document
        for i, c in enumerate(cmd.lines):
            line, lot = expected[(c.product, c.lot_number)]
            field = f"lines[{i}].doses_received"
            if c.doses_received:
                entries += [
                    _Entry(
                        Line(transit.id, lot.id, -c.doses_received, "shipment_receipt", field),
                        transit.code,
                        c.product,
                        lot.lot_number,
                    ),
                    _Entry(
                        Line(location.id, lot.id, c.doses_received, "shipment_receipt", field),
                        location.code,
                        c.product,
                        lot.lot_number,
                    ),
                ]
            short = line.doses_sent - c.doses_received
            if short:
                entries.append(
                    _Entry(
                        Line(
                            transit.id, lot.id, -short, "adjustment", field, reason_code=c.difference_reason
                        ),
                        transit.code,
                        c.product,
                        lot.lot_number,
                    )
                )
            line.doses_received = c.doses_received
            line.vvm_stage_on_arrival = c.vvm_stage
            line.freeze_indicator_alarm = c.freeze_indicator_alarm
            line.difference_reason = c.difference_reason
            locked = await self.repo.lot(lot.product_id, lot.lot_number, for_update=True)
            assert locked is not None
            if self._raise_vvm(locked, c.vvm_stage, field=f"lines[{i}].vvm_stage"):
                events.append((locked, "vvm", c.vvm_stage, "on arrival"))
            product = await self.catalog.product(c.product, field=f"lines[{i}].product")
            if c.freeze_indicator_alarm and product.freeze_sensitive and not locked.on_hold:
                locked.on_hold = True
                locked.hold_reason = (
                    f"freeze indicator alarm on arrival at {destination.code}: shake test needed"
                )
                events.append((locked, "hold", None, locked.hold_reason))
        await self._post(document, entries)
        for lot, kind, stage, reason in events:
            self._lot_event(
                lot, kind, vvm_stage=stage, reason=reason, facility=destination, document=document
            )
        shipment.status = "received"
        shipment.receipt_document_id = document.id
        await self.session.flush()
        return await self.shipment(shipment_id)

    async def shipment(self, shipment_id: int) -> s.ShipmentRead:
        shipment = await self.repo.shipment(shipment_id)
        if shipment is None:
            raise NotFound(f"no shipment {shipment_id}", field="shipment_id")
        self._require_read_any(
            shipment.to_facility_id, shipment.from_facility_id, what=f"shipment {shipment_id}"
        )
        codes = await self.repo.facility_codes({shipment.from_facility_id, shipment.to_facility_id})
        rows = await self.repo.shipment_lines(shipment_id)
        return s.ShipmentRead(
            id=shipment.id,
            from_facility=codes[shipment.from_facility_id],
            to_facility=codes[shipment.to_facility_id],
            status=shipment.status,
            dispatched_on=shipment.dispatched_on,
            issue_document_id=shipment.issue_document_id,
            receipt_document_id=shipment.receipt_document_id,
            lines=[
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
                for line, lot, code in rows
            ],
        )

    async def shipments(self, facility_code: str, status: str | None) -> list[s.ShipmentRead]:
        facility = await self._readable(facility_code, field="facility")
        return [await self.shipment(sh.id) for sh in await self.repo.shipments(facility.id, status)]

    # ---- transfers, adjustments ----------------------------------------------------------------------------

    async def transfer(self, cmd: s.TransferCreate, *, key: str | None) -> s.DocumentRead:
        """Move stock between two locations of one facility."""
        return await self._once("transfer", cmd, key, lambda: self._transfer(cmd), ledger_only=True)

    async def _transfer(self, cmd: s.TransferCreate) -> s.DocumentRead:
        day = self._day(cmd.occurred_on)
        facility = await self._writable(cmd.facility, field="facility", on=day)
        origin = await self.catalog.location(facility, cmd.from_location, field="from_location")
        target = await self.catalog.location(facility, cmd.to_location, field="to_location")
        if origin.id == target.id:
            raise RuleViolation("from_location and to_location are the same", field="to_location")
        entries: list[_Entry] = []
        for i, line in enumerate(cmd.lines):
            product = await self.catalog.product(line.product, field=f"lines[{i}].product")
            lot = await self._lot(product, line.lot_number, field=f"lines[{i}].lot_number")
            field = f"lines[{i}].doses"
            entries += [
                _Entry(
                    Line(origin.id, lot.id, -line.doses, "transfer", field),
                    origin.code,
                    product.code,
                    lot.lot_number,
                ),
                _Entry(
                    Line(target.id, lot.id, line.doses, "transfer", field),
                    target.code,
                    product.code,
                    lot.lot_number,
                ),
            ]
        document = self._new_document("transfer", facility, day, note=cmd.note)
        movements, _ = await self._post(document, entries)
        return self._document_read(document, movements, facility=facility.code)

    async def adjust(self, cmd: s.AdjustmentCreate, *, key: str | None) -> s.DocumentRead:
        """Add or remove doses with a reason (expired, VVM discard, frozen, broken, lost, found...)."""
        return await self._once("adjustment", cmd, key, lambda: self._adjust(cmd), ledger_only=True)

    async def _adjust(self, cmd: s.AdjustmentCreate) -> s.DocumentRead:
        day = self._day(cmd.occurred_on)
        facility = await self._writable(cmd.facility, field="facility", on=day)
        entries: list[_Entry] = []
        for i, line in enumerate(cmd.lines):
            if line.doses == 0:
                raise ValidationFailed("doses must not be zero", field=f"lines[{i}].doses")
            check_reason(line.reason, line.doses, field=f"lines[{i}].reason")
            product = await self.catalog.product(line.product, field=f"lines[{i}].product")
            lot = await self._lot(product, line.lot_number, field=f"lines[{i}].lot_number")
            location = await self.catalog.location(facility, line.location, field=f"lines[{i}].location")
            entries.append(
                _Entry(
                    Line(
                        location.id,
                        lot.id,
                        line.doses,
                        "adjustment",
                        f"lines[{i}].doses",
                        reason_code=line.reason,
                    ),
                    location.code,
                    product.code,
                    lot.lot_number,
                )
            )
        document = self._new_document("adjustment", facility, day, note=cmd.note)
        movements, _ = await self._post(document, entries)
        return self._document_read(document, movements, facility=facility.code)

    # ---- counts --------------------------------------------------------------------------------------------

    async def create_count(self, cmd: s.CountCreate, *, key: str | None) -> s.CountRead:
        """Record a physical count as a draft; nothing moves until it is submitted."""
        return await self._once("count", cmd, key, lambda: self._create_count(cmd), result_type=s.CountRead)

    async def _create_count(self, cmd: s.CountCreate) -> s.CountRead:
        day = self._day(cmd.counted_on, field="counted_on")
        facility = await self._writable(cmd.facility, field="facility", on=day)
        count = StockCount(
            facility_id=facility.id,
            counted_on=day,
            status="draft",
            created_at=self.now(),
            created_by=self.actor,
        )
        self.session.add(count)
        await self.session.flush()
        seen: set[tuple[int, int]] = set()
        for i, line in enumerate(cmd.lines):
            product = await self.catalog.product(line.product, field=f"lines[{i}].product")
            lot = await self._lot(product, line.lot_number, field=f"lines[{i}].lot_number")
            location = await self.catalog.location(facility, line.location, field=f"lines[{i}].location")
            if (location.id, lot.id) in seen:
                raise ValidationFailed(
                    f"lot {line.lot_number} at {line.location} is counted twice", field=f"lines[{i}]"
                )
            seen.add((location.id, lot.id))
            self.session.add(
                StockCountLine(
                    count_id=count.id,
                    location_id=location.id,
                    lot_id=lot.id,
                    counted_doses=line.counted_doses,
                )
            )
        await self.session.flush()
        return await self.count(count.id)

    async def submit_count(self, count_id: int, *, key: str | None) -> s.CountRead:
        """Post the differences between the count and the ledger as count corrections."""
        return await self._once(
            f"count:{count_id}:submit",
            {"count": count_id},
            key,
            lambda: self._submit_count(count_id),
            result_type=s.CountRead,
        )

    async def _submit_count(self, count_id: int) -> s.CountRead:
        count = await self.repo.count(count_id, for_update=True)
        if count is None:
            raise NotFound(f"no count {count_id}", field="count_id")
        if count.status != "draft":
            raise Conflict(f"count {count_id} was already submitted", field="count_id")
        self._day(count.counted_on, field="counted_on")
        codes = await self.repo.facility_codes({count.facility_id})
        facility = await self._writable(codes[count.facility_id], field="count_id")
        system = await self.repo.facility_balances_as_of(facility.id, count.counted_on)
        rows = await self.repo.count_lines(count_id)
        counted = {(line.location_id, line.lot_id) for line, *_ in rows}
        uncounted = [pair for pair, doses in system.items() if doses and pair not in counted]
        if uncounted:
            raise ValidationFailed(
                f"{len(uncounted)} lot(s) with stock on {count.counted_on:%d/%m/%Y} are missing from the count; "
                "count every lot (a zero is a count)",
                field="lines",
            )
        document = self._new_document("count", facility, count.counted_on)
        entries: list[_Entry] = []
        for line, loc_code, product_code, lot_number in rows:
            line.system_doses = system.get((line.location_id, line.lot_id), 0)
            diff = line.counted_doses - line.system_doses
            if diff:
                entries.append(
                    _Entry(
                        Line(
                            line.location_id,
                            line.lot_id,
                            diff,
                            "count",
                            f"{loc_code}/{lot_number}",
                            reason_code="count_correction",
                        ),
                        loc_code,
                        product_code,
                        lot_number,
                    )
                )
        await self._post(document, entries)
        count.status = "submitted"
        count.document_id = document.id
        await self.session.flush()
        return await self.count(count_id)

    async def count(self, count_id: int) -> s.CountRead:
        count = await self.repo.count(count_id)
        if count is None:
            raise NotFound(f"no count {count_id}", field="count_id")
        self._require_read_any(count.facility_id, what=f"count {count_id}")
        codes = await self.repo.facility_codes({count.facility_id})
        return s.CountRead(
            id=count.id,
            facility=codes[count.facility_id],
            counted_on=count.counted_on,
            status=count.status,
            document_id=count.document_id,
            lines=[
                s.CountLineRead(loc, product, lot_number, line.counted_doses, line.system_doses)
                for line, loc, product, lot_number in await self.repo.count_lines(count_id)
            ],
        )

    # ---- usage ---------------------------------------------------------------------------------------------

    async def record_usage(self, cmd: s.UsageCreate, *, key: str | None) -> s.DocumentRead:
        """A vaccination day: doses given and vials opened; opened vials leave the stock."""
        return await self._once("usage", cmd, key, lambda: self._usage(cmd))

    async def _usage(self, cmd: s.UsageCreate) -> s.DocumentRead:
        day = self._day(cmd.session_on, field="session_on")
        facility = await self._writable(cmd.facility, field="facility", on=day)
        prepared = []
        for i, line in enumerate(cmd.lines):
            product = await self.catalog.product(line.product, field=f"lines[{i}].product")
            lot = await self._lot(product, line.lot_number, field=f"lines[{i}].lot_number")
            location = await self.catalog.location(facility, line.location, field=f"lines[{i}].location")
            if line.vials_opened == 0 and line.doses_administered == 0:
                raise ValidationFailed(
                    "nothing given and no vial opened", field=f"lines[{i}].doses_administered"
                )
            # also doses from a vial opened earlier (multi-dose vial policy): a lot held since may not be used
            reason = why_not_issuable(lot_state(lot, product.code), day)
            if reason:
                raise RuleViolation(f"{reason}; it may not be used", field=f"lines[{i}].lot_number")
            opened_doses = line.vials_opened * product.doses_per_vial
            if line.doses_administered > opened_doses and not product.keep_opened_vial:
                raise RuleViolation(
                    f"{line.doses_administered} doses given from {line.vials_opened} vial(s) of "
                    f"{product.doses_per_vial}: an opened {product.code} vial is not kept between sessions",
                    field=f"lines[{i}].doses_administered",
                )
            prepared.append((i, line, product, lot, location, opened_doses))
        document = self._new_document("usage", facility, day, note=cmd.note)
        movements, _ = await self._post(
            document,
            [
                _Entry(
                    Line(location.id, lot.id, -opened_doses, "usage", f"lines[{i}].vials_opened"),
                    location.code,
                    product.code,
                    lot.lot_number,
                )
                for i, _line, product, lot, location, opened_doses in prepared
                if opened_doses
            ],
        )
        self.session.add_all(
            UsageRecord(
                document_id=document.id,
                facility_id=facility.id,
                product_id=product.id,
                lot_id=lot.id,
                location_id=location.id,
                session_on=day,
                doses_administered=line.doses_administered,
                vials_opened=line.vials_opened,
            )
            for _i, line, product, lot, location, _opened in prepared
        )
        return self._document_read(document, movements, facility=facility.code)

    # ---- reversals -----------------------------------------------------------------------------------------

    async def reverse(self, document_id: int, cmd: s.ReversalCreate, *, key: str | None) -> s.DocumentRead:
        """Cancel a posting with opposite movements linked to the original, dated the same day."""
        return await self._once(
            f"document:{document_id}:reverse", cmd, key, lambda: self._reverse(document_id, cmd)
        )

    async def _reverse(self, document_id: int, cmd: s.ReversalCreate) -> s.DocumentRead:
        original = await self.repo.document(document_id, for_update=True)
        if original is None:
            raise NotFound(f"no document {document_id}", field="document_id")
        codes = await self.repo.facility_codes(
            {original.facility_id, *filter(None, [original.counterparty_id])}
        )
        facility = await self._writable(codes[original.facility_id], field="document_id")
        if original.kind == "reversal":
            raise RuleViolation("a reversal is not reversed; post the movement again", field="document_id")
        if original.occurred_on < self.today - timedelta(days=self.settings.backdate_window_days):
            # the reversal carries the original's day: beyond the window it would rewrite closed periods
            raise RuleViolation(
                f"document {document_id} of {original.occurred_on:%d/%m/%Y} is older than the back-dating "
                f"window ({self.settings.backdate_window_days} days); correct it with an adjustment dated today",
                field="document_id",
            )
        if await self.repo.reversal_of(document_id) is not None:
            raise Conflict(f"document {document_id} is already reversed", field="document_id")
        if original.kind in {"issue", "return"}:
            shipment = await self.repo.shipment_for_document(document_id)
            if shipment is not None and shipment.status != "in_transit":
                raise Conflict(
                    f"shipment {shipment.id} was already {shipment.status}; reverse its receipt first",
                    field="document_id",
                )
            if shipment is not None:
                shipment.status = "cancelled"
        if original.kind == "shipment_receipt":
            await self._reopen_shipment(document_id)
        document = self._new_document(
            "reversal",
            facility,
            original.occurred_on,
            counterparty_id=original.counterparty_id,
            note=cmd.reason,
            reverses_document_id=original.id,
        )
        reversed_movements = await self.repo.document_movements(document_id)
        movements, _ = await self._post(
            document,
            [
                _Entry(
                    Line(
                        m.location_id,
                        m.lot_id,
                        -m.doses,
                        "reversal",
                        f"movements[{n}]",
                        reason_code=m.reason_code,
                        reverses_movement_id=m.id,
                    ),
                    location_code,
                    product_code,
                    lot_number,
                )
                for n, (m, location_code, product_code, lot_number) in enumerate(reversed_movements)
            ],
        )
        return self._document_read(
            document,
            movements,
            facility=facility.code,
            counterparty=codes.get(original.counterparty_id) if original.counterparty_id else None,
        )

    async def _reopen_shipment(self, receipt_document_id: int) -> None:
        shipment = await self.repo.shipment_for_receipt(receipt_document_id)
        if shipment is None:
            return
        shipment.status = "in_transit"
        shipment.receipt_document_id = None
        await self.session.execute(
            update(ShipmentLine)
            .where(ShipmentLine.shipment_id == shipment.id)
            .values(
                doses_received=None,
                vvm_stage_on_arrival=None,
                freeze_indicator_alarm=None,
                difference_reason=None,
            )
        )

    # ---- lots ----------------------------------------------------------------------------------------------

    async def lot(self, product_code: str, lot_number: str) -> s.LotRead:
        product = await self.catalog.product(product_code, field="product")
        lot = await self._lot(product, lot_number, field="lot_number")
        events = await self.repo.lot_events(lot.id)
        return s.LotRead(
            lot.id,
            product.code,
            lot.lot_number,
            lot.expires_on,
            lot.manufacturer,
            lot.gtin,
            lot.vvm_stage,
            lot.on_hold,
            lot.hold_reason,
            [s.LotEventRead(e.kind, e.vvm_stage, e.reason, e.recorded_at, e.recorded_by) for e in events],
        )

    async def lots(self, product_code: str | None) -> list[s.LotRead]:
        product = await self.catalog.product(product_code, field="product") if product_code else None
        return [
            s.LotRead(
                lot.id,
                code,
                lot.lot_number,
                lot.expires_on,
                lot.manufacturer,
                lot.gtin,
                lot.vvm_stage,
                lot.on_hold,
                lot.hold_reason,
            )
            for lot, code in await self.repo.lots(product.id if product else None)
        ]

    async def record_vvm(
        self, product_code: str, lot_number: str, cmd: s.VVMUpdate, *, key: str | None
    ) -> s.LotRead:
        """Record a VVM reading for a lot (stages only go up)."""
        self.principal.require_role("admin", "store_keeper", action="record a lot's VVM stage")

        async def action() -> s.LotRead:
            product = await self.catalog.product(product_code, field="product")
            lot = await self.repo.lot(product.id, lot_number, for_update=True)
            if lot is None:
                raise UnknownReference(f"unknown lot {lot_number!r} of {product_code}", field="lot_number")
            facility = await self.catalog.facility(cmd.facility, field="facility") if cmd.facility else None
            if self._raise_vvm(lot, cmd.vvm_stage):
                self._lot_event(lot, "vvm", vvm_stage=cmd.vvm_stage, reason=cmd.note, facility=facility)
            await self.session.flush()
            return await self.lot(product_code, lot_number)

        return await self._once(
            f"lot:{product_code}:{lot_number}:vvm", cmd, key, action, result_type=s.LotRead
        )

    async def set_hold(
        self, product_code: str, lot_number: str, cmd: s.HoldUpdate, *, hold: bool, key: str | None
    ) -> s.LotRead:
        """Put a lot on hold (quarantine) or release it, with a reason."""
        self.principal.require_role("admin", "store_keeper", action="hold or release a lot")

        async def action() -> s.LotRead:
            product = await self.catalog.product(product_code, field="product")
            lot = await self.repo.lot(product.id, lot_number, for_update=True)
            if lot is None:
                raise UnknownReference(f"unknown lot {lot_number!r} of {product_code}", field="lot_number")
            if lot.on_hold == hold:
                raise Conflict(
                    f"lot {lot_number} is {'already' if hold else 'not'} on hold", field="lot_number"
                )
            lot.on_hold = hold
            lot.hold_reason = cmd.reason if hold else None
            self._lot_event(lot, "hold" if hold else "release", reason=cmd.reason)
            await self.session.flush()
            return await self.lot(product_code, lot_number)

        scope = f"lot:{product_code}:{lot_number}:{'hold' if hold else 'release'}"
        return await self._once(scope, cmd, key, action, result_type=s.LotRead)

    # ---- views ---------------------------------------------------------------------------------------------

    async def document(self, document_id: int) -> s.DocumentRead:
        document = await self.repo.document(document_id)
        if document is None:
            raise NotFound(f"no document {document_id}", field="document_id")
        self._require_read_any(document.facility_id, document.counterparty_id, what=f"document {document_id}")
        return await self._read_document(document)

    async def documents(self, facility_code: str, limit: int = 100) -> list[s.DocumentRead]:
        facility = await self._readable(facility_code, field="facility")
        return [await self._read_document(d) for d in await self.repo.documents(facility.id, limit)]

    async def stock_on_hand(self, facility_code: str) -> s.StockOnHand:
        """Doses and vials per product, lot and location; usable means issuable today."""
        facility = await self._readable(facility_code, field="facility")
        rows: list[s.StockRow] = []
        totals: dict[str, list[int]] = {}
        for lot, product, location_code, doses in await self.repo.stock_on_hand(facility.id):
            vials, part = doses_to_vials(doses, product.doses_per_vial)
            usable = is_usable(lot_state(lot, product.code), self.today)
            rows.append(
                s.StockRow(
                    product.code,
                    lot.lot_number,
                    lot.expires_on,
                    lot.vvm_stage,
                    lot.on_hold,
                    location_code,
                    doses,
                    vials,
                    part,
                    usable,
                )
            )
            t = totals.setdefault(product.code, [0, 0, 0])
            t[0] += doses
            t[1] += doses if usable else 0
            t[2] += vials + (1 if part else 0)  # a part vial is a vial on the shelf (opened, kept)
        return s.StockOnHand(
            facility=facility.code,
            as_of=self.today,
            rows=rows,
            totals=[s.ProductTotal(code, d, u, v) for code, (d, u, v) in totals.items()],
        )

    async def dashboard(
        self, facility_code: str, *, expiring_within_days: int = 60, consumption_days: int = 90
    ) -> s.Dashboard:
        """Stock by product with months of stock, lots expiring soon, on hold or unusable, shipments."""
        soh = await self.stock_on_hand(facility_code)
        facility = await self._readable(facility_code, field="facility")
        outflow = await self.repo.outflows(facility.id, self.today - timedelta(days=consumption_days))
        names = {p.code: p.name for p in await self.catalog.repo.products()}
        soon = self.today + timedelta(days=expiring_within_days)
        shipments = await self.shipments(facility_code, "in_transit")
        awaiting = [sh for sh in shipments if sh.to_facility == facility.code]
        # a product run out still shows (0 doses, 0 months): it was used lately or is on its way
        totals = {t.product: t for t in soh.totals}
        coming = {line.product for sh in awaiting for line in sh.lines}
        overview = []
        for code in sorted(set(totals) | {c for c, d in outflow.items() if d > 0} | coming):
            t = totals.get(code, s.ProductTotal(code, 0, 0, 0))
            used = outflow.get(code, 0)
            months = round(t.usable_doses * consumption_days / (used * 30), 1) if used > 0 else None
            overview.append(
                s.ProductOverview(
                    code,
                    names.get(code, code),
                    t.doses,
                    t.usable_doses,
                    t.vials,
                    round(used * 30 / consumption_days),
                    months,
                )
            )
        return s.Dashboard(
            facility=facility.code,
            facility_name=facility.name,
            as_of=self.today,
            products=overview,
            expiring=[r for r in soh.rows if r.usable and r.expires_on <= soon],
            on_hold=[r for r in soh.rows if r.on_hold],
            unusable=[r for r in soh.rows if not r.usable and not r.on_hold],
            awaiting=awaiting,
            sent=[sh for sh in shipments if sh.from_facility == facility.code],
        )

    async def in_transit(self, facility_code: str) -> list[s.InTransitRow]:
        facility = await self._readable(facility_code, field="facility")
        return [
            s.InTransitRow(
                sh.id, origin, dest, sh.dispatched_on, code, lot.lot_number, lot.expires_on, line.doses_sent
            )
            for sh, line, lot, code, origin, dest in await self.repo.in_transit(facility.id)
        ]

    async def stock_card(
        self, facility_code: str, product_code: str, lot_number: str, date_from: date, date_to: date
    ) -> s.StockCard:
        """The stock card (thẻ kho) of one lot at one facility over a period."""
        if date_to < date_from:
            raise ValidationFailed("date_to is before date_from", field="date_to")
        facility = await self._readable(facility_code, field="facility")
        product = await self.catalog.product(product_code, field="product")
        lot = await self._lot(product, lot_number, field="lot_number")
        balance = opening = await self.repo.card_opening(facility.id, lot.id, date_from)
        rows = await self.repo.card_movements(facility.id, lot.id, date_from, date_to)
        codes = await self.repo.facility_codes({d.counterparty_id for _, _, d in rows if d.counterparty_id})
        lines: list[s.StockCardLine] = []
        received = issued = 0
        for m, loc, doc in rows:
            balance += m.doses
            if m.kind != "transfer":  # between the facility's own fridges: neither received nor issued
                received += max(m.doses, 0)
                issued += max(-m.doses, 0)
            lines.append(
                s.StockCardLine(
                    m.occurred_on,
                    doc.id,
                    m.kind,
                    loc,
                    codes.get(doc.counterparty_id) if doc.counterparty_id else None,
                    m.reason_code,
                    max(m.doses, 0),
                    max(-m.doses, 0),
                    balance,
                    m.recorded_by,
                )
            )
        return s.StockCard(
            facility.code,
            product.code,
            lot.lot_number,
            lot.expires_on,
            date_from,
            date_to,
            opening,
            lines,
            received,
            issued,
            balance,
        )

    async def verify(self) -> s.VerifyReport:
        """Prove balance == sum of movements for every (location, lot), and transit == shipments in transit."""
        self.principal.require_role("admin", action="verify the ledger")
        checked, bad = await self.repo.ledger_mismatches()
        transit = await self.repo.transit_mismatches()
        return s.VerifyReport(
            ok=not bad and not transit,
            pairs_checked=checked,
            mismatches=[s.VerifyMismatch(loc, lot, b, ledger) for loc, lot, b, ledger in bad],
            transit_mismatches=[
                f"facility {f} lot {lot}: transit balance {h}, shipments {sent}"
                for f, lot, h, sent in transit
            ],
        )
