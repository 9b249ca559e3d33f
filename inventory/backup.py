"""Backups and restores of the whole database: SQLite's online backup API, pg_dump / pg_restore for PostgreSQL.

A backup is the database's own format, so the usual tools read it too: a SQLite file (self-contained, no
WAL) or a PostgreSQL custom-format dump (`pg_dump -Fc`). Both are taken while the app runs: SQLite copies
one consistent snapshot in one step, pg_dump reads one snapshot.

A restore is all or nothing. The backup is first restored beside the target (a temporary file next to the
SQLite database, a temporary database on the PostgreSQL server), checked there (its kind, its migration
revision, SQLite's integrity check, and whatever the caller's `check` proves, the CLI's ledger
verification), and only then swapped in: SQLite's backup API copies it over the target in one transaction,
PostgreSQL renames the two databases in one transaction. Any failure before the swap drops the temporary
copy and leaves the target untouched.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from inventory.errors import InventoryError
from inventory.migrate import alembic_config
from inventory.settings import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
KINDS = ("sqlite", "postgresql")
MAINTENANCE_DATABASE = "postgres"
"""The database a restore connects to on the PostgreSQL server to create, rename and drop databases."""


class BackupRefused(InventoryError):
    """A backup or restore that cannot be done as asked; nothing was changed."""

    status_code = 422
    title = "Backup or restore refused"
    code = "backup_refused"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """What a backup file holds: the database kind it restores into and its migration revision."""

    path: Path
    kind: str
    revision: str | None


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """A finished restore: what was restored, into which database, and how many rows it replaced."""

    backup: BackupInfo
    target: str
    replaced_rows: int


Check = Callable[[Settings], None]
"""Called with settings for the restored copy before it is swapped in; raises to refuse the restore."""


def kind_of(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


def head_revision(settings: Settings) -> str:
    """The migration revision this version of VaxStock runs on."""
    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    assert head is not None
    return head


# --- backup ----------------------------------------------------------------------------------------


def backup(settings: Settings, path: Path, *, force: bool = False) -> BackupInfo:
    """Write a backup of the settings' database to `path` (written aside, then moved into place)."""
    path = path.expanduser().resolve()
    if path.exists() and not force:
        raise BackupRefused(message="error.backup.file_exists", params={"path": str(path)}, field="FILE")
    if not path.parent.is_dir():
        raise BackupRefused(
            message="error.backup.no_directory", params={"path": str(path.parent)}, field="FILE"
        )
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        if settings.is_sqlite:
            _sqlite_backup(sqlite_path(settings), partial)
        else:
            _pg_dump(settings, partial)
        info = inspect_backup(partial)
        if info.revision is None:
            raise BackupRefused(message="error.backup.not_migrated", field="database")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(path, info.kind, info.revision)


def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database_url).database
    if not database or database == ":memory:":
        raise BackupRefused(message="error.backup.no_file_database", field="database")
    return Path(database).expanduser().resolve()


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy one consistent snapshot of `source` into a new file `target`, self-contained (no WAL)."""
    try:
        src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # every page in one step: one snapshot, while writers go on (WAL)
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(
            message="error.backup.corrupt", params={"reason": str(exc)}, field="FILE"
        ) from exc


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupRefused(
            message="error.backup.no_database", params={"path": str(source)}, field="database"
        )
    _sqlite_copy(source, target)


# --- what a file holds -----------------------------------------------------------------------------


def inspect_backup(path: Path) -> BackupInfo:
    """The kind and migration revision of a backup file; refused if it is not a VaxStock backup."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise BackupRefused(message="error.backup.no_file", params={"path": str(path)}, field="FILE")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return BackupInfo(path, "sqlite", _sqlite_revision(path))
    if head.startswith(PG_CUSTOM_MAGIC):
        return BackupInfo(path, "postgresql", _pg_dump_revision(path))
    raise BackupRefused(message="error.backup.not_a_backup", params={"path": str(path)}, field="FILE")


def _sqlite_revision(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def _pg_dump_revision(path: Path) -> str | None:
    listing = _run_tool("pg_restore", ["--list", str(path)], env=dict(os.environ))
    if "Format: CUSTOM" not in listing:
        raise BackupRefused(message="error.backup.not_a_backup", params={"path": str(path)}, field="FILE")
    data = _run_tool(
        "pg_restore", ["--data-only", "--table=alembic_version", "--file=-", str(path)], env=dict(os.environ)
    )
    lines = data.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and ".alembic_version " in line:
            values = []
            for value in lines[i + 1 :]:
                if value == "\\.":
                    break
                values.append(value.strip())
            return values[0] if len(values) == 1 else None
    return None


# --- restore ---------------------------------------------------------------------------------------


def restore(
    settings: Settings, path: Path, *, force: bool = False, check: Check | None = None
) -> RestoreResult:
    """Restore the backup at `path` into the settings' database, all or nothing (see the module's note)."""
    info = inspect_backup(path)
    expected = kind_of(settings)
    if info.kind != expected:
        raise BackupRefused(
            message="error.backup.wrong_kind", params={"found": info.kind, "expected": expected}, field="FILE"
        )
    if info.revision is None:
        raise BackupRefused(
            message="error.backup.not_vaxstock", params={"path": str(info.path)}, field="FILE"
        )
    head = head_revision(settings)
    if info.revision != head:
        raise BackupRefused(
            message="error.backup.wrong_revision",
            params={"found": info.revision, "expected": head},
            field="FILE",
        )
    if settings.is_sqlite:
        return _sqlite_restore(settings, info, force=force, check=check)
    return _pg_restore(settings, info, force=force, check=check)


def _refuse_non_empty(rows: int, tables: int, target: str, force: bool) -> None:
    if rows and not force:
        raise BackupRefused(
            message="error.backup.target_not_empty",
            params={"target": target, "rows": rows, "tables": tables},
            field="--force",
        )


def _sqlite_rows(path: Path) -> tuple[int, int]:
    """Rows and non-empty tables of a SQLite database (alembic_version aside); (0, 0) if there is none."""
    if not path.exists() or path.stat().st_size == 0:
        return 0, 0
    conn = sqlite3.connect(path, timeout=30)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name <> 'alembic_version'"
            )
        ]
        counts = [conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names]
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(
            message="error.backup.target_unreadable", params={"target": str(path), "reason": str(exc)}
        ) from exc
    finally:
        conn.close()
    return sum(counts), sum(1 for c in counts if c)


def _sqlite_restore(
    settings: Settings, info: BackupInfo, *, force: bool, check: Check | None
) -> RestoreResult:
    target = sqlite_path(settings)
    if not target.parent.is_dir():
        raise BackupRefused(
            message="error.backup.no_directory", params={"path": str(target.parent)}, field="database"
        )
    rows, tables = _sqlite_rows(target)
    _refuse_non_empty(rows, tables, str(target), force)
    temp = target.with_name(f".{target.name}.restore-{uuid.uuid4().hex[:8]}")
    try:
        _sqlite_copy(info.path, temp)
        conn = sqlite3.connect(temp)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
        if problems != ["ok"]:
            raise BackupRefused(
                message="error.backup.corrupt", params={"reason": "; ".join(problems[:3])}, field="FILE"
            )
        if check is not None:
            check(Settings(database_url=f"sqlite+aiosqlite:///{temp}"))
            conn = sqlite3.connect(temp)  # the check's engine left the copy in WAL mode: one file again
            try:
                conn.execute("PRAGMA journal_mode=DELETE")
            finally:
                conn.close()
        if target.exists():
            # over a database that may be open: SQLite's backup API writes every page in one transaction
            # on the target, which other connections then see (a file rename would not reach them)
            src, dst = sqlite3.connect(temp), sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)
            finally:
                src.close()
                dst.close()
        else:
            os.replace(temp, target)
    finally:
        for leftover in (temp, temp.with_name(temp.name + "-wal"), temp.with_name(temp.name + "-shm")):
            leftover.unlink(missing_ok=True)
    return RestoreResult(info, str(target), rows)


# --- PostgreSQL ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PgServer:
    """How to reach the settings' PostgreSQL server: command-line options, environment, database name."""

    options: list[str]
    env: dict[str, str]
    database: str
    dsn: str

    def dsn_for(self, database: str) -> str:
        return self.dsn.rsplit("/", 1)[0] + "/" + database


def _pg_server(settings: Settings) -> _PgServer:
    url = make_url(settings.database_url)
    options: list[str] = []
    env = dict(os.environ)
    if url.host:
        options += ["--host", url.host]
    if url.port:
        options += ["--port", str(url.port)]
    if url.username:
        options += ["--username", url.username]
    if url.password:
        env["PGPASSWORD"] = url.password  # not on the command line, where `ps` would show it
    for key, variable in (("sslmode", "PGSSLMODE"), ("ssl", "PGSSLMODE")):
        value = url.query.get(key)
        if isinstance(value, str):
            env[variable] = value
    if not url.database:
        raise BackupRefused(message="error.backup.no_database_name", field="database")
    dsn = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    return _PgServer(options, env, url.database, dsn)


def _run_tool(tool: str, args: list[str], *, env: dict[str, str]) -> str:
    """Run pg_dump / pg_restore found on PATH; refused with its own words if it is missing or fails."""
    found = shutil.which(tool)
    if found is None:
        raise BackupRefused(message="error.backup.tool_missing", params={"tool": tool})
    result = subprocess.run([found, *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        said = " ".join(result.stderr.strip().splitlines()[-3:]) or f"exit status {result.returncode}"
        raise BackupRefused(message="error.backup.tool_failed", params={"tool": tool, "reason": said})
    return result.stdout


def _pg_dump(settings: Settings, target: Path) -> None:
    server = _pg_server(settings)
    _run_tool(
        "pg_dump",
        [
            *server.options,
            "--no-password",
            "--format=custom",
            f"--file={target}",
            f"--dbname={server.database}",
        ],
        env=server.env,
    )


def _server_refused(exc: Exception) -> BackupRefused:
    return BackupRefused(message="error.backup.server_refused", params={"reason": str(exc)}, field="database")


async def _pg_admin(server: _PgServer, *statements: str) -> None:
    import asyncpg

    try:
        conn = await asyncpg.connect(server.dsn_for(MAINTENANCE_DATABASE))
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()
    except (asyncpg.PostgresError, OSError) as exc:
        raise _server_refused(exc) from exc


async def _pg_rows(server: _PgServer) -> tuple[int, int] | None:
    """Rows and non-empty tables of the target database (alembic_version aside); None if it does not exist."""
    import asyncpg

    try:
        conn = await asyncpg.connect(server.dsn)
    except asyncpg.InvalidCatalogNameError:
        return None
    except (asyncpg.PostgresError, OSError) as exc:
        raise _server_refused(exc) from exc
    try:
        tables = await conn.fetch(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> 'alembic_version'"
        )
        counts = [await conn.fetchval(f"SELECT count(*) FROM {t['name']}") for t in tables]
    finally:
        await conn.close()
    return sum(counts), sum(1 for c in counts if c)


async def _pg_sessions(server: _PgServer) -> int:
    import asyncpg

    try:
        conn = await asyncpg.connect(server.dsn_for(MAINTENANCE_DATABASE))
    except (asyncpg.PostgresError, OSError) as exc:
        raise _server_refused(exc) from exc
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            server.database,
        )
    finally:
        await conn.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_restore(settings: Settings, info: BackupInfo, *, force: bool, check: Check | None) -> RestoreResult:
    server = _pg_server(settings)
    if shutil.which("pg_restore") is None:
        raise BackupRefused(message="error.backup.tool_missing", params={"tool": "pg_restore"})
    found = asyncio.run(_pg_rows(server))
    exists = found is not None
    rows, tables = found or (0, 0)
    _refuse_non_empty(rows, tables, server.database, force)
    tag = uuid.uuid4().hex[:8]
    temp, old = f"{server.database[:40]}_restore_{tag}", f"{server.database[:40]}_replaced_{tag}"
    asyncio.run(_pg_admin(server, f"CREATE DATABASE {_quote(temp)} TEMPLATE template0"))
    swapped = False
    try:
        _run_tool(
            "pg_restore",
            [
                *server.options,
                "--no-password",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                f"--dbname={temp}",
                str(info.path),
            ],
            env=server.env,
        )
        if check is not None:
            check(Settings(database_url=server.dsn_for(temp)))
        if exists:
            sessions = asyncio.run(_pg_sessions(server))
            if sessions:
                raise BackupRefused(
                    message="error.backup.target_in_use",
                    params={"target": server.database, "sessions": sessions},
                    field="database",
                )
            asyncio.run(
                _pg_admin(
                    server,
                    "BEGIN",
                    f"ALTER DATABASE {_quote(server.database)} RENAME TO {_quote(old)}",
                    f"ALTER DATABASE {_quote(temp)} RENAME TO {_quote(server.database)}",
                    "COMMIT",
                )
            )
            swapped = True
            asyncio.run(_pg_admin(server, f"DROP DATABASE IF EXISTS {_quote(old)} WITH (FORCE)"))
        else:
            asyncio.run(
                _pg_admin(server, f"ALTER DATABASE {_quote(temp)} RENAME TO {_quote(server.database)}")
            )
            swapped = True
    finally:
        if not swapped:
            asyncio.run(_pg_admin(server, f"DROP DATABASE IF EXISTS {_quote(temp)} WITH (FORCE)"))
    return RestoreResult(info, server.database, rows)
