"""Supply routes: refusals along routes the supply chain does not have, extra routes, direct receipts and
peer transfers."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "error.route_not_allowed": (
        "Tuyến cung ứng này không được phép",
        "This supply route is not allowed",
    ),
    "error.route_not_allowed.itself": (
        "{facility} không thể nhận từ hoặc gửi cho chính mình",
        "{facility} cannot receive from or send to itself",
    ),
    "error.route_not_allowed.station_receipt": (
        "Trạm y tế {facility} không lập phiếu nhập từ {counterparty}: vắc xin về trạm qua xác nhận lô hàng "
        "được cấp, hoặc qua phiếu nhận trực tiếp có ghi lý do",
        "Commune station {facility} does not post a receipt from {counterparty}: stock reaches a station by "
        "confirming a shipment, or as a direct receipt with a reason",
    ),
    "error.route_not_allowed.receipt_without_supplier": (
        "{facility} có nơi cấp trong hệ thống; hãy ghi nơi cấp",
        "{facility} has a supplier in the system; name the supplier",
    ),
    "error.route_not_allowed.receipt": (
        "{facility} không nhận hàng từ {counterparty}: {counterparty} không phải nơi cấp của {facility}",
        "{facility} does not receive from {counterparty}: {counterparty} does not supply {facility}",
    ),
    "error.route_not_allowed.issue": (
        "{facility} không xuất cho {counterparty}: {facility} không cấp cho {counterparty}",
        "{facility} does not issue to {counterparty}: {facility} does not supply {counterparty}",
    ),
    "error.route_not_allowed.return": (
        "{facility} không trả hàng cho {counterparty}: {counterparty} không phải nơi cấp của {facility}",
        "{facility} does not return stock to {counterparty}: {counterparty} does not supply {facility}",
    ),
    "error.route_not_allowed.peer_transfer": (
        "{facility} không điều chuyển cho {counterparty}: hai đơn vị không cùng tuyến và cùng nơi cấp",
        "{facility} does not transfer to {counterparty}: they are not peers (same level, same supplier)",
    ),
    "error.route.itself": (
        "Tuyến cung ứng phải nối hai đơn vị khác nhau ({facility})",
        "A supply route joins two different facilities ({facility})",
    ),
    "error.route.in_tree": (
        "{from_facility} đã là nơi cấp của {to_facility}; không cần thêm tuyến",
        "{from_facility} already supplies {to_facility}; no extra route is needed",
    ),
    "error.route.already_allowed": (
        "Tuyến {from_facility} → {to_facility} đã được cho phép",
        "The route {from_facility} → {to_facility} is already allowed",
    ),
    "error.route.unknown": ("Không có tuyến cung ứng số {route}", "No supply route {route}"),
    "error.route.already_revoked": (
        "Tuyến cung ứng số {route} đã bị thu hồi",
        "Supply route {route} is already revoked",
    ),
    "error.route.unknown_kind": (
        "Loại chứng từ {kind} không có tuyến; dùng một trong: {kinds}",
        "Document kind {kind} has no route; use one of: {kinds}",
    ),
    "nav.return": ("Trả lại", "Return"),
    "return.title": ("Trả vắc xin cho nơi cấp", "Return stock to the supplier"),
    "return.no_supplier": (
        "Đơn vị này không có nơi cấp trong hệ thống để trả lại",
        "This facility has no supplier in the system to return stock to",
    ),
    "kind.direct_receipt": ("Nhận trực tiếp", "Direct receipt"),
    "kind.peer_transfer": ("Điều chuyển ngang", "Peer transfer"),
    "receive.direct_reason": (
        "Lý do nhận trực tiếp (không qua nơi cấp)",
        "Reason for a direct receipt (not from the supplier)",
    ),
    "receive.station_hint": (
        "Vắc xin do nơi cấp gửi về được nhập khi xác nhận lô hàng. Chỉ dùng phiếu này cho hàng nhận trực tiếp "
        "(ví dụ chiến dịch), ghi rõ lý do.",
        "Stock sent by the supplier is received by confirming its shipment. Use this form only for stock "
        "received directly (a campaign delivery, say), with the reason.",
    ),
    "receive.outside": ("Ngoài hệ thống (tuyến trên)", "Outside the system (higher level)"),
    "route.cli.allowed": (
        "Đã cho phép tuyến {from_facility} → {to_facility} (số {route})",
        "Route {from_facility} → {to_facility} allowed (id {route})",
    ),
    "route.cli.revoked": ("Đã thu hồi tuyến số {route}", "Route {route} revoked"),
    "route.cli.none": ("Chưa có tuyến cung ứng bổ sung", "No extra supply routes"),
    "route.cli.active": ("đang dùng", "active"),
    "route.cli.revoked_state": ("đã thu hồi", "revoked"),
    "route.col.id": ("Số", "Id"),
    "route.col.from": ("Từ", "From"),
    "route.col.to": ("Đến", "To"),
    "route.col.reason": ("Lý do", "Reason"),
    "route.col.allowed": ("Cho phép bởi / lúc", "Allowed by / at"),
    "route.col.state": ("Trạng thái", "State"),
}
