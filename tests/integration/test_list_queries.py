"""Every list read (API lists and list pages) costs a fixed number of queries, whatever its length.

One database for the module: the reads are measured on a small ledger and register, then again after every
list has grown (documents, shipments, lots, stock rows, audit events, alerts, excursions, children, users);
each read's test fails when it sent more statements on the larger data than on the smaller.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from inventory.alerts.service import AlertService
from inventory.app import create_app
from inventory.auth import Principal
from inventory.cli import main
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from inventory.timeutil import today_vn
from inventory.users.service import UserService
from tests.conftest import ON_POSTGRES, TEMPLATE_DB, _pg_admin, _pg_url, _verify, run_sync
from tests.integration.conftest import Api
from tests.integration.ledger_samples import COMMUNE, DISTRICT, lot, receipt
from tests.integration.test_auth import sign_in

TODAY = today_vn()
HEADER = "child_id,name,sex,birth_date,commune_code,antigen,dose_number,given_on,place"

API_READS = {  # name: (user, path, query)
    "api documents": ("admin", f"/facilities/{DISTRICT}/documents", {}),
    "api shipments": ("admin", "/shipments", {"facility": DISTRICT}),
    "api lots": ("admin", "/lots", {}),
    "api lots of a store keeper": ("keeper", "/lots", {}),
    "api stock": ("keeper", f"/facilities/{DISTRICT}/stock", {}),
    "api in transit": ("keeper", f"/facilities/{DISTRICT}/in-transit", {}),
    "api audit events": ("admin", "/audit-events", {}),
    "api alerts": ("keeper", "/alerts", {}),
    "api backlog": ("keeper", "/backlog", {}),
    "api due list": ("keeper", "/communes/03451/due-list", {"session_on": TODAY.isoformat()}),
    "api excursions": ("keeper", "/excursions", {"facility": DISTRICT}),
    "api users": ("admin", "/users", {}),
}
PAGE_READS = {  # name: (user, path, query)
    "dashboard": ("keeper", "/", {}),
    "stock page": ("keeper", "/stock", {}),
    "lots page": ("keeper", "/lots", {}),
    "documents page": ("keeper", "/documents", {}),
    "confirm list": ("commune", "/confirm", {}),
    "receive page": ("keeper", "/receive", {}),
    "stock card page": ("keeper", "/stock-card", {}),
    "audit page": ("admin", "/audit", {}),
    "backlog page": ("keeper", "/backlog", {}),
    "due list page": ("keeper", "/communes/03451/due-list", {}),
    "alerts page": ("keeper", "/alerts", {}),
    "cold chain page": ("keeper", "/coldchain", {}),
    "reports page": ("keeper", "/reports", {}),
    "users page": ("admin", "/admin/users", {}),
}


@dataclass
class Measured:
    """Per read: statements sent and the answer's length, on the small data and on the grown data."""

    queries: dict[str, list[int]] = field(default_factory=dict)
    sizes: dict[str, list[int]] = field(default_factory=dict)
    statements: dict[str, list[list[str]]] = field(default_factory=dict)


def _child_rows(first: int, n: int) -> list[str]:
    """n children of Mù Cả, each with one dose given and the rest due or overdue."""
    rows = []
    for i in range(first, first + n):
        born = TODAY - timedelta(days=100 + i)
        rows.append(
            f"Q{i},Trẻ {i},{'MF'[i % 2]},{born:%d/%m/%Y},03451,BCG,1,{born + timedelta(days=2):%d/%m/%Y},TYT"
        )
    return rows


async def _grow(api: Api, settings: Settings, tmp: Path, round_: int, n: int) -> None:
    """n more of everything that a list shows."""
    tag = f"R{round_}"
    await api.ok(  # new lots at the district, some expiring soon (alerts), one on hold below
        "/receipts",
        receipt(
            *[
                lot(
                    "PENTA",
                    f"{tag}-P{i}",
                    100,
                    expires_in_days=20 + i,
                    location="TL-01" if i % 2 else "TL-02",
                )
                for i in range(n)
            ]
        ),
    )
    for _ in range(n):
        await api.ok(
            "/issues",
            {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 1}]},
        )
    hold = {"reason": "kiểm tra"}
    await api.ok(f"/lots/PENTA/{tag}-P0/hold", hold)
    for i in range(n):  # a hot afternoon after a fine morning, on n days: an excursion each
        day = (TODAY - timedelta(days=round_ * n + i)).isoformat()
        for period, celsius in (("morning", 5.0), ("afternoon", 9.5)):
            await api.ok(
                "/readings",
                {"facility": DISTRICT, "location": "TL-02", "period": period, "celsius": celsius, "day": day},
            )
    register = tmp / f"register-{round_}.csv"
    register.write_text("\n".join([HEADER, *_child_rows(round_ * 1000, n)]) + "\n", encoding="utf-8")
    args = ["--database", settings.database_url, "register", "import", str(register)]
    result = await asyncio.to_thread(CliRunner().invoke, main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            users = UserService(session)
            for i in range(n):
                await users.add(
                    username=f"u{tag.lower()}{i}",
                    full_name=f"Người dùng {i}",
                    role="viewer",
                    facility_code=None,
                    password="mật khẩu đủ dài",
                    by=Principal.system("test"),
                )
        async with unit_of_work(session_factory(engine)) as session:
            await AlertService(session, Principal.system("test"), today=TODAY).evaluate()
    finally:
        await engine.dispose()


async def _measure(settings: Settings, tmp: Path) -> Measured:
    sent: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    measured = Measured()
    # the reads themselves, every time: no remembered session or token, no kept result (each read computes)
    uncached = replace(settings, auth_cache_seconds=0)
    async with (
        AsyncTestClient(app=create_app(uncached)) as client,
        AsyncTestClient(app=create_app(uncached)) as keeper,
        AsyncTestClient(app=create_app(uncached)) as commune,
    ):
        api = Api(client)
        browsers = {"admin": client, "keeper": keeper, "commune": commune}
        for browser in browsers.values():
            browser.app.state.cache.max_entries = 0  # the DataCache keeps nothing
        for username, browser in browsers.items():
            assert (await sign_in(browser, username)).status_code == 303

        async def read(name: str, user: str, path: str, query: dict[str, str], *, page: bool) -> None:
            async def once() -> int:
                if page:
                    response = await browsers[user].get(path, params=query or None)
                else:
                    response = await api.as_user(user).get(path, **query)
                assert response.status_code == 200, (name, response.text[:300])
                return len(response.content)

            await once()  # the first read warms the pool and the statement caches
            sent.clear()
            size = await once()
            # a session's or token's last use is written at most once a minute, whatever the rows: not counted
            sent[:] = [
                s
                for s in sent
                if not s.lstrip().upper().startswith(("UPDATE USER_SESSION", "UPDATE API_TOKEN"))
            ]
            measured.queries.setdefault(name, []).append(len(sent))
            measured.sizes.setdefault(name, []).append(size)
            measured.statements.setdefault(name, []).append([" ".join(s.split())[:120] for s in sent])

        event.listen(Engine, "before_cursor_execute", count)
        try:
            for round_, n in ((1, 3), (2, 9)):
                await _grow(api, settings, tmp, round_, n)
                for name, (user, path, query) in API_READS.items():
                    await read(name, user, path, query, page=False)
                for name, (user, path, query) in PAGE_READS.items():
                    await read(name, user, path, query, page=True)
        finally:
            event.remove(Engine, "before_cursor_execute", count)
    return measured


@pytest.fixture(scope="module")
def measured(template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Measured]:
    """The module's own copy of the template database (as the `settings` fixture makes one per test)."""
    tmp = tmp_path_factory.mktemp("list_queries")
    if ON_POSTGRES:
        name = f"vaxstock_test_{uuid.uuid4().hex[:12]}"
        run_sync(_pg_admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}"))
        settings = Settings(database_url=_pg_url(name))
    else:
        target = tmp / "vaxstock.sqlite3"
        shutil.copyfile(Path(template.split("///", 1)[1]), target)
        settings = Settings(database_url=f"sqlite+aiosqlite:///{target}")
    yield run_sync(_measure(settings, tmp))
    run_sync(_verify(settings))
    if ON_POSTGRES:
        run_sync(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.mark.parametrize("name", [*API_READS, *PAGE_READS])
def test_a_list_read_costs_the_same_queries_on_more_rows(measured: Measured, name: str) -> None:
    (few, many), (small, large) = measured.queries[name], measured.sizes[name]
    assert large > small, f"{name}: the answer did not grow ({small} bytes, then {large})"
    first, second = measured.statements[name]
    extra = [s for s in second if s not in first] or second
    assert many == few, f"{name}: {few} statements for {small} bytes, {many} for {large}: {extra}"
