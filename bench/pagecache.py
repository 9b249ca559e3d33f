"""The page cache: the backlog and forecast pages and a backlog chart, the first view after a change and the next.

    uv run python bench/pagecache.py                 # the demo year in a scratch SQLite file (loads it once)
    uv run python bench/pagecache.py DATABASE_URL    # a database that holds the demo year already

Signed in as the district store keeper (`thukho`), in-process over ASGI (Litestar's test client, no sockets).
Each page is asked once on a fresh app (an empty cache: the first view after a change computes) and then
five times more (the data unchanged: served from the cache); the medians are printed. The chart is asked
again with the ETag it gave (answered 304, nothing read or drawn). The run ends with the figure lines:

    figure backlog_page_first_ms = T ms      figure backlog_page_again_ms = T ms
    figure forecast_page_first_ms = T ms     figure forecast_page_again_ms = T ms
    figure chart_first_ms = T ms             figure chart_304_ms = T ms
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from inventory.timeutil import today_vn

AGAIN = 5


def demo_database() -> str:
    """A scratch SQLite file with the demo year (kept between runs in the temporary folder)."""
    path = Path(tempfile.gettempdir()) / "vaxstock_bench_pagecache.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        env = {**os.environ, "VAXSTOCK_DATABASE_URL": url}
        subprocess.run(["vaxstock", "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
    return url


async def timed(client: AsyncTestClient, path: str, **kwargs: object) -> tuple[float, object]:
    start = time.perf_counter()
    response = await client.get(path, **kwargs)  # type: ignore[arg-type]
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 304), (path, response.status_code, response.text[:300])
    return elapsed, response


async def main(url: str) -> None:
    today = today_vn()
    period = f"{today.year + (today.month == 12)}-{today.month % 12 + 1:02d}"
    pages = {"backlog": "/backlog", "forecast": f"/forecast?period={period}"}
    async with AsyncTestClient(app=create_app(Settings(database_url=url))) as client:
        await client.get("/login")
        await client.post(
            "/login",
            data={
                "username": "thukho",
                "password": "thukho-demo-2026",
                "next": "/",
                "_csrf_token": client.cookies.get("csrftoken", ""),
            },
        )
        figures = {}
        for name, path in pages.items():
            first, _ = await timed(client, path)
            again = [(await timed(client, path))[0] for _ in range(AGAIN)]
            figures[f"{name}_page_first_ms"] = first
            figures[f"{name}_page_again_ms"] = statistics.median(again)
        first, chart = await timed(client, "/backlog/chart/03451")
        tag = chart.headers["etag"]  # type: ignore[attr-defined]
        not_modified = [
            (await timed(client, "/backlog/chart/03451", headers={"If-None-Match": tag}))[0]
            for _ in range(AGAIN)
        ]
        figures["chart_first_ms"] = first
        figures["chart_304_ms"] = statistics.median(not_modified)
    print(f"load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    for name, value in figures.items():
        print(f"figure {name} = {value:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else demo_database()))
