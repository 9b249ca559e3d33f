"""What the command line prints besides its help: table headers, values and summaries it has no page label
for (the labels a page already has are reused: field.*, state.*, yes/no/on_hold)."""

ENTRIES: dict[str, tuple[str, str]] = {
    "cli.error": ("lỗi", "error"),
    "cli.col.commune": ("Xã", "Commune"),
    "cli.backlog.schedule": ("lịch tiêm {version}", "schedule {version}"),
    "cli.progress.rows": ("Đang kiểm tra các dòng", "Checking rows"),
    "cli.demo.already": (
        "đã có sẵn ({documents} chứng từ), không thêm gì",
        "already loaded ({documents} documents), nothing added",
    ),
    "cli.demo.count.receipts": ("{n} phiếu nhập", "{n} receipts"),
    "cli.demo.count.issues": ("{n} phiếu xuất", "{n} issues"),
    "cli.demo.count.confirmations": ("{n} lần xác nhận đã nhận hàng", "{n} deliveries confirmed"),
    "cli.demo.count.usage_days": ("{n} ngày ghi sử dụng vắc xin", "{n} days of vaccine use recorded"),
    "cli.demo.count.adjustments": ("{n} điều chỉnh", "{n} adjustments"),
    "cli.demo.count.counts": ("{n} lần kiểm kê", "{n} stock counts"),
    "cli.demo.count.children": ("{n} trẻ trong sổ tiêm chủng", "{n} children in the register"),
    "cli.demo.count.child_doses": ("{n} mũi tiêm", "{n} doses given"),
    "cli.demo.count.excursions": ("{n} sự cố nhiệt độ", "{n} temperature excursions"),
    "cli.demo.count.reports_submitted": ("{n} báo cáo tháng đã gửi", "{n} monthly reports sent"),
    "cli.demo.count.alerts": ("{n} cảnh báo đang mở", "{n} open alerts"),
    "verify.transit": (
        "Cơ sở số {facility}, lô số {lot}: đang vận chuyển {transit} liều trên sổ, nhưng các chuyến hàng "
        "đang đi có {shipments} liều",
        "Facility {facility}, lot {lot}: {transit} doses in transit on the ledger, but the shipments in "
        "transit carry {shipments} doses",
    ),
}
