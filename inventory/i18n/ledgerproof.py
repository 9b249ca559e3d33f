"""A ledger that proves itself: what `vaxstock verify` says about hash chains and negative days."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "verify.table.movement": ("dòng sổ kho", "movement"),
    "verify.table.audit_event": ("sự kiện nhật ký", "audit event"),
    "verify.chain.hash": (
        "{table} {row} (chuỗi {chain}, số {seq}): mã băm không khớp với nội dung hoặc vị trí của dòng",
        "{table} {row} (chain {chain}, no. {seq}): its hash does not match its contents or its place",
    ),
    "verify.chain.gap": (
        "{table} {row} (chuỗi {chain}, số {seq}): thiếu dòng ngay trước dòng này",
        "{table} {row} (chain {chain}, no. {seq}): rows are missing just before it",
    ),
    "verify.chain.unchained": (
        "{table} {row} (chuỗi {chain}): dòng không có mã băm hoặc nằm sai chuỗi của cơ sở",
        "{table} {row} (chain {chain}): the row has no hash or sits in another facility's chain",
    ),
    "verify.chain.head": (
        "chuỗi {chain}: điểm cuối đã ghi không phải dòng cuối tìm thấy ({table} {row}, số {seq}); "
        "có dòng bị xóa ở cuối chuỗi hoặc điểm cuối bị sửa",
        "chain {chain}: its recorded head is not the last row found ({table} {row}, no. {seq}); rows were "
        "deleted from its end or the head was altered",
    ),
    "verify.negative_day": (
        "{facility} / {location}, {product} lô {lot_number}: tồn cuối ngày {day} là {doses} liều "
        "(lần xuất đầu tiên trong ngày: dòng sổ kho {movement})",
        "{facility} / {location}, {product} lot {lot_number}: {doses} doses at the end of {day} "
        "(that day's first draw: movement {movement})",
    ),
    "verify.mismatch": (
        "vị trí {location} lô {lot}: tồn {balance}, sổ kho {ledger}",
        "location {location} lot {lot}: balance {balance}, ledger {ledger}",
    ),
    "verify.ok": (
        "sổ kho đã được kiểm chứng: {pairs} số dư (vị trí, lô) bằng tổng các dòng; {chains} chuỗi băm "
        "({rows} dòng) đều khớp; không ngày nào tồn cuối ngày âm",
        "ledger verified: {pairs} (location, lot) balances equal their movements; {chains} hash chains "
        "({rows} rows) recompute; no balance was negative at the end of any day",
    ),
    "verify.failed": (
        "sổ kho KHÔNG được kiểm chứng: {problems} vấn đề",
        "ledger NOT verified: {problems} problems",
    ),
}
