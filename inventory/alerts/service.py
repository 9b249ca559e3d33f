"""Alerts: evaluate every rule for the whole supply chain, keep one alert per condition, read and acknowledge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.alerts import domain, duties, rules
from inventory.alerts.duties_sql import DutyRepository
from inventory.alerts.models import Alert, AlertEvaluation
from inventory.alerts.reads import render
from inventory.alerts.repository import AlertRepository
from inventory.alerts.schemas import AlertPage, AlertRead, EvaluationRead
from inventory.alerts.setting import AlertSettings
from inventory.alerts.thresholds import frames as threshold_frames
from inventory.auth import Forbidden, Principal
from inventory.db import in_write_transaction
from inventory.errors import Conflict, NotFound, UnknownReference, ValidationFailed
from inventory.timeutil import to_vietnam, today_vn, utcnow, vietnam_day

STATES = ("open", "unacknowledged", "resolved", "all")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Filters:
    facility: str | None = None
    kind: str | None = None
    severity: str | None = None
    state: str = "open"
    page: int = 1
    per_page: int = 50


class AlertService(AlertSettings):
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        today: date | None = None,
        now: time | None = None,
    ) -> None:
        self.session = session
        self.principal = principal
        self.today = today or today_vn()
        self.now = now or to_vietnam(utcnow()).time()
        """The local time of day: today's twice-daily readings are due from their hours."""
        self.repo = AlertRepository(session)
        self.duties = DutyRepository(session)

    # ---- thresholds ----------------------------------------------------------------------------------------

    async def thresholds(self) -> domain.ThresholdTable:
        """The defaults with every stored override (alert settings; reserve and lead time from the forecast)."""
        defaults: dict[str, Any] = {}
        by_product: dict[str, dict[str, Any]] = {}
        by_facility: dict[str, dict[str, Any]] = {}
        by_pair: dict[tuple[str, str], dict[str, Any]] = {}
        for facility, product, name, value in await self.repo.overrides():
            if value is None:
                continue
            value = domain.check_threshold(name, value)
            if facility and product:
                by_pair.setdefault((facility, product), {})[name] = value
            elif facility:
                by_facility.setdefault(facility, {})[name] = value
            elif product:
                by_product.setdefault(product, {})[name] = value
            else:
                defaults[name] = value
        return domain.ThresholdTable(
            defaults=domain.Thresholds(**defaults),
            by_product=by_product,
            by_facility=by_facility,
            by_facility_product=by_pair,
        )

    async def conditions(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Every condition today (and the stock lines behind the level kinds), read in a fixed number of
        queries whatever the number of facilities; thresholds and rules set-based in polars."""
        facilities = await self.repo.facilities()
        line_t, facility_t, duty_t = threshold_frames(
            await self.thresholds(), facilities, await self.repo.products()
        )
        longest_discrepancy = int(facility_t["discrepancy_days"].max() or 0) if facility_t.height else 0
        longest_reading = int(duty_t["reading_days"].max() or 1) if duty_t.height else 1
        longest_report = int(duty_t["report_months"].max() or 0) if duty_t.height else 0
        counts = await self.repo.counts()
        excursions, held = await self.duties.excursions()
        found, lines = rules.conditions(
            today=self.today,
            facilities=facilities,
            stock=await self.repo.stock(),
            outflow=await self.repo.outflow(self.today, line_t["consumption_days"].unique().to_list()),
            transit=await self.repo.transit(),
            open_shipments=await self.repo.open_shipments(),
            received=await self.repo.received_shipments(self.today - timedelta(days=longest_discrepancy)),
            counts=counts,
            holds=await self.repo.holds(),
            line_thresholds=line_t,
            facility_thresholds=facility_t,
            held_by_excursion=held,
        )
        periods = [label for label, _ in duties.report_periods(self.today, longest_report)]
        owed = duties.conditions(
            today=self.today,
            now=self.now,
            facilities=facilities,
            counts=counts,
            equipment=await self.duties.equipment(),
            readings=await self.duties.readings(self.today - timedelta(days=longest_reading - 1)),
            excursions=excursions,
            submissions=await self.duties.submissions(periods),
            deadlines=await self.duties.deadlines(),
            thresholds=duty_t,
        ).with_columns(
            pl.col("severity")
            .replace_strict(domain.SEVERITY_RANK, return_dtype=pl.Int64)
            .alias("severity_rank")
        )
        return pl.concat([found, owed]), lines

    async def evaluate(self) -> EvaluationRead:
        """Open an alert for each new condition, update one whose numbers changed, resolve one whose condition
        ended; one evaluation at a time (PostgreSQL: an advisory lock; SQLite: one writer)."""
        await self.repo.lock_evaluation()
        found, _lines = await self.conditions()
        now = utcnow()
        existing = await self.repo.open_alerts()
        known = pl.DataFrame(
            [(k, i, s, n) for k, (i, s, n, _d) in existing.items()],
            schema={"key": pl.String, "id": pl.Int64, "old_severity": pl.String, "old_numbers": pl.String},
            orient="row",
        )
        found = found.unique("key", keep="first", maintain_order=True)
        new = found.join(known, on="key", how="anti").with_columns(pl.col("since").fill_null(self.today))
        changed = found.join(known, on="key", how="inner").filter(
            (pl.col("numbers") != pl.col("old_numbers")) | (pl.col("severity") != pl.col("old_severity"))
        )
        gone = known.join(found.select("key"), on="key", how="anti")["id"].to_list()
        await self.repo.insert_alerts(
            [
                {**row, "opened_at": now, "updated_at": now}
                for row in new.select(
                    "key",
                    "kind",
                    "facility_id",
                    "product_id",
                    "lot_id",
                    "location_id",
                    "shipment_id",
                    "severity",
                    "severity_rank",
                    "since",
                    "numbers",
                ).to_dicts()
            ]
        )
        await self.repo.update_alerts(
            [
                {**row, "updated_at": now}
                for row in changed.select("id", "severity", "severity_rank", "numbers").to_dicts()
            ]
        )
        await self.repo.resolve_alerts(gone, now)
        result = EvaluationRead(self.today, new.height, changed.height, len(gone), found.height)
        self.repo.record_evaluation(
            AlertEvaluation(
                evaluated_at=now,
                evaluated_on=self.today,
                opened=new.height,
                updated=changed.height,
                resolved=len(gone),
                still_open=found.height,
            )
        )
        await self.session.flush()
        return result

    async def refresh(self, max_age_seconds: float) -> EvaluationRead | None:
        """Evaluate when the last evaluation is older than max_age_seconds (or was for another day)."""
        if not await self.due_for_evaluation(max_age_seconds):
            return None
        return await self.evaluate()

    async def due_for_evaluation(self, max_age_seconds: float) -> bool:
        last = await self.repo.last_evaluation()
        fresh = last is not None and (utcnow() - last).total_seconds() <= max_age_seconds
        return not (fresh and last is not None and vietnam_day(last) == self.today)

    async def refresh_for_reader(self, max_age_seconds: float) -> None:
        """`refresh` for a read request (a GET): an evaluation that is due runs in a write transaction of its
        own, committed before the reads that follow (on SQLite a read transaction cannot safely become a
        write one: inventory/db.py); it checks again under the lock, so concurrent readers evaluate once."""
        if await self.due_for_evaluation(max_age_seconds):
            await in_write_transaction(self.session, lambda: self.refresh(max_age_seconds))

    # ---- reading -------------------------------------------------------------------------------------------

    async def _facility_ids(self, code: str | None) -> list[int] | None:
        if not code:
            return None
        ids = await self.repo.facility_ids([code])
        if code not in ids:
            raise UnknownReference(
                message="error.alerts.unknown_facility", params={"facility": code}, field="facility"
            )
        self.principal.require_read(ids[code], code, field="facility")
        return [ids[code]]

    async def list(self, filters: Filters, lang: str) -> AlertPage:
        if filters.kind and filters.kind not in domain.KINDS:
            raise ValidationFailed(message="error.alerts.kind", params={"kind": filters.kind}, field="kind")
        if filters.severity and filters.severity not in domain.SEVERITY_RANK:
            raise ValidationFailed(
                message="error.alerts.severity", params={"severity": filters.severity}, field="severity"
            )
        if filters.state not in STATES:
            raise ValidationFailed(
                message="error.alerts.state", params={"state": filters.state}, field="state"
            )
        if filters.page < 1:
            raise ValidationFailed(message="error.alerts.page", field="page")
        if not 1 <= filters.per_page <= MAX_PER_PAGE:
            raise ValidationFailed(
                message="error.alerts.per_page", params={"most": MAX_PER_PAGE}, field="per_page"
            )
        rows, total = await self.repo.list_alerts(
            offset=(filters.page - 1) * filters.per_page,
            limit=filters.per_page,
            readable=self.principal.readable,
            facility_ids=await self._facility_ids(filters.facility),
            kind=filters.kind,
            severity=filters.severity,
            state=filters.state,
        )
        return AlertPage(
            items=[render(a, code, name, lang) for a, code, name in rows],
            total=total,
            page=filters.page,
            per_page=filters.per_page,
        )

    async def count_open(self) -> int:
        return await self.repo.count_open(self.principal.readable)

    async def facility_choices(self) -> list[tuple[str, str]]:
        """(code, name) of every current facility the reader may see, for the page's filter."""
        ids = {
            i for i in (await self.repo.facilities())["facility_id"].to_list() if self.principal.can_read(i)
        }
        return sorted((code, name) for code, name, _ in (await self.repo.facility_names(ids)).values())

    async def across(self, root: str | None) -> list[AcrossRow]:
        """Open alerts per facility × kind for a store and every facility it supplies (default: the reader's
        facility, or everything), the store first and then its communes by code."""
        facilities = (await self.repo.facilities()).to_dicts()
        by_code = {f["facility_code"]: f for f in facilities}
        start = root or self.principal.facility_code
        if start:
            if start not in by_code:
                raise UnknownReference(
                    message="error.alerts.unknown_facility", params={"facility": start}, field="facility"
                )
            children: dict[int | None, list[int]] = {}
            for f in facilities:
                children.setdefault(f["supplier_id"], []).append(f["facility_id"])
            tree, todo = {by_code[start]["facility_id"]}, [by_code[start]["facility_id"]]
            while todo:
                for child in children.get(todo.pop(), []):
                    if child not in tree:
                        tree.add(child)
                        todo.append(child)
        else:
            tree = {f["facility_id"] for f in facilities}
        visible = {i for i in tree if self.principal.can_read(i)}
        counts = await self.repo.open_counts(visible)
        names = await self.repo.facility_names(visible)
        rows = []
        for facility_id in sorted(
            visible, key=lambda i: (names[i][2] != "district", names[i][2] != "province", names[i][0])
        ):
            mine = counts.get(facility_id, {})
            worst = min((rank for _, rank in mine.values()), default=None)
            rows.append(
                AcrossRow(
                    facility=names[facility_id][0],
                    name=names[facility_id][1],
                    level=names[facility_id][2],
                    counts={k: n for k, (n, _) in mine.items()},
                    worst={1: "critical", 2: "warning", 3: "info"}.get(worst) if worst else None,
                )
            )
        return rows

    async def levels(self, facility_code: str) -> dict[str, str]:
        """product code -> open stock-level kind at a facility the reader may see (dashboard colours)."""
        ids = await self.repo.facility_ids([facility_code])
        if facility_code not in ids or not self.principal.can_read(ids[facility_code]):
            return {}
        return await self.repo.open_levels(ids[facility_code])

    # ---- acknowledging -------------------------------------------------------------------------------------

    async def acknowledge(self, alert_id: int, note: str, lang: str) -> AlertRead:
        """Who, when and a note; the same acknowledgement again is answered as it stands (safe to retry), a
        different one is refused; a viewer acknowledges nothing."""
        if self.principal.role == "viewer":
            raise Forbidden(message="error.alerts.viewer", field="alert_id")
        alert = await self.repo.alert(alert_id, for_update=True)
        if alert is None or not self.principal.can_read(alert.facility_id):
            raise NotFound(message="error.alerts.not_found", params={"id": alert_id}, field="alert_id")
        note = note.strip()
        if alert.acknowledged_at is not None:
            if (
                alert.acknowledged_by == self.principal.username
                and (alert.acknowledgement_note or "") == note
            ):
                return await self._read(alert, lang)
            raise Conflict(
                message="error.alerts.acknowledged",
                params={"by": alert.acknowledged_by or "", "at": alert.acknowledged_at},
                field="alert_id",
            )
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by = self.principal.username
        alert.acknowledgement_note = note or None
        await self.session.flush()
        return await self._read(alert, lang)

    async def _read(self, alert: Alert, lang: str) -> AlertRead:
        code, name = await self.repo.facility_name(alert.facility_id)
        return render(alert, code, name, lang)


@dataclass(frozen=True)
class AcrossRow:
    facility: str
    name: str
    level: str
    counts: dict[str, int]
    worst: str | None
