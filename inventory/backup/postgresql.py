"""PostgreSQL backups and restores: pg_dump's custom format (one snapshot, while the app runs); a restore
goes into a temporary database on the server, is checked there, and is renamed into place in one
transaction."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from inventory.backup.common import (
    MAINTENANCE_DATABASE,
    BackupInfo,
    BackupRefused,
    Check,
    RestoreResult,
    refuse_non_empty,
)
from inventory.settings import Settings


def pg_dump_revision(path: Path) -> str | None:
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


def pg_dump(settings: Settings, target: Path) -> None:
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


def pg_restore(settings: Settings, info: BackupInfo, *, force: bool, check: Check | None) -> RestoreResult:
    server = _pg_server(settings)
    if shutil.which("pg_restore") is None:
        raise BackupRefused(message="error.backup.tool_missing", params={"tool": "pg_restore"})
    found = asyncio.run(_pg_rows(server))
    exists = found is not None
    rows, tables = found or (0, 0)
    refuse_non_empty(rows, tables, server.database, force)
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
