"""List reads cost a fixed number of queries, whatever their length (no query per row)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.integration.ledger_samples import COMMUNE, DISTRICT

pytestmark = pytest.mark.anyio


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every statement any engine sends while the test runs."""
    sent: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    yield sent
    event.remove(Engine, "before_cursor_execute", count)


async def _issue_penta(api, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        await api.ok(
            "/issues",
            {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 1}]},
        )


async def _queries(api, statements: list[str], path: str, **params: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    await api.read(path, **params)  # the first read of a token also reads its user (then cached)
    statements.clear()
    page = await api.read(path, **params)
    return len(statements), len(page["items"])


@pytest.mark.parametrize(
    ("path", "params"),
    [(f"/facilities/{DISTRICT}/documents", {}), ("/shipments", {"facility": DISTRICT})],
    ids=["documents", "shipments"],
)
async def test_a_list_read_costs_the_same_queries_for_3_rows_and_for_30(
    stocked, statements: list[str], path: str, params: dict[str, str]
) -> None:
    await _issue_penta(stocked, 3)
    few, few_rows = await _queries(stocked, statements, path, **params)
    await _issue_penta(stocked, 27)
    many, many_rows = await _queries(stocked, statements, path, **params)
    assert many_rows >= few_rows + 27
    assert many == few, f"{few} queries for {few_rows} rows, {many} for {many_rows}"
