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
    "error.send_again": ("Hãy gửi lại đúng yêu cầu này", "Send the same request again"),
}
