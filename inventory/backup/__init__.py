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

import os
import uuid
from pathlib import Path

from inventory.backup.common import (
    PG_CUSTOM_MAGIC,
    SQLITE_MAGIC,
    BackupInfo,
    BackupRefused,
    Check,
    RestoreResult,
    head_revision,
    kind_of,
)
from inventory.backup.postgresql import pg_dump, pg_dump_revision, pg_restore
from inventory.backup.sqlite import sqlite_backup, sqlite_path, sqlite_restore, sqlite_revision
from inventory.settings import Settings


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
            sqlite_backup(sqlite_path(settings), partial)
        else:
            pg_dump(settings, partial)
        info = inspect_backup(partial)
        if info.revision is None:
            raise BackupRefused(message="error.backup.not_migrated", field="database")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(path, info.kind, info.revision)


def inspect_backup(path: Path) -> BackupInfo:
    """The kind and migration revision of a backup file; refused if it is not a VaxStock backup."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise BackupRefused(message="error.backup.no_file", params={"path": str(path)}, field="FILE")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return BackupInfo(path, "sqlite", sqlite_revision(path))
    if head.startswith(PG_CUSTOM_MAGIC):
        return BackupInfo(path, "postgresql", pg_dump_revision(path))
    raise BackupRefused(message="error.backup.not_a_backup", params={"path": str(path)}, field="FILE")


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
        return sqlite_restore(settings, info, force=force, check=check)
    return pg_restore(settings, info, force=force, check=check)
