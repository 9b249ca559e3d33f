"""A ledger that proves itself: the database refuses edits of the ledger, every movement and audit event is
chained as docs/ledgerproof.md writes it, and `verify` names the first row of a chain that was edited,
deleted or reordered behind the application's back (as a superuser could), and any day a balance ended
below zero. Each tamper is undone at the end, so the fixture's own verify still passes."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.auth import Principal
from inventory.cli import main
from inventory.db import create_engine, session_factory
from inventory.i18n import cli_language, translate
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.use_cases import verification
from tests.conftest import DEMO_DAY, demo_year
from tests.integration.ledger_samples import TODAY, lot, receipt

pytestmark = pytest.mark.anyio

SQLITE_TRIGGERS = (
    "movement_chain_link",
    "movement_append_only",
    "movement_no_delete",
    "audit_event_chain_link",
    "audit_event_append_only",
    "audit_event_no_delete",
)


@asynccontextmanager
async def connection(settings: Settings) -> AsyncIterator[AsyncConnection]:
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            yield conn
    finally:
        await engine.dispose()


@asynccontextmanager
async def as_superuser(settings: Settings) -> AsyncIterator[AsyncConnection]:
    """A connection that gets round the triggers, as a database superuser could: on PostgreSQL
    session_replication_role = replica; on SQLite the triggers are dropped."""
    async with connection(settings) as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for name in SQLITE_TRIGGERS:
                await conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        yield conn


async def report(settings: Settings) -> s.VerifyReport:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            return await verification.verify(StockContext(session, settings, Principal.system("test")))
    finally:
        await engine.dispose()


async def district_movements(settings: Settings) -> list[dict]:
    async with connection(settings) as conn:
        rows = await conn.execute(
            text(
                "SELECT m.* FROM movement m JOIN location l ON l.id = m.location_id "
                "JOIN facility f ON f.id = l.facility_id WHERE f.code = 'TTYT-MT' ORDER BY m.chain_seq"
            )
        )
        return [dict(r._mapping) for r in rows]


def field(value: object) -> str:
    return "-;" if value is None else f"{len(str(value))}:{value};"


def utc_text(value: object) -> str:
    if isinstance(value, str):  # SQLite hands back the stored text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_the_database_refuses_to_update_or_delete_movements_documents_and_audit_events(
    stocked, settings: Settings
) -> None:
    refused = [
        "UPDATE movement SET doses = doses + 1",
        "DELETE FROM movement",
        "UPDATE stock_document SET note = 'edited'",
        "DELETE FROM stock_document",
        "UPDATE audit_event SET changes = '{}'",
        "DELETE FROM audit_event",
    ]
    if settings.database_url.startswith("postgresql"):
        refused += ["TRUNCATE movement CASCADE", "TRUNCATE audit_event"]
    for statement in refused:
        with pytest.raises(DBAPIError, match="append-only"):
            async with connection(settings) as conn:
                await conn.execute(text(statement))


async def test_each_movement_is_chained_to_the_previous_one_of_its_facility_by_sha256(
    stocked, settings: Settings
) -> None:
    rows = await district_movements(settings)
    assert [r["chain_seq"] for r in rows] == list(range(1, len(rows) + 1))
    previous = "0" * 64
    for r in rows:
        occurred_on = r["occurred_on"] if isinstance(r["occurred_on"], str) else r["occurred_on"].isoformat()
        canonical = "8:movement;" + "".join(
            field(v)
            for v in (
                r["chain_seq"],
                r["id"],
                r["document_id"],
                r["kind"],
                r["location_id"],
                r["lot_id"],
                r["doses"],
                occurred_on,
                utc_text(r["recorded_at"]),
                r["recorded_by"],
                r["reason_code"],
                r["reverses_movement_id"],
            )
        )
        previous_was = previous
        previous = hashlib.sha256((previous_was + canonical).encode()).hexdigest()
        assert r["chain_hash"] == previous
    async with connection(settings) as conn:
        head = (
            await conn.execute(
                text("SELECT seq, hash FROM ledger_chain WHERE chain = :c"),
                {"c": f"movement:{rows[0]['facility_id']}"},
            )
        ).one()
    assert tuple(head) == (len(rows), previous)
    checked = await report(settings)
    assert checked.ok and checked.chains_checked >= 2 and checked.rows_chained >= len(rows)


async def test_verify_names_a_movement_edited_in_the_database(stocked, settings: Settings) -> None:
    rows = await district_movements(settings)
    target = rows[2]
    async with as_superuser(settings) as conn:
        await conn.execute(text("UPDATE movement SET doses = doses + 10 WHERE id = :i"), {"i": target["id"]})
    bad = await report(settings)
    assert not bad.ok
    assert bad.chain_breaks == [
        s.VerifyChainBreak("movement", f"movement:{target['facility_id']}", target["id"], 3, "hash")
    ]
    printed = await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(main, ["--database", settings.database_url, "verify"])
    )
    assert printed.exit_code == 1
    lang = cli_language()
    named = {"table": translate("verify.table.movement", lang), "row": str(target["id"]), "seq": "3"}
    assert translate("verify.chain.hash", lang, named | {"chain": f"movement:{target['facility_id']}"}) in (
        printed.output.replace("\n", "")
    )
    async with as_superuser(settings) as conn:
        await conn.execute(text("UPDATE movement SET doses = doses - 10 WHERE id = :i"), {"i": target["id"]})
    assert (await report(settings)).ok


async def test_verify_names_the_row_after_a_movement_deleted_in_the_database(
    stocked, settings: Settings
) -> None:
    rows = await district_movements(settings)
    gone, after = rows[1], rows[2]
    async with as_superuser(settings) as conn:
        await conn.execute(text("DELETE FROM movement WHERE id = :i"), {"i": gone["id"]})
        await conn.execute(
            text("UPDATE balance SET doses = doses - :d WHERE location_id = :l AND lot_id = :t"),
            {"d": gone["doses"], "l": gone["location_id"], "t": gone["lot_id"]},
        )
    bad = await report(settings)
    assert bad.chain_breaks == [
        s.VerifyChainBreak("movement", f"movement:{gone['facility_id']}", after["id"], 3, "gap")
    ]
    assert bad.mismatches == []  # the balance was made to agree: only the chain shows the deletion
    async with as_superuser(settings) as conn:
        columns = ", ".join(gone)
        await conn.execute(
            text(f"INSERT INTO movement ({columns}) VALUES ({', '.join(':' + c for c in gone)})"), gone
        )
        await conn.execute(
            text("UPDATE balance SET doses = doses + :d WHERE location_id = :l AND lot_id = :t"),
            {"d": gone["doses"], "l": gone["location_id"], "t": gone["lot_id"]},
        )
    assert (await report(settings)).ok


async def test_verify_finds_the_last_movement_deleted_from_a_chain(stocked, settings: Settings) -> None:
    rows = await district_movements(settings)
    last, before = rows[-1], rows[-2]
    async with as_superuser(settings) as conn:
        await conn.execute(text("DELETE FROM movement WHERE id = :i"), {"i": last["id"]})
        await conn.execute(
            text("UPDATE balance SET doses = doses - :d WHERE location_id = :l AND lot_id = :t"),
            {"d": last["doses"], "l": last["location_id"], "t": last["lot_id"]},
        )
    bad = await report(settings)
    assert bad.chain_breaks == [
        s.VerifyChainBreak("movement", f"movement:{last['facility_id']}", before["id"], len(rows) - 1, "head")
    ]
    async with as_superuser(settings) as conn:
        await conn.execute(
            text(f"INSERT INTO movement ({', '.join(last)}) VALUES ({', '.join(':' + c for c in last)})"),
            last,
        )
        await conn.execute(
            text("UPDATE balance SET doses = doses + :d WHERE location_id = :l AND lot_id = :t"),
            {"d": last["doses"], "l": last["location_id"], "t": last["lot_id"]},
        )
    assert (await report(settings)).ok


async def test_verify_names_the_first_of_two_movements_swapped_in_the_chain(
    stocked, settings: Settings
) -> None:
    rows = await district_movements(settings)
    first, second = rows[1], rows[3]
    async with as_superuser(settings) as conn:
        swap = "UPDATE movement SET chain_seq = :s WHERE id = :i"
        await conn.execute(text(swap), {"s": -1, "i": first["id"]})
        await conn.execute(text(swap), {"s": 2, "i": second["id"]})
        await conn.execute(text(swap), {"s": 4, "i": first["id"]})
    bad = await report(settings)
    assert bad.chain_breaks == [
        s.VerifyChainBreak("movement", f"movement:{first['facility_id']}", second["id"], 2, "hash")
    ]
    async with as_superuser(settings) as conn:
        await conn.execute(text(swap), {"s": -1, "i": first["id"]})
        await conn.execute(text(swap), {"s": 4, "i": second["id"]})
        await conn.execute(text(swap), {"s": 2, "i": first["id"]})
    assert (await report(settings)).ok


async def test_verify_names_an_audit_event_edited_in_the_database(stocked, settings: Settings) -> None:
    async with connection(settings) as conn:
        event = (
            await conn.execute(
                text("SELECT id, chain_seq, facility_code, changes FROM audit_event ORDER BY id DESC LIMIT 1")
            )
        ).one()
    async with as_superuser(settings) as conn:
        await conn.execute(
            text("UPDATE audit_event SET changes = :c WHERE id = :i"), {"c": '{"edited": 1}', "i": event.id}
        )
    bad = await report(settings)
    assert bad.chain_breaks == [
        s.VerifyChainBreak(
            "audit_event", f"audit:{event.facility_code or ''}", event.id, event.chain_seq, "hash"
        )
    ]
    async with as_superuser(settings) as conn:
        await conn.execute(
            text("UPDATE audit_event SET changes = :c WHERE id = :i"), {"c": event.changes, "i": event.id}
        )
    assert (await report(settings)).ok


async def test_verify_names_a_day_a_balance_ended_below_zero(api, settings: Settings) -> None:
    """A receipt dated today and, written straight into the table (no ledger rules), an issue of the same
    doses two days earlier: every balance still equals its movements and every chain holds, yet the lot
    was 40 doses short at the end of each of those two days."""
    await api.ok("/receipts", receipt(lot("PENTA", "NEG-1", 40), occurred_on=TODAY.isoformat()))
    rows = await district_movements(settings)
    received = rows[-1]
    draw_day = TODAY - timedelta(days=2)
    async with connection(settings) as conn:
        head = (
            await conn.execute(
                text("SELECT seq, hash FROM ledger_chain WHERE chain = :c"),
                {"c": f"movement:{received['facility_id']}"},
            )
        ).one()
        draw = (
            await conn.execute(
                text(
                    "INSERT INTO movement (document_id, kind, location_id, lot_id, doses, occurred_on, recorded_at,"
                    " recorded_by) VALUES (:d, 'issue', :l, :t, -40, :day, :at, 'test') RETURNING id"
                ),
                {
                    "d": received["document_id"],
                    "l": received["location_id"],
                    "t": received["lot_id"],
                    "day": draw_day,
                    "at": received["recorded_at"],
                },
            )
        ).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO movement (document_id, kind, location_id, lot_id, doses, occurred_on, recorded_at,"
                " recorded_by) VALUES (:d, 'receipt', :l, :t, 40, :day, :at, 'test')"
            ),
            {
                "d": received["document_id"],
                "l": received["location_id"],
                "t": received["lot_id"],
                "day": TODAY,
                "at": received["recorded_at"],
            },
        )
    bad = await report(settings)
    assert bad.chain_breaks == [] and bad.mismatches == []
    assert bad.negative_days == [
        s.VerifyNegativeDay("TTYT-MT", "TL-01", "PENTA", "NEG-1", draw_day, -40, draw)
    ]
    async with as_superuser(settings) as conn:
        await conn.execute(text("DELETE FROM movement WHERE id >= :i"), {"i": draw})
        await conn.execute(
            text("UPDATE ledger_chain SET seq = :s, hash = :h WHERE chain = :c"),
            {"s": head.seq, "h": head.hash, "c": f"movement:{received['facility_id']}"},
        )
    assert (await report(settings)).ok


async def test_the_demo_year_loaded_on_the_3rd_never_ends_a_day_below_zero(
    demo_years, tmp_path: Path
) -> None:
    """Loaded on the 3rd, the month's receipt is dated the 3rd: the month's issues must not be dated before
    it (they were dated the 1st, and the stock card printed -170 for a day)."""
    assert DEMO_DAY.day == 3
    with demo_year(demo_years, tmp_path, DEMO_DAY) as (settings, loaded):
        checked = await report(settings)
    assert loaded["issues"] > 0 and loaded["confirmations"] > 0
    assert checked.negative_days == []
    assert checked.ok
