"""Monthly reports: usage and wastage, stock movement, immunization results, submission."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    # errors
    "error.reports.period": (
        "Kỳ báo cáo {period} không hợp lệ: dùng tháng (2026-11), quý (2026-Q4) hoặc năm (2026)",
        "Report period {period} is not valid: use a month (2026-11), a quarter (2026-Q4) or a year (2026)",
    ),
    "error.reports.future": (
        "Kỳ báo cáo {period} chưa bắt đầu",
        "Report period {period} has not started yet",
    ),
    "error.reports.facility": ("Không có cơ sở {facility}", "There is no facility {facility}"),
    "error.reports.kind": (
        "Loại báo cáo {kind} không có: usage, results hoặc stock",
        "There is no report {kind}: usage, results or stock",
    ),
    "error.reports.submit_forbidden": (
        "Chỉ cơ sở {facility} (hoặc quản trị viên) mới gửi được báo cáo của cơ sở này",
        "Only {facility} itself (or an administrator) may submit its report",
    ),
    "error.reports.not_submitted": (
        "{facility} chưa gửi báo cáo kỳ này",
        "{facility} has not submitted this report for the period",
    ),
    "error.reports.setting_unknown": ("Không có thiết lập {name}", "There is no setting {name}"),
    "error.reports.setting_whole_number": (
        "{name} phải là số nguyên (nhận được {value})",
        "{name} must be a whole number (got {value})",
    ),
    "error.reports.setting_day_of_month": (
        "{name} phải là ngày từ 1 đến 28 (nhận được {value})",
        "{name} must be a day from 1 to 28 (got {value})",
    ),
    "error.reports.setting_percent": (
        "{name} phải từ 0 đến 100 % (nhận được {value})",
        "{name} must be between 0 and 100 % (got {value})",
    ),
    "error.reports.setting_months": (
        "{name} phải từ 0 đến 120 tháng (nhận được {value})",
        "{name} must be between 0 and 120 months (got {value})",
    ),
}
