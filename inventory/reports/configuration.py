"""The report settings (problem thresholds, zero-dose ages, the reporting calendar's days): read by everyone
who reads reports, changed by administrators only, all the values of one change or none."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.errors import ValidationFailed
from inventory.i18n import DEFAULT_LANGUAGE, translate
from inventory.reports import domain, repository
from inventory.timeutil import utcnow


class SettingsRefused(ValidationFailed):
    """Some values of a change are impossible: each is named with its reason; nothing was saved."""

    def __init__(self, problems: list[tuple[str, str, dict[str, Any]]]) -> None:
        field, message, params = problems[0]
        super().__init__(message=message, params=params, field=field)
        self.problems = problems

    def texts(self, lang: str) -> dict[str, str]:
        """The reason for each refused field, in the language."""
        return {field: translate(message, lang, params) for field, message, params in self.problems}

    def to_problem(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        body = super().to_problem(lang)
        body["errors"] = [
            {"field": field, "detail": translate(message, lang, params), "message": message}
            for field, message, params in self.problems
        ]
        return body


class ReportSettingsService:
    """Read and change the report settings."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    async def values(self) -> dict[str, int]:
        """Every setting: its stored value, else its default."""
        values = dict(domain.DEFAULT_SETTINGS)
        for row in await repository.stored_settings(self.session):
            if row.name in values:
                values[row.name] = json.loads(row.value)
        return values

    async def rows(self) -> list[dict[str, Any]]:
        """Every setting with its value, its default, and who changed it last and when (if anyone did)."""
        stored = {row.name: row for row in await repository.stored_settings(self.session)}
        out = []
        for name, default in domain.DEFAULT_SETTINGS.items():
            row = stored.get(name)
            out.append(
                {
                    "name": name,
                    "value": json.loads(row.value) if row else default,
                    "default": default,
                    "changed": row is not None,
                    "updated_at": row.updated_at if row else None,
                    "updated_by": row.updated_by if row else None,
                }
            )
        return out

    async def change(self, changes: Mapping[str, Any]) -> dict[str, int]:
        """Set the named settings (None: back to the default). Administrators only. Every value is checked
        first; one impossible value refuses the whole change, naming each bad field. A value equal to the
        one in force changes nothing (so sending the same change again is harmless)."""
        if self.principal.role != "admin":
            raise Forbidden(
                message="error.reports.settings_forbidden", params={"user": self.principal.username}
            )
        problems: list[tuple[str, str, dict[str, Any]]] = []
        checked: dict[str, int | None] = {}
        for name, value in changes.items():
            if value is None:
                if name not in domain.DEFAULT_SETTINGS:
                    problems.append((name, "error.reports.setting_unknown", {"name": name, "value": ""}))
                checked[name] = None
                continue
            try:
                checked[name] = domain.check_setting(name, value)
            except ValueError as exc:
                shown = value if isinstance(value, int | float | str) else json.dumps(value, default=str)
                problems.append((name, f"error.reports.setting_{exc}", {"name": name, "value": shown}))
        if problems:
            raise SettingsRefused(problems)
        stored = {row.name: json.loads(row.value) for row in await repository.stored_settings(self.session)}
        now: datetime = utcnow()
        for name, value in checked.items():
            before = stored.get(name)
            if value is None:
                if before is None:
                    continue
                await repository.drop_setting(self.session, name)
            else:
                if before == value or (before is None and value == domain.DEFAULT_SETTINGS[name]):
                    continue
                await repository.store_setting(self.session, name, value, at=now, by=self.principal.username)
            record(
                self.session,
                self.principal,
                "report.setting",
                entity=f"report_setting:{name}",
                changes={
                    "name": name,
                    "from": domain.DEFAULT_SETTINGS[name] if before is None else before,
                    "to": domain.DEFAULT_SETTINGS[name] if value is None else value,
                },
            )
        return await self.values()
