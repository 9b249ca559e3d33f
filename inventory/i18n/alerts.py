"""Stock alerts: kinds, what to do, the page, the digest, the CLI and their errors (Vietnamese first)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    # kinds: the title with its numbers
    "alerts.kind.stock_out": (
        "{product_code}: hết hàng (0 liều dùng được; đang vận chuyển đến {transit} liều)",
        "{product_code}: stock-out (0 usable doses; {transit} doses in transit)",
    ),
    "alerts.kind.below_reserve": (
        "{product_code}: {usable} liều, dưới mức dự trữ {reserve} liều ({months} tháng sử dụng)",
        "{product_code}: {usable} doses, below the reserve of {reserve} doses ({months} months of stock)",
    ),
    "alerts.kind.below_reorder": (
        "{product_code}: {usable} liều, dưới mức đặt hàng {reorder} liều ({months} tháng sử dụng)",
        "{product_code}: {usable} doses, below the re-order level of {reorder} doses ({months} months of stock)",
    ),
    "alerts.kind.above_maximum": (
        "{product_code}: {usable} liều, trên mức tối đa {maximum} liều ({months} tháng sử dụng)",
        "{product_code}: {usable} doses, above the maximum of {maximum} doses ({months} months of stock)",
    ),
    "alerts.kind.stock_out_predicted": (
        "{product_code}: dự kiến hết hàng sau {days_of_stock} ngày, trước khi hàng mới về ({lead_time_days} ngày)",
        "{product_code}: stock-out expected in {days_of_stock} days, before a delivery can arrive "
        "({lead_time_days} days)",
    ),
    "alerts.kind.expiring": (
        "{product_code} lô {lot_number} ({location_code}): {doses} liều hết hạn ngày {expires_on} "
        "(còn {days_left} ngày)",
        "{product_code} lot {lot_number} ({location_code}): {doses} doses expire on {expires_on} "
        "({days_left} days left)",
    ),
    "alerts.kind.expiry_risk": (
        "{product_code} lô {lot_number}: {at_risk} trên {doses} liều sẽ hết hạn ({expires_on}) trước khi dùng "
        "hết với mức dùng {amc} liều/tháng",
        "{product_code} lot {lot_number}: {at_risk} of {doses} doses will expire ({expires_on}) before they can "
        "be used at {amc} doses a month",
    ),
    "alerts.kind.unusable_on_shelf": (
        "{product_code} lô {lot_number} ({location_code}): {doses} liều hết hạn hoặc VVM {vvm_stage} vẫn trong kho",
        "{product_code} lot {lot_number} ({location_code}): {doses} expired or VVM {vvm_stage} doses still on "
        "the shelf",
    ),
    "alerts.kind.on_hold": (
        "{product_code} lô {lot_number} ({location_code}): {doses} liều đang tạm giữ chờ quyết định",
        "{product_code} lot {lot_number} ({location_code}): {doses} doses on hold awaiting a decision",
    ),
    "alerts.kind.shipment_unconfirmed": (
        "Lô hàng từ {from_code} xuất ngày {dispatched_on} ({doses} liều) chưa được xác nhận sau {days} ngày",
        "Shipment from {from_code} dispatched on {dispatched_on} ({doses} doses) not confirmed after {days} days",
    ),
    "alerts.kind.confirmation_discrepancy": (
        "Lô hàng từ {from_code} nhận ngày {received_on}: gửi {doses_sent}, nhận {doses_received} liều "
        "({lines_short} dòng chênh lệch, {lines_vvm} VVM 3/4, {lines_frozen} chỉ thị đông băng)",
        "Shipment from {from_code} received on {received_on}: {doses_sent} doses sent, {doses_received} "
        "received ({lines_short} lines differ, {lines_vvm} VVM 3/4, {lines_frozen} freeze alarms)",
    ),
    "alerts.kind.count_overdue": (
        "Chưa kiểm kê {days} ngày (định kỳ {count_period_days} ngày)",
        "No physical count for {days} days (every {count_period_days} days due)",
    ),
    # what to do
    "alerts.do.stock_out": (
        "Yêu cầu cấp bổ sung ngay hoặc xin điều chuyển từ cơ sở lân cận",
        "Request an emergency supply or a transfer from a neighbouring facility",
    ),
    "alerts.do.below_reserve": (
        "Đặt hàng ngay: tồn kho đã dưới mức dự trữ",
        "Order now: stock is below the reserve",
    ),
    "alerts.do.below_reorder": (
        "Đặt hàng (đã đến mức đặt hàng)",
        "Place an order (the re-order level is reached)",
    ),
    "alerts.do.above_maximum": (
        "Không đặt thêm; cân nhắc điều chuyển số dư",
        "Order nothing more; consider moving the excess",
    ),
    "alerts.do.stock_out_predicted": (
        "Đặt hàng khẩn hoặc xin điều chuyển trước khi hết hàng",
        "Place an urgent order or ask for a transfer before the stock runs out",
    ),
    "alerts.do.expiring": (
        "Xuất dùng lô này trước (hết hạn trước, xuất trước)",
        "Issue this lot first (EEFO)",
    ),
    "alerts.do.expiry_risk": (
        "Dùng lô này trước; tìm nơi có thể dùng kịp",
        "Use this lot first; find a facility that can use it in time",
    ),
    "alerts.do.expiry_risk.move": (
        "Điều chuyển {to_doses} liều đến {to_facility}, nơi sẽ dùng hết trước hạn",
        "Move {to_doses} doses to {to_facility}, which will use them before they expire",
    ),
    "alerts.do.unusable_on_shelf": (
        "Tách riêng và lập biên bản hủy (điều chỉnh giảm)",
        "Set apart and write it off (adjustment)",
    ),
    "alerts.do.on_hold": ("Quyết định: cho dùng lại hoặc hủy", "Decide: release or write off"),
    "alerts.do.shipment_unconfirmed": (
        "Xác nhận lô hàng đã nhận, hoặc liên hệ nơi gửi",
        "Confirm the delivery, or contact the sender",
    ),
    "alerts.do.confirmation_discrepancy": (
        "Xác minh chênh lệch với nơi nhận và lập biên bản",
        "Check the difference with the receiving facility and record it",
    ),
    "alerts.do.count_overdue": ("Kiểm kê kho", "Count the stock"),
    # severities, groups, the page
    "alerts.severity.critical": ("Nghiêm trọng", "Critical"),
    "alerts.severity.warning": ("Cảnh báo", "Warning"),
    "alerts.severity.info": ("Thông tin", "Information"),
    "alerts.name.stock_out": ("Hết hàng", "Stock-out"),
    "alerts.name.below_reserve": ("Dưới mức dự trữ", "Below reserve"),
    "alerts.name.below_reorder": ("Dưới mức đặt hàng", "Below re-order level"),
    "alerts.name.above_maximum": ("Trên mức tối đa", "Above maximum"),
    "alerts.name.stock_out_predicted": ("Sắp hết hàng", "Stock-out expected"),
    "alerts.name.expiring": ("Sắp hết hạn", "Expiring"),
    "alerts.name.expiry_risk": ("Có nguy cơ hết hạn trước khi dùng", "Will expire before use"),
    "alerts.name.unusable_on_shelf": ("Không dùng được còn trong kho", "Unusable stock on the shelf"),
    "alerts.name.on_hold": ("Đang tạm giữ", "On hold"),
    "alerts.name.shipment_unconfirmed": ("Chưa xác nhận nhận hàng", "Delivery not confirmed"),
    "alerts.name.confirmation_discrepancy": ("Nhận hàng có chênh lệch", "Delivery with discrepancy"),
    "alerts.name.count_overdue": ("Quá hạn kiểm kê", "Count overdue"),
    "nav.alerts": ("Cảnh báo", "Alerts"),
    "alerts.title": ("Cảnh báo kho", "Stock alerts"),
    "alerts.across": ("Theo xã", "By commune"),
    "alerts.all_kinds": ("Mọi loại", "All kinds"),
    "alerts.all_severities": ("Mọi mức độ", "All severities"),
    "alerts.all_facilities": ("Mọi cơ sở", "All facilities"),
    "alerts.state.open": ("Đang mở", "Open"),
    "alerts.state.unacknowledged": ("Chưa ghi nhận", "Not acknowledged"),
    "alerts.state.resolved": ("Đã hết", "Resolved"),
    "alerts.state.all": ("Tất cả", "All"),
    "alerts.field.since": ("Từ ngày", "Since"),
    "alerts.field.what": ("Nội dung", "What"),
    "alerts.field.todo": ("Cần làm", "What to do"),
    "alerts.field.kind": ("Loại", "Kind"),
    "alerts.field.severity": ("Mức độ", "Severity"),
    "alerts.field.state": ("Trạng thái", "State"),
    "alerts.field.note": ("Ghi chú", "Note"),
    "alerts.acknowledge": ("Ghi nhận", "Acknowledge"),
    "alerts.acknowledged": ("Đã ghi nhận bởi {by} lúc {at}", "Acknowledged by {by} at {at}"),
    "alerts.resolved": ("Đã hết lúc {at}", "Resolved at {at}"),
    "alerts.open_page": ("Mở trang xử lý", "Open the page"),
    "alerts.count": ("{count} cảnh báo", "{count} alerts"),
    "alerts.total": ("{total} cảnh báo", "{total} alerts"),
    "alerts.page": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "alerts.previous": ("Trang trước", "Previous"),
    "alerts.next": ("Trang sau", "Next"),
    "alerts.none": ("Không có cảnh báo", "No alerts"),
    "alerts.commune": ("Cơ sở", "Facility"),
    # the digest
    "alerts.digest.subject": (
        "VaxStock: {open} cảnh báo đang mở ({critical} nghiêm trọng) — {day}",
        "VaxStock: {open} open alerts ({critical} critical) — {day}",
    ),
    "alerts.digest.greeting": ("Kính gửi {name},", "Dear {name},"),
    "alerts.digest.new": ("Cảnh báo mới", "New alerts"),
    "alerts.digest.resolved": ("Đã hết", "Resolved"),
    "alerts.digest.still_open": ("Vẫn đang mở", "Still open"),
    "alerts.digest.nothing_new": (
        "Không có gì mới kể từ bản tin trước.",
        "Nothing new since the last digest.",
    ),
    "alerts.digest.footer": (
        "Xem tất cả cảnh báo: {url}",
        "All alerts: {url}",
    ),
    # the command line
    "alerts.cli.evaluated": (
        "Đã đánh giá ngày {day}: {opened} mới, {updated} cập nhật, {resolved} đã hết, {still_open} đang mở",
        "Evaluated for {day}: {opened} new, {updated} updated, {resolved} resolved, {still_open} open",
    ),
    "alerts.cli.critical_open": ("{count} cảnh báo nghiêm trọng đang mở", "{count} critical alerts open"),
    "alerts.cli.sent": (
        "Bản tin: {sent} đã gửi, {failed} lỗi (sẽ gửi lại), {skipped} đã gửi trước đó",
        "Digests: {sent} sent, {failed} failed (will be retried), {skipped} sent before",
    ),
    "alerts.cli.failed": (
        "Gửi {channel} đến {recipient} lỗi: {error}",
        "{channel} to {recipient} failed: {error}",
    ),
    "alerts.cli.subscribed": (
        "{user} nhận bản tin tại {email} ({language})",
        "{user} gets the digest at {email} ({language})",
    ),
    "alerts.cli.webhook": (
        "Webhook của {facility}: {url}; khóa ký HMAC (chỉ hiện một lần): {secret}",
        "Webhook of {facility}: {url}; HMAC signing key (shown once): {secret}",
    ),
    "alerts.cli.setting": ("Đã đặt {name} = {value}", "Set {name} = {value}"),
    # errors
    "error.alerts.unknown_setting": ("Không có ngưỡng cảnh báo {name}", "Unknown alert threshold {name}"),
    "error.alerts.windows": (
        "{name} phải là danh sách số ngày (số nguyên không âm)",
        "{name} must be a list of days (whole numbers, zero or more)",
    ),
    "error.alerts.positive": ("{name} phải là số dương", "{name} must be a positive number"),
    "error.alerts.whole": (
        "{name} phải là số nguyên từ {minimum} trở lên",
        "{name} must be a whole number of at least {minimum}",
    ),
    "error.alerts.forecast_setting": (
        "{name} là tham số dự trù: đặt ở trang Dự trù",
        "{name} is a forecast parameter: set it on the forecast page",
    ),
    "error.alerts.facility_only": (
        "{name} chỉ đặt theo cơ sở, không theo vắc xin",
        "{name} is set per facility, not per product",
    ),
    "error.alerts.unknown_facility": ("Không có cơ sở {facility}", "Unknown facility {facility}"),
    "error.alerts.unknown_product": ("Không có vắc xin {product}", "Unknown product {product}"),
    "error.alerts.defaults_admin": (
        "Chỉ quản trị viên đặt ngưỡng chung cho mọi cơ sở",
        "Only an administrator sets thresholds for every facility",
    ),
    "error.alerts.not_yours": (
        "Bạn không được đặt ngưỡng cho {facility}",
        "You may not set thresholds for {facility}",
    ),
    "error.alerts.kind": ("Không có loại cảnh báo {kind}", "Unknown alert kind {kind}"),
    "error.alerts.severity": ("Không có mức độ {severity}", "Unknown severity {severity}"),
    "error.alerts.state": ("Không có trạng thái {state}", "Unknown state {state}"),
    "error.alerts.page": ("Số trang phải từ 1", "The page number starts at 1"),
    "error.alerts.per_page": ("Mỗi trang từ 1 đến {most} dòng", "Between 1 and {most} rows a page"),
    "error.alerts.viewer": ("Người xem không ghi nhận cảnh báo", "A viewer does not acknowledge alerts"),
    "error.alerts.not_found": ("Không có cảnh báo {id}", "No alert {id}"),
    "error.alerts.email": ("{email} không phải địa chỉ e-mail", "{email} is not an e-mail address"),
    "error.alerts.url": ("{url} không phải địa chỉ http(s)", "{url} is not an http(s) address"),
    "error.alerts.unknown_user": ("Không có người dùng {user}", "Unknown user {user}"),
    "error.alerts.acknowledged": (
        "Cảnh báo đã được {by} ghi nhận lúc {at}",
        "Already acknowledged by {by} at {at}",
    ),
}
