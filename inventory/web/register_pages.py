"""Pages for the catch-up backlog, its charts, and the due list of a vaccination day.

Both pages show a bounded part of their list (a page of communes, a page of children, in a stable order)
under sums taken over the whole list, so they stay light whatever the size of the register; the due list
comes whole in a print view and as a CSV file for the vaccination day.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated

import anyio.to_thread
import polars as pl
from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from forecasting import charts
from inventory.i18n import translate
from inventory.paging import Window
from inventory.register import schemas as r
from inventory.register.reads import REGISTER
from inventory.register.service import RegisterService
from inventory.timeutil import today_vn
from inventory.web.caching import NO_COMPRESSION, cached_image
from inventory.web.pages import Page, provide_page
from inventory.web.paging import PageOffset, Pager

BACKLOG_PAGE, BACKLOG_MAX = 10, 20
"""Communes on a page of the backlog (each a chart and a table of about 25 rows), by default and at most."""
DUE_PAGE, DUE_MAX = 50, 100
"""Children on a page of a due list, by default and at most (the print view and the CSV file hold all)."""
BacklogLimit = Annotated[int, QueryParameter(ge=1, le=BACKLOG_MAX)]
DueLimit = Annotated[int, QueryParameter(ge=1, le=DUE_MAX)]


def register_of(page: Page) -> RegisterService:
    return RegisterService(page.session, page.principal, settings=page.settings, cache=page.cache)


def due_list_csv(groups: r.DueGroups, lang: str) -> str:
    """The whole due list, a child a row as on the printed list (with a byte-order mark, for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out)
    keys = ("child", "name", "sex", "birth_date", "carer", "village", "phone")
    writer.writerow(
        [translate(f"field.{k}", lang) for k in keys]
        + [translate("backlog.doses_to_give", lang), translate("due.overdue_doses", lang)]
    )
    for g in groups.children:
        c = g.child
        writer.writerow(
            [
                c.child_id,
                c.name or "",
                translate(f"sex.{c.sex}", lang),
                f"{c.birth_date:%d/%m/%Y}",
                c.carer or "",
                c.village or "",
                c.phone or "",
                "; ".join(f"{d.product} ({d.antigen}{d.dose_number})" for d in g.doses),
                "; ".join(
                    f"{d.product} ({d.antigen}{d.dose_number})" for d in g.doses if d.state == "overdue"
                ),
            ]
        )
    return "\ufeff" + out.getvalue()


class RegisterPages(Controller):
    dependencies = {"page": Provide(provide_page)}

    @get("/backlog", operation_id="BacklogPage", include_in_schema=False)
    async def backlog(
        self,
        page: NamedDependency[Page],
        as_of: FromQuery[date | None] = None,
        limit: BacklogLimit = BACKLOG_PAGE,
        offset: PageOffset = 0,
    ) -> Template:
        day = as_of or today_vn()
        overview = await register_of(page).backlog_overview(day)
        window = Window(limit, offset)
        paging = Pager("/backlog", window, len(overview.communes), {"as_of": as_of}, BACKLOG_PAGE)
        return await page.render(
            "backlog.html",
            backlog=overview,
            communes=window.slice(overview.communes),
            as_of=day,
            paging=paging,
        )

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
        register = register_of(page)

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
        self,
        page: NamedDependency[Page],
        commune: FromPath[str],
        session_on: FromQuery[date | None] = None,
        limit: DueLimit = DUE_PAGE,
        offset: PageOffset = 0,
    ) -> Template:
        day = session_on or today_vn()
        register = register_of(page)
        groups = await register.due_groups(commune, day)
        plan = await register.session_plan(commune, day)
        window = Window(limit, offset)
        path = f"/communes/{commune}/due-list"
        paging = Pager(path, window, len(groups.children), {"session_on": session_on}, DUE_PAGE)
        return await page.render(
            "due_list.html", due=groups, plan=plan, children=window.slice(groups.children), paging=paging
        )

    @get("/communes/{commune:str}/due-list/print", operation_id="DueListPrint", include_in_schema=False)
    async def due_list_print(
        self, page: NamedDependency[Page], commune: FromPath[str], session_on: FromQuery[date | None] = None
    ) -> Template:
        """The whole due list on one page, to print for the vaccination day."""
        day = session_on or today_vn()
        register = register_of(page)
        groups = await register.due_groups(commune, day)
        plan = await register.session_plan(commune, day)
        return await page.render(
            "due_list.html", due=groups, plan=plan, children=groups.children, paging=None, printing=True
        )

    @get("/communes/{commune:str}/due-list.csv", operation_id="DueListCSV", include_in_schema=False)
    async def due_list_csv(
        self, page: NamedDependency[Page], commune: FromPath[str], session_on: FromQuery[date | None] = None
    ) -> Response[str]:
        day = session_on or today_vn()
        groups = await register_of(page).due_groups(commune, day)
        name = f"vaxstock-due-list-{commune}-{day.isoformat()}.csv"
        return Response(
            due_list_csv(groups, page.lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
