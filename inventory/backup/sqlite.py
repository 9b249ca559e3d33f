"""SQLite backups and restores: the online backup API copies one consistent snapshot, self-contained (no
WAL); a restore is checked in a temporary file beside the target, then copied over it in one transaction."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from inventory.backup.common import BackupInfo, BackupRefused, Check, RestoreResult, refuse_non_empty
from inventory.settings import Settings


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


def sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupRefused(
            message="error.backup.no_database", params={"path": str(source)}, field="database"
        )
    _sqlite_copy(source, target)


def sqlite_revision(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None
    return rows[0][0] if len(rows) == 1 else None


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


def sqlite_restore(
    settings: Settings, info: BackupInfo, *, force: bool, check: Check | None
) -> RestoreResult:
    target = sqlite_path(settings)
    if not target.parent.is_dir():
        raise BackupRefused(
            message="error.backup.no_directory", params={"path": str(target.parent)}, field="database"
        )
    rows, tables = _sqlite_rows(target)
    refuse_non_empty(rows, tables, str(target), force)
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
