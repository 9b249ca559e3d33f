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
}
