"""What the command line prints on success, and the names of the roles."""

ENTRIES: dict[str, tuple[str, str]] = {
    "cli.db.upgraded": (
        "Cơ sở dữ liệu đã ở phiên bản mới nhất; đã thêm {added} dòng danh mục",
        "Database at the latest version; catalogue rows added: {added}",
    ),
    "cli.demo.loaded": ("Dữ liệu mẫu: {summary}", "Demo data: {summary}"),
    "cli.demo.sign_ins": (
        "Tài khoản CHỈ DÙNG CHO DEMO (đổi hoặc xoá trước khi dùng thật):",
        "DEMO ONLY sign-ins (change or remove them before real use):",
    ),
    "cli.demo.user_at": ("{role} tại {facility}", "{role} at {facility}"),
    "cli.serving": (
        "Đang phục vụ tại http://{host}:{port}  (API /api/v1, tài liệu /schema)",
        "Serving on http://{host}:{port}  (API /api/v1, docs /schema)",
    ),
    "cli.import.done": (
        "Đã nhập {lines} dòng thành chứng từ số {ids}",
        "Imported {lines} lines as document(s) {ids}",
    ),
    "cli.register.imported": (
        "Đã thêm {added} trẻ, cập nhật {updated} trẻ, {doses} mũi tiêm; xã: {communes}",
        "{added} children added, {updated} updated, {doses} doses; communes: {communes}",
    ),
    "cli.schedule.written": (
        "Đã ghi {rows} dòng lịch tiêm vào {path}",
        "{rows} schedule rows written to {path}",
    ),
    "cli.schedule.loaded": (
        "Đã nạp lịch tiêm; phiên bản áp dụng hôm nay: {version}",
        "Schedule loaded; in force today: {version}",
    ),
    "cli.forecast.workbook": ("Đã ghi bảng tính vào {path}", "Workbook written to {path}"),
    "cli.forecast.letter": ("Đã ghi công văn vào {path}", "Letter written to {path}"),
    "cli.user.added": ("Đã thêm người dùng {username} ({role})", "User {username} added ({role})"),
    "cli.user.added_at": (
        "Đã thêm người dùng {username} ({role}, {facility})",
        "User {username} added ({role}, {facility})",
    ),
    "cli.token.id": ("Số", "Id"),
    "cli.token.revoked": ("Đã thu hồi mã API số {id}", "API token {id} revoked"),
    "role.admin": ("Quản trị", "Administrator"),
    "role.store_keeper": ("Thủ kho", "Store keeper"),
    "role.commune_worker": ("Cán bộ trạm y tế", "Commune health worker"),
    "role.viewer": ("Chỉ xem", "Viewer"),
}
