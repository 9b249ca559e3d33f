"""Cold chain, second part: the capacity warning, exposure followed through the ledger, and the alarm-rule
overrides' API."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    # Capacity: a receipt, confirmation or transfer that will not fit is warned about before it is saved.
    "error.coldchain.over_capacity": (
        "{location} sẽ chứa {after} lít, quá thể tích bảo quản thực {net} lít (đang dùng {used} lít, "
        "thêm {adding} lít). Xếp bớt sang chỗ khác, hoặc xác nhận để vẫn lưu",
        "{location} would hold {after} litres, over its net storage volume of {net} litres ({used} litres "
        "in use, {adding} litres added). Put some elsewhere, or confirm to save anyway",
    ),
    "capacity.confirm": ("Vẫn lưu dù quá thể tích", "Save anyway, over capacity"),
    # Exposure: doses of an exposed lot that left the location from the excursion's start on.
    "coldchain.moved_title": (
        "Đã chuyển đi từ khi sự cố bắt đầu, báo nơi nhận kiểm tra:",
        "Moved out since it began; tell them to check:",
    ),
    "coldchain.moved": ("{place}: {doses} liều, {day}", "{place}: {doses} doses, {day}"),
    # Alarm-rule overrides per location.
    "error.coldchain.rules.forbidden": (
        "{user} không được đổi quy tắc báo động ở {facility}: chỉ quản trị viên hoặc thủ kho của cơ sở",
        "{user} may not change the alarm rules at {facility}: only an administrator or its store keeper",
    ),
    "error.coldchain.rules.name": (
        "Tên quy tắc '{name}' phải bắt đầu bằng chữ thường, chỉ gồm chữ thường, số và dấu _ (tối đa 64 ký tự)",
        "The rule name '{name}' must start with a lower-case letter and hold only lower-case letters, digits "
        "and _ (64 at most)",
    ),
    "error.coldchain.rules.kind_differs": (
        "Quy tắc '{name}' của loại thiết bị này là quy tắc {kind}; đặt tên khác để thêm quy tắc mới",
        "The rule '{name}' of this equipment type is a {kind} rule; give another name to add a new rule",
    ),
    "error.coldchain.rules.window_needed": (
        "Quy tắc cộng dồn cần khoảng thời gian cộng (window_minutes)",
        "A cumulative rule needs the window its minutes are summed in (window_minutes)",
    ),
    "error.coldchain.rules.window_not_allowed": (
        "Quy tắc liên tục không có khoảng thời gian cộng dồn: bỏ window_minutes",
        "A continuous rule has no window: leave out window_minutes",
    ),
    "error.coldchain.rules.window_short": (
        "Khoảng cộng dồn {window} phút ngắn hơn thời gian vượt ngưỡng {minutes} phút",
        "The window of {window} minutes is shorter than the {minutes} minutes beyond the limit",
    ),
    "error.coldchain.rules.no_override": (
        "{location} không có quy tắc riêng tên '{name}'",
        "{location} has no rule of its own named '{name}'",
    ),
    "coldchain.rules": ("Quy tắc báo động", "Alarm rules"),
    "coldchain.rule.continuous": (
        "{op} {threshold} °C liên tục {minutes} phút",
        "{op} {threshold} °C for {minutes} continuous minutes",
    ),
    "coldchain.rule.cumulative": (
        "{op} {threshold} °C cộng dồn {minutes} phút trong {window} phút",
        "{op} {threshold} °C for {minutes} minutes summed within {window}",
    ),
    "coldchain.rule.source.type": ("theo loại thiết bị", "the equipment type's"),
    "coldchain.rule.source.location": ("riêng của vị trí này", "this location's own"),
}
