"""Alert thresholds as people set them: the stored overrides, and who may set which (administrators the
defaults; a store keeper for its own facility and those it supplies). AlertService inherits these."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inventory.alerts import domain
from inventory.alerts.models import AlertSetting
from inventory.alerts.repository import AlertRepository
from inventory.auth import Forbidden, Principal
from inventory.errors import UnknownReference, ValidationFailed
from inventory.timeutil import utcnow


class AlertSettings:
    session: AsyncSession
    principal: Principal
    repo: AlertRepository

    async def overrides(self) -> list[dict[str, Any]]:
        return [
            {
                "name": s.name,
                "value": json.loads(s.value),
                "facility": s.facility_code or None,
                "product": s.product_code or None,
                "updated_by": s.updated_by,
            }
            for s in await self.repo.alert_settings()
        ]

    # ---- thresholds, set by whom the forecast parameters allow ------------------------------------------------

    async def set_threshold(
        self, *, name: str, value: Any, facility: str | None, product: str | None
    ) -> None:
        """Admins set defaults for everyone; a store keeper for its own facility and those it supplies; the
        reserve share and lead time are forecast settings (set there)."""
        if name in domain.FORECAST_NAMES:
            raise ValidationFailed(
                message="error.alerts.forecast_setting", params={"name": name}, field="name"
            )
        value = domain.check_threshold(name, value)
        if name in domain.FACILITY_ONLY and product:
            raise ValidationFailed(
                message="error.alerts.facility_only", params={"name": name}, field="product"
            )
        await self._may_set(facility, product)
        row = await self.repo.alert_setting(facility or "", product or "", name)
        stored = json.dumps(list(value) if isinstance(value, tuple) else value)
        if row is None:
            row = AlertSetting(
                facility_code=facility or "",
                product_code=product or "",
                name=name,
                value=stored,
                updated_at=utcnow(),
                updated_by=self.principal.username,
            )
            self.session.add(row)
        else:
            row.value, row.updated_at, row.updated_by = stored, utcnow(), self.principal.username
        await self.session.flush()

    async def _may_set(self, facility: str | None, product: str | None) -> None:
        self.principal.require_role("admin", "store_keeper", action="change_alert_settings")
        if product and product not in {c for _, c in await self.repo.products()}:
            raise UnknownReference(
                message="error.alerts.unknown_product", params={"product": product}, field="product"
            )
        if not facility:
            if not self.principal.is_admin:
                raise Forbidden(message="error.alerts.defaults_admin", field="facility")
            return
        ids = await self.repo.facility_ids([facility])
        if facility not in ids:
            raise UnknownReference(
                message="error.alerts.unknown_facility", params={"facility": facility}, field="facility"
            )
        if not self.principal.can_read(ids[facility]):
            raise Forbidden(message="error.alerts.not_yours", params={"facility": facility}, field="facility")
