"""The server runs on PostgreSQL under a role made by docs/ledgerproof.md's SQL (read from that file): it
posts as usual, and can neither edit the ledger nor get round its triggers."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from inventory.app import create_app
from inventory.db import create_engine
from inventory.settings import Settings
from tests.integration.conftest import Api
from tests.integration.ledger_samples import COMMUNE, DISTRICT, lot, receipt

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]

DOC = Path(__file__).resolve().parents[2] / "docs" / "ledgerproof.md"


def role_sql(role: str, password: str) -> list[str]:
    block = re.search(r"```sql\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None
    body = "\n".join(line for line in block.group(1).splitlines() if not line.startswith("--"))
    body = body.replace(':"app"', f'"{role}"').replace(":password", f"'{password}'")
    return [statement.strip() for statement in body.split(";") if statement.strip()]


async def admin(settings: Settings, *statements: str) -> None:
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def test_the_app_role_posts_but_cannot_edit_the_ledger_or_its_triggers(settings: Settings) -> None:
    role, password = f"vaxstock_app_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    await admin(settings, *role_sql(role, password))
    url = settings.database_url.replace("postgres@", f"{role}:{password}@", 1)
    assert role in url
    as_app = Settings(database_url=url)
    try:
        async with AsyncTestClient(app=create_app(as_app)) as client:
            api = Api(client)
            await api.ok("/receipts", receipt(lot("PENTA", "ROLE-1", 100)))
            issued = await api.ok(
                "/issues",
                {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 50}]},
            )
            await api.ok(f"/documents/{issued['id']}/reversal", {"reason": "entered twice"})
        engine = create_engine(as_app)
        try:
            for statement in (
                "UPDATE movement SET doses = doses + 1",
                "DELETE FROM audit_event",
                "UPDATE stock_document SET reference = 'x'",
                "ALTER TABLE movement DISABLE TRIGGER movement_append_only",
                "DROP TRIGGER movement_append_only ON movement",
                "SET session_replication_role = replica",
            ):
                with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                    async with engine.begin() as conn:
                        await conn.execute(text(statement))
            with pytest.raises(DBAPIError, match="append-only"):  # the one column it may lock by
                async with engine.begin() as conn:
                    await conn.execute(text("UPDATE stock_document SET note = 'x'"))
        finally:
            await engine.dispose()
    finally:
        await admin(settings, f'DROP OWNED BY "{role}"', f'DROP ROLE "{role}"')
