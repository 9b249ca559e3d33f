"""The backlog and due list pages show a page of their list under sums over all of it, so they stay light
whatever the size of the register; the whole due list is still there to print and to download."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.demo.people import store_synthetic_register
from inventory.settings import Settings
from inventory.timeutil import today_vn
from inventory.web.register_pages import DUE_PAGE
from tests.integration.test_auth import sign_in
from tests.integration.test_register import imported  # noqa: F401  (the fixture)

pytestmark = pytest.mark.anyio
TODAY = today_vn()
MU_CA = "03451"
MAX_BYTES = 100 * 1024


async def load_synthetic_register(settings: Settings, births_per_year: int) -> None:
    """forecasting's synthetic Mường Tè register (five cohorts), stored as an import would store it."""
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            await store_synthetic_register(session, TODAY, births_per_year, "test register (synthetic)")
    finally:
        await engine.dispose()


def due_children(html: str) -> list[str]:
    return re.findall(r'<tr data-child="([^"]+)">', html)


def next_link(html: str, path: str) -> str | None:
    links = re.findall(rf'<a href="({re.escape(path)}\?[^"]+)" rel="next"', unescape(html))
    return links[0] if links else None


async def test_the_pages_weigh_the_same_on_a_register_eight_times_larger(settings: Settings) -> None:
    sizes: list[dict[str, int]] = []
    totals: list[int] = []
    for births in (300, 2400):
        await load_synthetic_register(settings, births)
        async with AsyncTestClient(app=create_app(settings)) as client:
            await sign_in(client, "keeper")
            due = await client.get(f"/communes/{MU_CA}/due-list")
            backlog = await client.get("/backlog")
            printed = await client.get(f"/communes/{MU_CA}/due-list/print")
        assert due.status_code == backlog.status_code == printed.status_code == 200
        assert len(due_children(due.text)) == DUE_PAGE
        totals.append(len(due_children(printed.text)))
        sizes.append({"due list": len(due.content), "backlog": len(backlog.content)})
    assert totals[0] > DUE_PAGE and totals[1] > 4 * totals[0]  # the register grew eightfold, the list too
    for page, small in sizes[0].items():
        large = sizes[1][page]
        assert large <= MAX_BYTES, f"{page}: {large} bytes"
        assert large < small * 1.1, f"{page}: {small} bytes, then {large} on eight times the children"


@pytest.mark.usefixtures("imported")
async def test_the_due_list_page_pages_children_and_sums_every_dose(settings: Settings) -> None:
    path = f"/communes/{MU_CA}/due-list"
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        whole = unescape((await client.get(path, params={"session_on": TODAY.isoformat()})).text)
        everyone = due_children(whole)
        assert len(everyone) >= 2 and next_link(whole, path) is None
        seen: list[str] = []
        link: str | None = f"{path}?session_on={TODAY.isoformat()}&limit=1"
        while link:
            query = parse_qs(urlsplit(link).query)
            assert query["session_on"] == [TODAY.isoformat()] and query["limit"] == ["1"]
            html = unescape((await client.get(link)).text)
            seen += due_children(html)
            # the sums are over the whole list on every page: the same table whatever the page
            assert (
                html[html.index('id="due-totals"') :].split("</table>")[0]
                == (whole[whole.index('id="due-totals"') :].split("</table>")[0])
            )
            link = next_link(html, path)
        assert seen == everyone
        last = unescape((await client.get(f"{path}?limit=1&offset={len(everyone) - 1}")).text)
        assert 'rel="prev"' in last and 'rel="next"' not in last
        too_many = await client.get(f"{path}?limit=101")
        assert too_many.status_code in (400, 422)


@pytest.mark.usefixtures("imported")
async def test_the_whole_due_list_prints_and_downloads_as_csv(settings: Settings) -> None:
    path = f"/communes/{MU_CA}/due-list"
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        paged = unescape((await client.get(f"{path}?limit=1")).text)
        assert f'href="{path}/print?session_on={TODAY.isoformat()}"' in paged
        printed = await client.get(f"{path}/print")
        assert printed.status_code == 200 and 'rel="next"' not in printed.text
        children = due_children(printed.text)
        assert len(children) >= 2 and "window.print()" in printed.text
        download = await client.get(f"{path}.csv")
        assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
        assert download.text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
        assert rows[0][:3] == ["Mã trẻ", "Họ tên", "Giới"]  # headers in the user's language (vi)
        assert [row[0] for row in rows[1:]] == children
        b2 = next(row for row in rows if row[0] == "B2")
        assert b2[2] == "Nữ" and "PENTA (DTP1)" in b2[7]


@pytest.mark.usefixtures("imported")
async def test_the_backlog_page_pages_communes_under_the_sums_of_all(settings: Settings, api) -> None:  # type: ignore[no-untyped-def]
    whole = await api.read("/backlog", limit=500)
    communes = sorted({row["commune_code"] for row in whole["rows"]})
    needed = sum(row["doses_needed"] for row in whole["rows"])
    assert len(communes) >= 2
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        seen: list[str] = []
        link: str | None = "/backlog?limit=1"
        while link:
            html = unescape((await client.get(link)).text)
            seen += re.findall(r'<table class="backlog" data-commune="([^"]+)"', html)
            assert f"{needed:,}".replace(",", ".") in html  # the doses needed over every commune
            link = next_link(html, "/backlog")
        assert seen == communes


@pytest.mark.usefixtures("imported")
async def test_the_backlog_api_pages_its_rows_in_one_stable_order(api) -> None:  # type: ignore[no-untyped-def]
    whole = await api.read("/backlog", limit=500)
    assert whole["total"] == len(whole["rows"]) >= 3
    page = await api.read("/backlog", limit=2)
    rows = list(page["rows"])
    while page["next"]:
        assert parse_qs(urlsplit(page["next"]).query)["limit"] == ["2"]
        page = (await api.client.get(page["next"], headers=api.auth)).json()
        assert page["total"] == whole["total"]
        rows += page["rows"]
    assert rows == whole["rows"]
    keys = [(r["commune_code"], r["antigen"], r["dose_number"]) for r in rows]
    assert keys == sorted(keys)
