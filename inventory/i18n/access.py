"""Refusals about who may do what: sign-in, API tokens, roles and users; the account page's profile fields.
Vietnamese first, English second; the parameters in braces are the error's `params`."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "error.unauthenticated.token": (
        "Mã API không đúng hoặc đã bị thu hồi",
        "Unknown or revoked API token",
    ),
    "error.forbidden.see_facility": ("{user} không được xem {facility}", "{user} may not see {facility}"),
    "error.forbidden.post_at": (
        "{user} ({role}) không được ghi chứng từ tại {facility}",
        "{user} ({role}) may not post at {facility}",
    ),
    "error.forbidden.see_document": (
        "{user} không được xem chứng từ số {id}",
        "{user} may not see document {id}",
    ),
    "error.forbidden.see_count": (
        "{user} không được xem phiếu kiểm kê số {id}",
        "{user} may not see count {id}",
    ),
    "error.forbidden.see_shipment": (
        "{user} không được xem chuyến hàng số {id}",
        "{user} may not see shipment {id}",
    ),
    "error.forbidden.see_commune": (
        "{user} không được xem xã {commune}",
        "{user} may not see commune {commune}",
    ),
    "error.forbidden.import_commune": (
        "{user} không được nhập trẻ của xã {commune}",
        "{user} may not import children of commune {commune}",
    ),
    "error.forbidden.child_elsewhere": (
        "Trẻ {child} đã đăng ký ở xã {commune}, sổ của xã đó không do {user} quản lý",
        "Child {child} is registered in commune {commune}, whose register {user} does not keep",
    ),
    "error.forbidden.add_users": (
        "{user} ({role}) không được thêm người dùng",
        "{user} ({role}) may not add users",
    ),
    "error.forbidden.read_audit": (
        "{user} ({role}) không được xem nhật ký thao tác",
        "{user} ({role}) may not read the audit trail",
    ),
    "error.forbidden.change_schedule": (
        "{user} ({role}) không được thay lịch tiêm chủng",
        "{user} ({role}) may not change the EPI schedule",
    ),
    "error.forbidden.change_forecast_settings": (
        "{user} ({role}) không được thay tham số dự trù",
        "{user} ({role}) may not change forecast parameters",
    ),
    "error.forbidden.change_report_settings": (
        "{user} ({role}) không được thay cài đặt báo cáo",
        "{user} ({role}) may not change report settings",
    ),
    "error.forbidden.change_alert_settings": (
        "{user} ({role}) không được thay ngưỡng cảnh báo",
        "{user} ({role}) may not change alert thresholds",
    ),
    "error.forbidden.record_vvm": (
        "{user} ({role}) không được ghi giai đoạn VVM của lô",
        "{user} ({role}) may not record a lot's VVM stage",
    ),
    "error.forbidden.hold_lot": (
        "{user} ({role}) không được tạm giữ hay giải phóng lô",
        "{user} ({role}) may not hold or release a lot",
    ),
    "error.forbidden.verify_ledger": (
        "{user} ({role}) không được kiểm tra sổ kho",
        "{user} ({role}) may not verify the ledger",
    ),
    "error.forbidden.allow_route": (
        "{user} ({role}) không được mở tuyến cung ứng",
        "{user} ({role}) may not allow a supply route",
    ),
    "error.forbidden.revoke_route": (
        "{user} ({role}) không được đóng tuyến cung ứng",
        "{user} ({role}) may not revoke a supply route",
    ),
    "error.user.role": ("Vai trò phải là một trong: {roles}", "The role must be one of {roles}"),
    "error.user.username": (
        "Tên đăng nhập cần từ 1 đến 60 ký tự",
        "A username of 1 to 60 characters is needed",
    ),
    "error.user.exists": ("Người dùng «{username}» đã có", "User «{username}» exists"),
    "error.user.facility_needed.store_keeper": (
        "Thủ kho thuộc về một cơ sở: hãy chọn cơ sở",
        "A store keeper is bound to one facility",
    ),
    "error.user.facility_needed.commune_worker": (
        "Cán bộ trạm y tế xã thuộc về một cơ sở: hãy chọn cơ sở",
        "A commune worker is bound to one facility",
    ),
    "error.user.commune_worker_level": (
        "Cán bộ xã thuộc về một trạm y tế xã",
        "A commune worker belongs to a commune health station",
    ),
    "error.user.store_keeper_level": (
        "Thủ kho thuộc về kho tỉnh hoặc kho huyện",
        "A store keeper belongs to a provincial or district store",
    ),
    "error.user.title": ("Chức vụ dài tối đa {limit} ký tự", "A title is at most {limit} characters"),
    "error.user.full_name": ("Họ tên dài tối đa {limit} ký tự", "A full name is at most {limit} characters"),
    "error.user.others_profile": (
        "Chỉ quản trị viên mới sửa được thông tin của người khác",
        "Only an administrator changes another user's profile",
    ),
    "account.profile": ("Thông tin người ký", "Signer's details"),
    "account.profile_help": (
        "Họ tên và chức vụ in ở chữ ký công văn dự trù do bạn tải về",
        "Your name and title, printed in the signature of the request letters you download",
    ),
    "account.title_field": ("Chức vụ", "Title"),
    "account.save_profile": ("Lưu thông tin", "Save"),
}
