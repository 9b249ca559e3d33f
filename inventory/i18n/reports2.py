"""Catalogue entries of the report settings page and the reports' later refusals (Vietnamese, English)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "error.reports.settings_forbidden": (
        "{user} không được thay đổi thiết lập báo cáo: chỉ quản trị viên được làm việc này",
        "{user} may not change the report settings: only administrators may",
    ),
    "error.reports.share_precision": (
        "Tỷ lệ dân số hoặc tỷ lệ bao phủ trong thiết lập dự trù có quá nhiều chữ số thập phân để tính đúng "
        "chỉ tiêu; hãy nhập tối đa 12 chữ số thập phân",
        "A population share or coverage goal in the forecast settings has too many decimals to compute the "
        "targets exactly; enter at most 12 decimals",
    ),
    "reports.settings.title": ("Thiết lập báo cáo", "Report settings"),
    "reports.settings.intro": (
        "Ngưỡng đánh dấu xã có vấn đề, tuổi trẻ chưa tiêm mũi nào và hạn gửi báo cáo. Mọi người xem "
        "được; chỉ quản trị viên thay đổi.",
        "The thresholds that mark problem communes, the ages of zero-dose children and the reporting "
        "deadlines. Everyone may read them; only administrators change them.",
    ),
    "reports.settings.setting": ("Thiết lập", "Setting"),
    "reports.settings.value": ("Giá trị", "Value"),
    "reports.settings.default": ("Mặc định", "Default"),
    "reports.settings.changed": ("Thay đổi lần cuối", "Last changed"),
    "reports.settings.blank": (
        "Để trống một ô để dùng lại giá trị mặc định. Tất cả giá trị được lưu cùng lúc, hoặc không giá "
        "trị nào nếu có giá trị sai.",
        "Leave a box blank to go back to the default. All values are saved together, or none if one is "
        "wrong.",
    ),
    "reports.settings.save": ("Lưu thiết lập", "Save settings"),
    "reports.settings.saved": ("Đã lưu thiết lập báo cáo.", "The report settings are saved."),
    "reports.settings.admins": (
        "Chỉ quản trị viên được thay đổi các thiết lập này.",
        "Only administrators may change these settings.",
    ),
    "reports.setting.dropout_threshold": (
        "Ngưỡng tỷ lệ bỏ mũi (%): xã có tỷ lệ bỏ mũi cao hơn được đánh dấu",
        "Dropout threshold (%): communes above it are marked",
    ),
    "reports.setting.coverage_threshold": (
        "Ngưỡng tỷ lệ tiêm chủng DPT3 (%): xã thấp hơn được đánh dấu",
        "DTP3 coverage threshold (%): communes below it are marked",
    ),
    "reports.setting.zero_dose_min_age_months": (
        "Trẻ chưa tiêm mũi nào: tuổi tối thiểu (tháng)",
        "Zero-dose children: youngest age (months)",
    ),
    "reports.setting.zero_dose_max_age_months": (
        "Trẻ chưa tiêm mũi nào: tuổi tối đa (tháng)",
        "Zero-dose children: oldest age (months)",
    ),
    "reports.setting.deadline.station_to_district.month": (
        "Hạn trạm y tế gửi huyện, báo cáo tháng (ngày của tháng sau)",
        "Station to district deadline, monthly report (day of the next month)",
    ),
    "reports.setting.deadline.station_to_district.quarter": (
        "Hạn trạm y tế gửi huyện, báo cáo quý (ngày của tháng đầu quý sau)",
        "Station to district deadline, quarterly report (day of the next quarter's first month)",
    ),
    "reports.setting.deadline.station_to_district.year": (
        "Hạn trạm y tế gửi huyện, báo cáo năm (ngày của tháng 1 năm sau)",
        "Station to district deadline, annual report (day of January of the next year)",
    ),
    "reports.setting.deadline.district_to_cdc.month": (
        "Hạn huyện gửi CDC tỉnh, báo cáo tháng (ngày của tháng sau)",
        "District to provincial CDC deadline, monthly report (day of the next month)",
    ),
    "reports.setting.deadline.district_to_cdc.quarter": (
        "Hạn huyện gửi CDC tỉnh, báo cáo quý (ngày của tháng đầu quý sau)",
        "District to provincial CDC deadline, quarterly report (day of the next quarter's first month)",
    ),
    "reports.setting.deadline.district_to_cdc.year": (
        "Hạn huyện gửi CDC tỉnh, báo cáo năm (ngày của tháng 1 năm sau)",
        "District to provincial CDC deadline, annual report (day of January of the next year)",
    ),
}
