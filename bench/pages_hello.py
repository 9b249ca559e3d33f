"""The bare endpoint bench/pages.py compares the pages with: Litestar answering a small JSON object."""

from litestar import Litestar, get


@get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar([hello, health])
