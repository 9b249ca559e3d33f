"""Pages for the catch-up backlog, its charts, and the due list of a vaccination day."""

from __future__ import annotations

from datetime import date
from typing import Any

import anyio.to_thread
import polars as pl
from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from forecasting import charts
from inventory.register.reads import REGISTER
from inventory.register.service import RegisterService
from inventory.timeutil import today_vn
from inventory.web.caching import NO_COMPRESSION, cached_image
from inventory.web.pages import Page, provide_page


class RegisterPages(Controller):
    dependencies = {"page": Provide(provide_page)}

    @get("/backlog", operation_id="BacklogPage", include_in_schema=False)
    async def backlog(self, page: NamedDependency[Page], as_of: FromQuery[date | None] = None) -> Template:
        day = as_of or today_vn()
        result = await RegisterService(
            page.session, page.principal, settings=page.settings, cache=page.cache
        ).backlog(day)
        by_commune: dict[str, dict[str, Any]] = {}
        for row in result.rows:
            entry = by_commune.setdefault(
                row.commune_code, {"name": row.commune, "rows": [], "needed": 0, "zero": 0}
            )
            entry["rows"].append(row)
            entry["needed"] += row.doses_needed
        return await page.render("backlog.html", backlog=result, communes=by_commune, as_of=day)

    @get(
        "/backlog/chart/{commune:str}",
        operation_id="BacklogChart",
        include_in_schema=False,
        opt=NO_COMPRESSION,
    )
    async def chart(
        self, page: NamedDependency[Page], commune: FromPath[str], as_of: FromQuery[date | None] = None
    ) -> Response[bytes]:
        day = as_of or today_vn()
        register = RegisterService(page.session, page.principal, settings=page.settings, cache=page.cache)

        async def render() -> bytes:
            frame = await register.backlog_frame(day)
            rows = frame.filter(pl.col("commune_code") == commune).select(charts.COMMUNE_BACKLOG.names())
            station = (await register.communes()).get(commune)
            name = f"{station.name} ({commune})" if station else f"xã {commune}"
            title = f"Tồn đọng tiêm chủng — {name} — {day:%d/%m/%Y}"
            return await anyio.to_thread.run_sync(
                lambda: charts.figure_to_png(charts.commune_backlog_figure(rows, title=title))
            )

        key = register.cache_key("backlog.chart", commune, day)
        return await cached_image(page.request, page.cache, page.session, key, render, topic=REGISTER)

    @get("/communes/{commune:str}/due-list", operation_id="DueListPage", include_in_schema=False)
    async def due_list(
        self, page: NamedDependency[Page], commune: FromPath[str], session_on: FromQuery[date | None] = None
    ) -> Template:
        day = session_on or today_vn()
        service = RegisterService(page.session, page.principal, settings=page.settings, cache=page.cache)
        due = await service.due_list(commune, day)
        plan = await service.session_plan(commune, day)
        children: dict[str, dict[str, Any]] = {}
        for c in due.children:
            entry = children.setdefault(c.child_id, {"child": c, "doses": []})
            entry["doses"].append(c)
        return await page.render("due_list.html", due=due, plan=plan, children=list(children.values()))
