"""Alerts on duties kept on time: the twice-daily reading, an excursion's lots, broken equipment, the monthly
report (Vietnamese first)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "alerts.kind.reading_missing": (
        "{location_code}: thiếu {missing} lần ghi nhiệt độ trong {reading_days} ngày gần nhất "
        "(từ ngày {first_day}, gần nhất ngày {last_day})",
        "{location_code}: {missing} temperature readings missing over the last {reading_days} days "
        "(from {first_day}, latest {last_day})",
    ),
    "alerts.kind.excursion_open": (
        "{location_code}: sự cố nhiệt độ {excursion_text} ngày {alarm_on}, {lots} lô ({doses} liều) đang tạm giữ "
        "chờ quyết định",
        "{location_code}: {excursion_text} excursion on {alarm_on}, {lots} lots ({doses} doses) held awaiting a "
        "decision",
    ),
    "alerts.kind.equipment_broken": (
        "{location_code}: thiết bị {status_text} từ ngày {status_on} ({status_reason}); đang chứa {doses} liều",
        "{location_code}: equipment {status_text} since {status_on} ({status_reason}); {doses} doses inside",
    ),
    "alerts.kind.report_overdue": (
        "{report_text} tháng {period} chưa gửi, hạn ngày {due_on} (quá {days_late} ngày)",
        "{report_text} for {period} not sent, due on {due_on} ({days_late} days late)",
    ),
    "alerts.do.reading_missing": (
        "Ghi nhiệt độ buổi sáng và buổi chiều vào sổ theo dõi",
        "Record the morning and afternoon temperatures in the log",
    ),
    "alerts.do.excursion_open": (
        "Đọc VVM hoặc làm nghiệm pháp lắc, rồi cho dùng lại hoặc hủy từng lô",
        "Read the VVM or do the shake test, then release or write off each lot",
    ),
    "alerts.do.equipment_broken": (
        "Chuyển vắc xin sang thiết bị khác và báo sửa chữa",
        "Move the vaccine to other equipment and have it repaired",
    ),
    "alerts.do.report_overdue": ("Lập và gửi báo cáo", "Prepare and submit the report"),
    "alerts.name.reading_missing": ("Thiếu ghi nhiệt độ", "Reading missing"),
    "alerts.name.excursion_open": ("Sự cố nhiệt độ chưa xử lý", "Open excursion"),
    "alerts.name.equipment_broken": ("Thiết bị lạnh hỏng", "Equipment broken"),
    "alerts.name.report_overdue": ("Báo cáo quá hạn", "Report overdue"),
    "alerts.equipment.broken": ("hỏng", "broken"),
    "alerts.equipment.needs_repair": ("cần sửa chữa", "needs repair"),
    "alerts.excursion.heat": ("nóng", "heat"),
    "alerts.excursion.freeze": ("đông băng", "freeze"),
    "error.alerts.subscription_not_yours": (
        "Chỉ {user} hoặc quản trị viên được đổi nơi nhận bản tin của {user}",
        "Only {user} or an administrator may change {user}'s digest",
    ),
    "error.alerts.webhook_not_yours": (
        "Chỉ quản trị viên hoặc thủ kho của {facility} (hay nơi cấp cho {facility}) được đặt webhook",
        "Only an administrator or the store keeper of {facility} (or of its supplier) may set its webhook",
    ),
    "error.alerts.language": (
        "Ngôn ngữ {language} không có (vi hoặc en)",
        "No language {language} (vi or en)",
    ),
    "error.alerts.no_subscription": ("{user} chưa đăng ký bản tin", "{user} has no digest subscription"),
    "alerts.delivery.title": ("Nhận cảnh báo qua e-mail và webhook", "Alerts by e-mail and webhook"),
    "alerts.delivery.subscription": ("Bản tin hằng ngày của {user}", "{user}'s daily digest"),
    "alerts.delivery.email": ("E-mail", "E-mail"),
    "alerts.delivery.language": ("Ngôn ngữ", "Language"),
    "alerts.delivery.active": ("Đang nhận", "Active"),
    "alerts.delivery.save": ("Lưu", "Save"),
    "alerts.delivery.saved": ("Đã lưu", "Saved"),
    "alerts.delivery.webhooks": ("Webhook của cơ sở", "Facility webhooks"),
    "alerts.delivery.url": ("Địa chỉ (URL)", "Address (URL)"),
    "alerts.delivery.secret": (
        "Khóa HMAC của {facility} (chỉ hiện một lần, hãy lưu lại): {secret}",
        "{facility}'s HMAC key (shown once, keep it): {secret}",
    ),
    "alerts.delivery.none": ("Chưa có webhook", "No webhook yet"),
    "alerts.delivery.link": ("Nhận qua e-mail / webhook", "By e-mail / webhook"),
    "error.alerts.hour": ("{name} phải là giờ từ 0 đến 23", "{name} must be an hour from 0 to 23"),
}
