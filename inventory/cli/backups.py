"""`vaxstock backup FILE` and `vaxstock restore FILE`: the whole database, all or nothing (inventory.backup)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from inventory.backup.common import BackupRefused
from inventory.cli import i18nclick as ic
from inventory.cli.common import CLI, console, run_in_session
from inventory.i18n import cli_language, translate
from inventory.settings import Settings


def _say(key: str, **params: object) -> str:
    return escape(translate(key, cli_language(), params))


def _refused(exc: BackupRefused) -> None:
    console.print(f"[red]{escape(exc.field or _say('cli.error'))}: {escape(exc.text(cli_language()))}")
    sys.exit(1)


def verified_copy(restored: Settings) -> None:
    """Refuse a restored copy whose ledger does not verify (run before it replaces anything)."""
    from inventory.stock.context import StockContext
    from inventory.stock.use_cases.verification import verify

    report = run_in_session(restored, lambda session: verify(StockContext(session, restored, CLI)))
    if not report.ok:
        problems = len(report.mismatches) + len(report.transit_mismatches)
        raise BackupRefused(message="error.backup.not_verified", params={"problems": problems}, field="FILE")
    console.print(_say("backup.verified", pairs=report.pairs_checked))


@ic.command("backup", help="help.backup")
@ic.argument(
    "path", metavar="FILE", type=ic.Path(dir_okay=False, path_type=Path), help="help.backup.arg.path"
)
@ic.option("--force", is_flag=True, help="help.backup.force")
@click.pass_obj
def backup(settings: Settings, path: Path, force: bool) -> None:
    from inventory.backup import backup as make_backup

    try:
        info = make_backup(settings, path, force=force)
    except BackupRefused as exc:
        _refused(exc)
        return
    size = info.path.stat().st_size
    console.print(
        _say("backup.done", path=str(info.path), kind=info.kind, revision=info.revision or "?", size=size)
    )


@ic.command("restore", help="help.restore")
@ic.argument(
    "path", metavar="FILE", type=ic.Path(dir_okay=False, path_type=Path), help="help.restore.arg.path"
)
@ic.option("--force", is_flag=True, help="help.restore.force")
@click.pass_obj
def restore(settings: Settings, path: Path, force: bool) -> None:
    from inventory.backup import restore as restore_backup

    try:
        result = restore_backup(settings, path, force=force, check=verified_copy)
    except BackupRefused as exc:
        _refused(exc)
        return
    console.print(
        _say(
            "backup.restored",
            path=str(result.backup.path),
            target=result.target,
            revision=result.backup.revision or "?",
            replaced=result.replaced_rows,
        )
    )
