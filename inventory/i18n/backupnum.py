"""Backups and restores (inventory.backup, `vaxstock backup` / `vaxstock restore`) and the forecast's
numbers, Vietnamese first."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "error.backup_refused": ("Không thể sao lưu hoặc khôi phục", "Backup or restore refused"),
    "error.backup.file_exists": (
        "Tệp {path} đã có; dùng --force để ghi đè",
        "{path} already exists; --force replaces it",
    ),
    "error.backup.no_directory": ("Không có thư mục {path}", "There is no directory {path}"),
    "error.backup.no_file": ("Không có tệp {path}", "There is no file {path}"),
    "error.backup.no_database": ("Không có cơ sở dữ liệu tại {path}", "There is no database at {path}"),
    "error.backup.no_file_database": (
        "Cơ sở dữ liệu SQLite này không nằm trong một tệp",
        "This SQLite database is not a file",
    ),
    "error.backup.no_database_name": (
        "Địa chỉ cơ sở dữ liệu không ghi tên cơ sở dữ liệu",
        "The database URL names no database",
    ),
    "error.backup.not_migrated": (
        "Cơ sở dữ liệu chưa được nâng cấp (không có phiên bản lược đồ): chạy vaxstock db upgrade",
        "The database has no schema revision: run vaxstock db upgrade",
    ),
    "error.backup.not_a_backup": (
        "{path} không phải bản sao lưu VaxStock: không phải tệp SQLite cũng không phải bản pg_dump -Fc",
        "{path} is not a VaxStock backup: neither a SQLite file nor a pg_dump -Fc dump",
    ),
    "error.backup.not_vaxstock": (
        "{path} không phải bản sao lưu VaxStock: không có phiên bản lược đồ (bảng alembic_version)",
        "{path} is not a VaxStock backup: it has no schema revision (alembic_version table)",
    ),
    "error.backup.wrong_kind": (
        "Bản sao lưu này là của {found}, cơ sở dữ liệu đích là {expected}",
        "This backup is a {found} backup; the target database is {expected}",
    ),
    "error.backup.wrong_revision": (
        "Bản sao lưu có lược đồ phiên bản {found}, phiên bản VaxStock này dùng {expected}",
        "The backup's schema revision is {found}; this version of VaxStock runs on {expected}",
    ),
    "error.backup.target_not_empty": (
        "Cơ sở dữ liệu {target} đang có {rows} dòng trong {tables} bảng; dùng --force để thay thế",
        "The database {target} holds {rows} rows in {tables} tables; --force replaces them",
    ),
    "error.backup.target_unreadable": (
        "Không đọc được cơ sở dữ liệu {target}: {reason}",
        "The database {target} cannot be read: {reason}",
    ),
    "error.backup.target_in_use": (
        "Cơ sở dữ liệu {target} đang có {sessions} kết nối khác: dừng ứng dụng rồi khôi phục lại",
        "The database {target} has {sessions} other connections: stop the app, then restore again",
    ),
    "error.backup.corrupt": (
        "Bản sao lưu bị hỏng (kiểm tra toàn vẹn): {reason}",
        "The backup is damaged (integrity check): {reason}",
    ),
    "error.backup.not_verified": (
        "Sổ kho trong bản sao lưu không khớp ({problems} lỗi): không khôi phục",
        "The backup's ledger does not verify ({problems} problems): nothing restored",
    ),
    "error.backup.tool_missing": (
        "Không tìm thấy {tool} trong PATH: cài gói postgresql-client cùng phiên bản với máy chủ",
        "{tool} is not on PATH: install the PostgreSQL client tools of the server's version",
    ),
    "error.backup.server_refused": (
        "Máy chủ PostgreSQL từ chối: {reason}",
        "The PostgreSQL server refused: {reason}",
    ),
    "error.backup.tool_failed": ("{tool} báo lỗi: {reason}", "{tool} failed: {reason}"),
    "backup.done": (
        "Đã sao lưu vào {path} ({kind}, lược đồ {revision}, {size} byte)",
        "Backed up to {path} ({kind}, schema revision {revision}, {size} bytes)",
    ),
    "backup.verified": (
        "Bản khôi phục đã được kiểm tra: {pairs} số dư khớp với sổ kho",
        "The restored copy verifies: {pairs} balances equal their movements",
    ),
    "backup.restored": (
        "Đã khôi phục {path} vào {target} (lược đồ {revision}; thay thế {replaced} dòng)",
        "Restored {path} into {target} (schema revision {revision}; {replaced} rows replaced)",
    ),
}
