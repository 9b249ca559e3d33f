"""Supply route pages: the peer transfer form and the extra routes page."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "nav.peer_transfer": ("Điều chuyển", "Peer transfer"),
    "nav.routes": ("Tuyến cung ứng", "Supply routes"),
    "peer.title": ("Điều chuyển cho đơn vị cùng tuyến", "Transfer to a peer"),
    "peer.explain": (
        "Gửi vắc xin cho một đơn vị cùng tuyến, cùng nơi cấp (ví dụ hai trạm y tế cùng trung tâm y tế), có "
        "ghi lý do. Hàng đang vận chuyển cho đến khi nơi nhận xác nhận.",
        "Send stock to a facility of the same level with the same supplier (two communes of one district "
        "store, say), with the reason. It is in transit until the peer confirms it.",
    ),
    "peer.none": (
        "Đơn vị này không có đơn vị cùng tuyến để điều chuyển",
        "This facility has no peer to transfer to",
    ),
    "peer.send": ("Điều chuyển", "Transfer"),
    "routes.title": ("Tuyến cung ứng bổ sung", "Extra supply routes"),
    "routes.explain": (
        "Tuyến ngoài sơ đồ cung ứng do quản trị viên cho phép (đường bị chia cắt, chiến dịch): nơi đi cấp cho "
        "nơi đến như nơi cấp của nó. Mỗi lần cho phép và kết thúc đều được ghi nhật ký.",
        "Routes beyond the facility tree that an administrator allowed (a road cut, a campaign): FROM "
        "supplies TO as if it were its supplier. Each allowing and ending is audited.",
    ),
    "routes.from": ("Nơi đi", "From"),
    "routes.to": ("Nơi đến", "To"),
    "routes.allowed": ("Người cho phép · ngày", "Allowed by · on"),
    "routes.ended": ("Kết thúc", "Ended"),
    "routes.active": ("Đang hiệu lực", "Active"),
    "routes.end": ("Kết thúc tuyến", "End the route"),
    "routes.allow": ("Cho phép tuyến mới", "Allow a route"),
    "routes.show_all": ("Xem cả tuyến đã kết thúc", "Show ended routes too"),
    "routes.active_only": ("Chỉ tuyến đang hiệu lực", "Active routes only"),
}
