"""Error messages in Vietnamese (default) and English, by the code of the refusal.

Keys are `error.<code>` for a refusal's general text, or `error.<code>.<case>` for a particular case; the
parameters in braces are the error's `params` (inventory.errors.InventoryError).
"""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "error.invalid_request": ("Yêu cầu không hợp lệ", "Invalid request"),
    "error.validation_failed": ("Dữ liệu không hợp lệ", "Validation failed"),
    "error.not_found": ("Không tìm thấy", "Not found"),
    "error.unknown_reference": ("Không có trong danh mục", "Unknown reference"),
    "error.rule_violated": ("Vi phạm quy tắc quản lý kho", "Stock rule violated"),
    "error.insufficient_stock": ("Không đủ tồn kho", "Insufficient stock"),
    "error.conflict": ("Xung đột với dữ liệu hiện có", "Conflict"),
    "error.idempotency_key_reused": (
        "Mã yêu cầu đã dùng cho một yêu cầu khác",
        "Idempotency key reused with a different request",
    ),
    "error.unauthenticated": ("Cần đăng nhập", "Sign-in required"),
    "error.forbidden": ("Bạn không có quyền thực hiện thao tác này", "You are not allowed to do this"),
    "error.not_found.document": ("Không có chứng từ số {id}", "No document {id}"),
    "error.voucher.none_for_kind": (
        "Chứng từ loại này không có phiếu nhập hay phiếu xuất ({kind})",
        "This kind of document has no receipt or issue voucher ({kind})",
    ),
    "error.reason.unknown": (
        "Lý do «{reason}» không có trong danh mục; các lý do: {known}",
        "Unknown reason «{reason}»; the reasons are: {known}",
    ),
    "error.reason.needs_fewer": (
        "Lý do «{reason}» chỉ dùng khi số liều giảm (ở đây {doses})",
        "Reason «{reason}» is for fewer doses only (here {doses})",
    ),
    "error.reason.needs_more": (
        "Lý do «{reason}» chỉ dùng khi số liều tăng (ở đây {doses})",
        "Reason «{reason}» is for more doses only (here {doses})",
    ),
    "error.product.unknown": ("Không có vắc xin mã «{code}» trong danh mục", "Unknown product «{code}»"),
    "error.facility.unknown": ("Không có cơ sở mã «{code}»", "Unknown facility «{code}»"),
    "error.facility.closed": (
        "Cơ sở {code} không hoạt động ngày {day} (hoạt động từ {since} đến {until})",
        "Facility {code} does not operate on {day} (open from {since} to {until})",
    ),
    "error.facility.not_yet_open": (
        "Cơ sở {code} chưa hoạt động ngày {day} (hoạt động từ {since})",
        "Facility {code} does not operate on {day} (open from {since})",
    ),
    "error.location.unknown": (
        "Không có vị trí bảo quản «{code}» tại {facility}",
        "Unknown storage location «{code}» at {facility}",
    ),
    "error.location.no_transit": (
        "Cơ sở {facility} chưa có vị trí «đang vận chuyển»",
        "Facility {facility} has no transit location",
    ),
    "error.location.which": (
        "{facility} có {count} vị trí bảo quản: chọn một vị trí",
        "{facility} has {count} storage locations: say which one",
    ),
    "error.count.twice": (
        "Lô {lot} tại {location} được đếm hai lần",
        "Lot {lot} at {location} is counted twice",
    ),
    "error.count.not_found": ("Không có phiếu kiểm kê số {id}", "No count {id}"),
    "error.count.submitted": ("Phiếu kiểm kê số {id} đã được chốt", "Count {id} was already submitted"),
    "error.count.incomplete": (
        "Còn {missing} lô có tồn kho ngày {day} chưa được đếm; hãy đếm mọi lô (0 cũng là một số đếm)",
        "{missing} lot(s) with stock on {day} are missing from the count; count every lot (a zero is a count)",
    ),
    "error.doses.zero": ("Số liều phải khác 0", "Doses must not be zero"),
    "error.forecast.period.month": ("Không có tháng {value} (1–12)", "Month {value} does not exist (1–12)"),
    "error.forecast.period.quarter": ("Không có quý {value} (1–4)", "Quarter {value} does not exist (1–4)"),
    "error.forecast.period.span": (
        "Dự trù nhiều năm phải gồm từ 2 năm trở lên, không phải {value}",
        "A multi-year estimate spans 2 or more years, not {value}",
    ),
    "error.forecast.period.backwards": (
        "Kỳ «{value}» kết thúc trước khi bắt đầu",
        "«{value}» ends before it starts",
    ),
    "error.forecast.period.unknown": (
        "«{value}» không phải là một kỳ; hãy ghi 2026-12 (tháng), 2026-Q4 (quý), 2027 (năm) hoặc 2027-2029",
        "«{value}» is not a period; use 2026-12 (month), 2026-Q4 (quarter), 2027 (year) or 2027-2029",
    ),
    "error.forecast.period.past": (
        "Kỳ {value} đã kết thúc ngày {end}, trước hôm nay ({today}); chỉ dự trù cho kỳ hiện tại hoặc sắp tới",
        "Period {value} ended on {end}, before today ({today}); a request is for the present or a future period",
    ),
    "error.forecast.setting.unknown": (
        "Không có tham số «{name}»; các tham số: {known}",
        "Unknown setting «{name}»; the settings are: {known}",
    ),
    "error.forecast.setting.method": (
        "Cách tính «{value}» không có; chọn target_population, consumption hoặc auto",
        "Method «{value}» does not exist; choose target_population, consumption or auto",
    ),
    "error.forecast.setting.whole": ("«{value}» phải là số nguyên", "«{value}» must be a whole number"),
    "error.forecast.setting.number": ("«{value}» phải là một số", "«{value}» must be a number"),
    "error.forecast.setting.coverage": (
        "Tỷ lệ bao phủ {value} không hợp lệ: phải từ 0 đến 1 (0–100 %)",
        "Coverage {value} is impossible: it is between 0 and 1 (0–100 %)",
    ),
    "error.forecast.setting.wastage_rate": (
        "Tỷ lệ hao phí {value} không hợp lệ: phải từ 0 đến dưới 1 (100 %)",
        "Wastage rate {value} is impossible: at least 0 and below 1 (100 %)",
    ),
    "error.forecast.setting.reserve_share": (
        "Dự trữ {value} không thể âm",
        "The reserve share {value} cannot be negative",
    ),
    "error.forecast.setting.lead_time_days": (
        "Thời gian chờ hàng {value} không thể âm",
        "The lead time {value} cannot be negative",
    ),
    "error.forecast.setting.catchup_months": (
        "Tiêm bù phải trải trên ít nhất 1 tháng (không phải {value})",
        "The backlog is cleared over at least 1 month (not {value})",
    ),
    "error.forecast.setting.consumption_growth": (
        "Tiêu thụ không thể giảm từ 100 % trở lên ({value})",
        "Consumption cannot fall by 100 % or more ({value})",
    ),
    "error.forecast.setting.review_months": (
        "Cần ít nhất 1 tháng số liệu (không phải {value})",
        "At least 1 month of history is needed (not {value})",
    ),
    "error.forecast.setting.days_per_month": (
        "Số ngày mỗi tháng phải là số dương (không phải {value})",
        "Days per month must be a positive number (not {value})",
    ),
    "error.forecast.setting.wf_decimals": (
        "Số chữ số thập phân của hệ số hao phí phải là số nguyên (không phải {value})",
        "The wastage factor's decimals must be a whole number (not {value})",
    ),
    "error.forecast.setting.order_rounding": (
        "Làm tròn đặt hàng theo «pack» (hộp) hoặc «vial» (lọ), không phải {value}",
        "Orders round to 'pack' or 'vial', not {value}",
    ),
    "error.forecast.setting.share": (
        "Tỷ lệ dân số {value} không hợp lệ: phải từ 0 đến 1",
        "Population share {value} is impossible: it is between 0 and 1",
    ),
    "error.send_again": ("Hãy gửi lại đúng yêu cầu này", "Send the same request again"),
}
