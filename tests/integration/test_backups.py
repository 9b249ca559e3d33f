"""`vaxstock backup` / `vaxstock restore`: a round trip that verify proves identical, and every refusal leaving
the target untouched (SQLite in the normal run, PostgreSQL in its pass)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import MetaData, select, text

from inventory.app import create_app
from inventory.backup import backup, inspect_backup, restore
from inventory.backup.common import BackupRefused, head_revision
from inventory.cli import main
from inventory.cli.backups import verified_copy
from inventory.db import create_engine
from inventory.settings import Settings
from tests.conftest import ON_POSTGRES, _pg_admin, _pg_url, _verify, run_sync
from tests.integration.conftest import Api
from tests.integration.ledger_samples import COMMUNE, DISTRICT, lot, receipt


def cli(settings: Settings, *args: str):
    return CliRunner().invoke(main, ["--database", settings.database_url, *args], catch_exceptions=False)


async def _post_a_month(settings: Settings) -> None:
    """Receipts, an issue, its confirmation with a shortfall, a reversal: documents, movements, shipments,
    audit events, idempotency records and balances in every table they touch."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        api = Api(client)
        await api.ok("/receipts", receipt(lot("PENTA", "P-1", 200), lot("BCG", "B-1", 100, location="TL-02")))
        issued = await api.ok(
            "/issues",
            {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 30}]},
        )
        await api.ok(
            f"/shipments/{issued['shipment_id']}/confirm",
            {
                "lines": [
                    {
                        "product": "PENTA",
                        "lot_number": "P-1",
                        "doses_received": 29,
                        "vvm_stage": 1,
                        "difference_reason": "broken",
                    }
                ]
            },
        )
        extra = await api.ok("/receipts", receipt(lot("IPV", "I-1", 50)))
        await api.ok(f"/documents/{extra['id']}/reversal", {"reason": "entered twice"})


async def _rows(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (reflected, so columns added later are compared too), in a stable order."""
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            found: dict[str, list[tuple[Any, ...]]] = {}
            for name, table in metadata.tables.items():
                rows = (await conn.execute(select(table))).all()
                found[name] = sorted(
                    (tuple(r) for r in rows), key=lambda r: [(v is None, repr(v)) for v in r]
                )
            return found
    finally:
        await engine.dispose()


async def _execute(settings: Settings, *statements: str) -> None:
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            for sql in statements:
                await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Settings]:
    """Settings for a database that does not exist yet (a file, or a database name on the test server)."""
    if ON_POSTGRES:
        name = f"vaxstock_test_restored_{uuid.uuid4().hex[:10]}"
        yield Settings(database_url=_pg_url(name))
        run_sync(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    else:
        yield Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'vaxstock.sqlite3'}")


def _leftovers(settings: Settings) -> list[str]:
    """Temporary copies a restore left behind (there must be none, whatever happened)."""
    if not ON_POSTGRES:
        folder = Path(settings.database_url.split("///", 1)[1]).parent
        return sorted(p.name for p in folder.iterdir() if ".restore-" in p.name)

    async def names() -> list[str]:
        import asyncpg

        base = _pg_url("postgres").replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(base)
        try:
            database = settings.database_url.rsplit("/", 1)[1]
            rows = await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_restore\\_%' "
                "OR datname LIKE $1 || '\\_replaced\\_%'",
                database[:40],
            )
            return sorted(r["datname"] for r in rows)
        finally:
            await conn.close()

    return run_sync(names())


def test_a_backup_restored_into_a_new_database_verifies_and_holds_every_row(
    settings: Settings, target: Settings, tmp_path: Path
) -> None:
    run_sync(_post_a_month(settings))
    file = tmp_path / "vaxstock.backup"
    made = cli(settings, "backup", str(file))
    assert made.exit_code == 0, made.output
    info = inspect_backup(file)
    assert (info.kind, info.revision) == ("postgresql" if ON_POSTGRES else "sqlite", head_revision(settings))

    if not ON_POSTGRES:
        Path(target.database_url.split("///", 1)[1]).parent.mkdir()
    restored = cli(target, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert cli(target, "verify").exit_code == 0

    before, after = run_sync(_rows(settings)), run_sync(_rows(target))
    assert before.keys() == after.keys()
    for table in ("stock_document", "movement", "audit_event", "balance", "shipment", "idempotency_record"):
        assert before[table], f"the scenario wrote no {table} row"
    assert before == after
    assert _leftovers(target) == []

    async def post_again() -> None:  # the restored sequences go on after the last id
        async with AsyncTestClient(app=create_app(target)) as client:
            await Api(client).ok("/receipts", receipt(lot("MR", "M-1", 100)))

    run_sync(post_again())
    run_sync(_verify(target))


def test_restore_refuses_a_database_that_holds_data_and_force_replaces_it(
    settings: Settings, tmp_path: Path
) -> None:
    run_sync(_post_a_month(settings))
    file = tmp_path / "before.backup"
    assert cli(settings, "backup", str(file)).exit_code == 0
    snapshot = run_sync(_rows(settings))
    run_sync(_post_a_month_more(settings))
    changed = run_sync(_rows(settings))
    assert changed != snapshot

    with pytest.raises(BackupRefused) as refused:
        restore(settings, file)
    assert refused.value.message == "error.backup.target_not_empty"
    assert refused.value.params["rows"] > 0 and refused.value.field == "--force"
    assert run_sync(_rows(settings)) == changed
    assert cli(settings, "restore", str(file)).exit_code == 1

    result = restore(settings, file, force=True, check=verified_copy)
    assert result.replaced_rows == sum(
        len(rows) for name, rows in changed.items() if name != "alembic_version"
    )
    assert run_sync(_rows(settings)) == snapshot
    assert _leftovers(settings) == []


async def _post_a_month_more(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await Api(client).ok("/receipts", receipt(lot("HEPB", "H-9", 40)))


def test_a_backup_whose_ledger_does_not_verify_is_not_restored_and_the_target_is_untouched(
    settings: Settings, tmp_path: Path
) -> None:
    run_sync(_post_a_month(settings))
    one_row = "(SELECT location_id, lot_id FROM balance ORDER BY location_id, lot_id LIMIT 1)"
    tamper = f"UPDATE balance SET doses = doses + 5 WHERE (location_id, lot_id) = {one_row}"
    untamper = tamper.replace("+ 5", "- 5")
    run_sync(_execute(settings, tamper))
    file = tmp_path / "tampered.backup"
    try:
        backup(settings, file)
    finally:
        run_sync(_execute(settings, untamper))
    before = run_sync(_rows(settings))

    with pytest.raises(BackupRefused) as refused:
        restore(settings, file, force=True, check=verified_copy)
    assert refused.value.message == "error.backup.not_verified"
    assert refused.value.params["problems"] >= 1
    assert run_sync(_rows(settings)) == before
    assert _leftovers(settings) == []


def test_restore_names_the_revision_it_found_in_a_backup_of_another_schema(
    settings: Settings, tmp_path: Path
) -> None:
    head = head_revision(settings)
    file = tmp_path / "old.backup"
    run_sync(_execute(settings, "UPDATE alembic_version SET version_num = '0004_forecast_settings'"))
    try:
        backup(settings, file)
    finally:
        run_sync(_execute(settings, f"UPDATE alembic_version SET version_num = '{head}'"))
    with pytest.raises(BackupRefused) as refused:
        restore(settings, file, force=True)
    assert refused.value.message == "error.backup.wrong_revision"
    assert refused.value.params == {"found": "0004_forecast_settings", "expected": head}


def test_restore_refuses_a_file_that_is_not_a_backup(settings: Settings, tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("product,lot_number\nPENTA,P-1\n", encoding="utf-8")
    with pytest.raises(BackupRefused) as refused:
        restore(settings, file, force=True)
    assert refused.value.message == "error.backup.not_a_backup"
    not_vaxstock = tmp_path / "other.sqlite3"
    sqlite3.connect(not_vaxstock).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BackupRefused) as refused:
        restore(settings, not_vaxstock, force=True)
    assert refused.value.message in {"error.backup.not_vaxstock", "error.backup.wrong_kind"}
    with pytest.raises(BackupRefused) as refused:
        restore(settings, tmp_path / "missing.backup")
    assert refused.value.message == "error.backup.no_file"


def test_backup_does_not_overwrite_a_file_unless_forced(settings: Settings, tmp_path: Path) -> None:
    file = tmp_path / "kept.backup"
    file.write_bytes(b"keep me")
    with pytest.raises(BackupRefused) as refused:
        backup(settings, file)
    assert refused.value.message == "error.backup.file_exists"
    assert file.read_bytes() == b"keep me"
    assert backup(settings, file, force=True).revision == head_revision(settings)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []


@pytest.mark.postgres_only
def test_a_sqlite_backup_is_refused_by_a_postgresql_database_naming_both_kinds(
    settings: Settings, tmp_path: Path
) -> None:
    file = tmp_path / "from-sqlite.sqlite3"
    conn = sqlite3.connect(file)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    conn.execute("INSERT INTO alembic_version VALUES (?)", (head_revision(settings),))
    conn.commit()
    conn.close()
    with pytest.raises(BackupRefused) as refused:
        restore(settings, file, force=True)
    assert refused.value.message == "error.backup.wrong_kind"
    assert refused.value.params == {"found": "sqlite", "expected": "postgresql"}


@pytest.mark.postgres_only
def test_postgresql_backups_need_pg_dump_on_the_path(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupRefused) as refused:
        backup(settings, tmp_path / "x.backup")
    assert (refused.value.message, refused.value.params) == ("error.backup.tool_missing", {"tool": "pg_dump"})


@pytest.mark.postgres_only
def test_a_damaged_dump_fails_in_pg_restore_and_leaves_the_database_untouched(
    settings: Settings, tmp_path: Path
) -> None:
    run_sync(_post_a_month(settings))
    file = tmp_path / "whole.backup"
    backup(settings, file)
    damaged = tmp_path / "damaged.backup"
    data = file.read_bytes()
    damaged.write_bytes(data[: len(data) * 2 // 3])
    before = run_sync(_rows(settings))
    with pytest.raises(BackupRefused) as refused:
        restore(settings, damaged, force=True, check=verified_copy)
    assert refused.value.message in {"error.backup.tool_failed", "error.backup.not_vaxstock"}
    assert run_sync(_rows(settings)) == before
    assert _leftovers(settings) == []


def test_backups_taken_while_postings_go_on_each_restore_to_a_ledger_that_verifies(
    settings: Settings, tmp_path: Path
) -> None:
    import threading

    async def keep_posting(stop: threading.Event) -> int:
        posted = 0
        async with AsyncTestClient(app=create_app(settings)) as client:
            api = Api(client)
            while not stop.is_set() or posted < 3:
                await api.ok("/receipts", receipt(lot("BCG", f"B-{posted}", 100)))
                posted += 1
        return posted

    stop = threading.Event()
    result: list[int] = []
    writer = threading.Thread(target=lambda: result.append(run_sync(keep_posting(stop))))
    writer.start()
    files = []
    try:
        for i in range(3):
            files.append(backup(settings, tmp_path / f"during-{i}.backup").path)
    finally:
        stop.set()
        writer.join()
    assert result and result[0] >= 3
    for i, file in enumerate(files):
        if ON_POSTGRES:
            name = f"vaxstock_test_during_{uuid.uuid4().hex[:10]}"
            copy = Settings(database_url=_pg_url(name))
        else:
            copy = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / f'copy-{i}.sqlite3'}")
        try:
            restore(copy, file, check=verified_copy)
            run_sync(_verify(copy))
        finally:
            if ON_POSTGRES:
                run_sync(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_a_sqlite_database_that_is_not_one_is_refused_not_crashed(tmp_path: Path) -> None:
    junk = tmp_path / "vaxstock.sqlite3"
    junk.write_text("this is not a database\n" * 100, encoding="utf-8")
    with pytest.raises(BackupRefused) as refused:
        backup(Settings(database_url=f"sqlite+aiosqlite:///{junk}"), tmp_path / "x.backup")
    assert refused.value.message == "error.backup.corrupt"
    assert not (tmp_path / "x.backup").exists()


@pytest.mark.postgres_only
def test_a_server_that_refuses_the_connection_is_named_not_crashed(
    settings: Settings, tmp_path: Path
) -> None:
    file = tmp_path / "ok.backup"
    backup(settings, file)
    stranger = _pg_url("vaxstock_nobody").replace("://postgres@", "://no_such_role_x@")
    with pytest.raises(BackupRefused) as refused:
        restore(Settings(database_url=stranger), file)
    assert refused.value.message == "error.backup.server_refused"
