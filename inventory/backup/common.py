"""What the SQLite and PostgreSQL halves of backups and restores share: the refusal, what a backup file
holds, what a restore did, and the migration revision a backup must carry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

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


def refuse_non_empty(rows: int, tables: int, target: str, force: bool) -> None:
    if rows and not force:
        raise BackupRefused(
            message="error.backup.target_not_empty",
            params={"target": target, "rows": rows, "tables": tables},
            field="--force",
        )
