"""Refusals a user meets, moved from English text to the catalogue: imports (their rows and cells) and stock
postings (the users' and sign-in refusals are in `access`, the register's and forecast's in `planning`).
Vietnamese first, English second; the parameters in braces are the error's `params`
(inventory.errors.InventoryError) or a row problem's (inventory.tabular)."""

from __future__ import annotations

IMPORTS: dict[str, tuple[str, str]] = {
    "import.where.row_column": ("dòng {row}, cột {column}", "row {row}, column {column}"),
    "import.where.row": ("dòng {row}", "row {row}"),
    "import.where.column": ("{column}", "{column}"),
    "import.refused": ("Không ghi gì; các lỗi:", "Nothing was written; the problems:"),
    "error.import.failed": (
        "Không nhập được gì ({count} lỗi): {first}",
        "Nothing was imported ({count} problem(s)): {first}",
    ),
    "error.import.refused": ("{reason}", "{reason}"),
    "error.import.file.not_excel": (
        "{file}: không đọc được tệp Excel ({error})",
        "{file}: not a readable Excel workbook ({error})",
    ),
    "error.import.file.not_utf8": (
        "{file}: không phải văn bản UTF-8; hãy lưu tệp dạng CSV UTF-8 rồi nhập lại",
        "{file}: not UTF-8 text; save the file as CSV UTF-8 and import it again",
    ),
    "error.import.file.nul": (
        "{file}: có ký tự NUL; đây có thật là tệp CSV không?",
        "{file}: contains a NUL character; is this really a CSV file?",
    ),
    "error.import.file.csv": ("{file}: lỗi cú pháp CSV ({error})", "{file}: CSV syntax error ({error})"),
    "error.import.file.kind": (
        "{file}: chỉ nhập được tệp .csv và .xlsx",
        "{file}: only .csv and .xlsx files can be imported",
    ),
    "error.import.file.empty": ("{file}: tệp trống", "{file}: the file is empty"),
    "error.import.columns_missing": (
        "thiếu cột {missing} (cần có: {needed})",
        "missing column(s) {missing} (needed: {needed})",
    ),
    "error.import.no_rows": ("Tệp không có dòng dữ liệu nào", "The file has no data rows"),
    "error.import.stopped": ("… dừng sau {count} lỗi", "… stopped after {count} problems"),
    "error.import.cell.empty": ("ô trống", "empty"),
    "error.import.cell.date": (
        "«{value}» không phải là ngày (dd/mm/yyyy hoặc yyyy-mm-dd)",
        "«{value}» is not a date (dd/mm/yyyy or yyyy-mm-dd)",
    ),
    "error.import.cell.whole": ("«{value}» không phải là số nguyên", "«{value}» is not a whole number"),
    "error.import.cell.minimum": ("{value} nhỏ hơn {minimum}", "{value} is less than {minimum}"),
    "error.import.cell.vvm_stage": (
        "giai đoạn VVM phải từ 1 đến 4 (không phải {value})",
        "the VVM stage must be 1 to 4 (not {value})",
    ),
    "error.import.lot_repeats": (
        "lô {lot} tại {location} đã có ở dòng {first}",
        "lot {lot} at {location} repeats row {first}",
    ),
    "error.register.dose_columns": (
        "có cột {present} nhưng thiếu {absent}: mũi tiêm cần đủ các cột {needed} (các cột khác: {others})",
        "column(s) {present} without {absent}: doses need all of {needed} (other columns: {others})",
    ),
    "error.register.child_differs": (
        "trẻ {child} ở đây ghi «{value}» nhưng ở dòng {first} ghi «{known}»",
        "child {child} has «{value}» here but «{known}» on row {first}",
    ),
    "error.register.dose_repeats": (
        "mũi {antigen} số {dose} của trẻ {child} đã có ở dòng {first}",
        "{antigen} dose {dose} of child {child} repeats row {first}",
    ),
    "error.register.same_day": (
        "trẻ {child} đã có mũi {antigen} số {dose} cùng ngày {day} (dòng {first}); mỗi ngày chỉ một mũi của một loạt",
        "child {child} has {antigen} dose {dose} on {day} too (row {first}); one dose of a series per day",
    ),
    "error.register.antigen_empty": (
        "trống, nhưng dòng có số mũi hoặc ngày tiêm",
        "empty, but the row has a dose number or date",
    ),
    "error.register.sex": ("«{value}» không phải là M/F (Nam/Nữ)", "«{value}» is not M/F (Nam/Nữ)"),
    "error.register.birth_future": ("ngày sinh {day} ở tương lai", "{day} is in the future"),
    "error.register.birth_too_old": ("ngày sinh {day} trước {oldest}", "{day} is before {oldest}"),
    "error.register.commune": (
        "«{value}» không phải là mã xã (cũ hay mới)",
        "«{value}» is not a commune code (old or new)",
    ),
    "error.register.antigen": (
        "«{value}» không có trong lịch tiêm ({known})",
        "«{value}» is not in the schedule ({known})",
    ),
    "error.register.given_on": (
        "ngày tiêm {day} trước ngày sinh hoặc ở tương lai",
        "{day} is before birth or in the future",
    ),
}

STOCK: dict[str, tuple[str, str]] = {
    "error.stock.usable_short": (
        "Chỉ còn {available} liều dùng được, yêu cầu {doses} liều",
        "Only {available} usable doses are available, {doses} were asked for",
    ),
    "error.stock.short": (
        "Chỉ còn {available} liều, yêu cầu {doses} liều",
        "Only {available} doses are available; {doses} were asked for",
    ),
    "error.stock.short_from": (
        "Chỉ còn {available} liều vào ngày {day} và mọi ngày sau đó, yêu cầu {doses} liều",
        "Only {available} doses are available on {day} and every later day; {doses} were asked for",
    ),
    "error.stock.whole_vials": (
        "{doses} liều không phải là số lọ nguyên (mỗi lọ {doses_per_vial} liều)",
        "{doses} doses is not a whole number of vials of {doses_per_vial} doses",
    ),
    "error.stock.too_many_doses": (
        "Quá {limit} liều của một lô tại một vị trí trong một chứng từ",
        "More than {limit} doses of one lot at one place in one document",
    ),
    "error.day.future": ("Ngày {day} ở tương lai", "{day} is in the future"),
    "error.day.too_old": (
        "Ngày {day} đã quá {window_days} ngày (thời hạn ghi lùi ngày)",
        "{day} is more than {window_days} days in the past (the back-dating window)",
    ),
    "error.dates.backwards": ("«Đến ngày» trước «từ ngày»", "date_to is before date_from"),
    "error.lot.unknown": ("Không có lô «{lot}» của {product}", "Unknown lot «{lot}» of {product}"),
    "error.lot.action": (
        "Không có thao tác «{action}» với lô (hold, release hoặc vvm)",
        "No lot action «{action}»: hold, release or vvm",
    ),
    "error.lot.vvm_form": (
        "Giai đoạn VVM phải là một số từ 1 đến 4",
        "The VVM stage is a number from 1 to 4",
    ),
    "error.lot.issue.expired": (
        "Lô {lot} đã hết hạn ngày {day}; không được xuất",
        "Lot {lot} expired on {day}; it may not be issued",
    ),
    "error.lot.issue.on_hold": (
        "Lô {lot} đang bị tạm giữ; không được xuất",
        "Lot {lot} is on hold; it may not be issued",
    ),
    "error.lot.issue.vvm": (
        "Lô {lot} ở giai đoạn VVM {stage} (đã đến điểm hủy); không được xuất",
        "Lot {lot} is at VVM stage {stage} (discard point reached); it may not be issued",
    ),
    "error.lot.use.expired": (
        "Lô {lot} đã hết hạn ngày {day}; không được sử dụng",
        "Lot {lot} expired on {day}; it may not be used",
    ),
    "error.lot.use.on_hold": (
        "Lô {lot} đang bị tạm giữ; không được sử dụng",
        "Lot {lot} is on hold; it may not be used",
    ),
    "error.lot.use.vvm": (
        "Lô {lot} ở giai đoạn VVM {stage} (đã đến điểm hủy); không được sử dụng",
        "Lot {lot} is at VVM stage {stage} (discard point reached); it may not be used",
    ),
    "error.receipt.expired": (
        "Lô {lot} đã hết hạn ngày {day}; không nhận lô hết hạn",
        "Lot {lot} expired on {day}; an expired lot is not received",
    ),
    "error.receipt.vvm": (
        "Lô {lot} đến ở giai đoạn VVM {stage}: không nhận; hãy lập biên bản với bên giao",
        "Lot {lot} arrives at VVM stage {stage}: do not accept it; record the handover minutes (biên bản) "
        "with the supplier",
    ),
    "error.receipt.other_expiry": (
        "Lô {lot} của {product} đã ghi hạn dùng {recorded}, không phải {given}",
        "Lot {lot} of {product} is recorded with expiry {recorded}, not {given}",
    ),
    "error.issue.no_supplier": (
        "{facility} không có đơn vị cấp trên; hãy chọn nơi nhận (to_facility)",
        "{facility} has no supplier; name to_facility",
    ),
    "error.issue.to_itself": (
        "Một cơ sở không xuất cho chính mình; hãy dùng phiếu chuyển kho",
        "A facility does not issue to itself; use a transfer",
    ),
    "error.issue.lot_on_some_lines": (
        "Hãy ghi số lô trên mọi dòng {product} hoặc không dòng nào",
        "Give lot_number on every line of {product} or on none",
    ),
    "error.issue.override_reason": (
        "Các lô đã chọn khác các lô đề xuất (VVM xấu hơn trước, rồi hạn dùng sớm nhất); hãy ghi lý do chọn khác",
        "The chosen lots differ from the proposed ones (worse VVM first, then earliest expiry); give an "
        "override_reason",
    ),
    "error.usage.nothing": (
        "Không có liều nào được tiêm và không mở lọ nào",
        "Nothing given and no vial opened",
    ),
    "error.usage.opened_vial_not_kept": (
        "{doses} liều tiêm từ {vials} lọ {doses_per_vial} liều: lọ {product} đã mở không được giữ sang buổi sau",
        "{doses} doses given from {vials} vial(s) of {doses_per_vial}: an opened {product} vial is not kept "
        "between sessions",
    ),
    "error.transfer.same_location": (
        "Vị trí đi và vị trí đến trùng nhau",
        "from_location and to_location are the same",
    ),
    "error.shipment.not_found": ("Không có chuyến hàng số {id}", "No shipment {id}"),
    "error.shipment.destination_confirms": (
        "Chỉ nơi nhận mới xác nhận chuyến hàng số {id}",
        "Only the destination confirms shipment {id}",
    ),
    "error.shipment.already_received": (
        "Chuyến hàng số {id} đã được nhận",
        "Shipment {id} is already received",
    ),
    "error.shipment.already_cancelled": (
        "Chuyến hàng số {id} đã bị hủy",
        "Shipment {id} is already cancelled",
    ),
    "error.shipment.before_dispatch": (
        "Ngày nhận {day} trước ngày xuất {dispatched}",
        "Received on {day}, before it was dispatched on {dispatched}",
    ),
    "error.shipment.lot_not_on": (
        "Lô {lot} của {product} không có trong chuyến hàng số {id}",
        "Lot {lot} of {product} is not on shipment {id}",
    ),
    "error.shipment.lot_twice": ("Lô {lot} được xác nhận hai lần", "Lot {lot} is confirmed twice"),
    "error.shipment.surplus": (
        "Nhận {received} liều nhưng chỉ xuất {sent} liều; hãy ghi phần thừa bằng phiếu điều chỉnh «phát hiện thêm»",
        "{received} doses received but {sent} were sent; record a surplus as a 'found' adjustment",
    ),
    "error.shipment.short_needs_reason": (
        "Thiếu {short} liều: hãy chọn lý do chênh lệch",
        "{short} doses short: give a difference_reason",
    ),
    "error.shipment.not_a_shortfall_reason": (
        "«{reason}» không phải lý do cho số thiếu; chọn một trong: {known}",
        "«{reason}» is not a reason for a shortfall; use one of {known}",
    ),
    "error.shipment.lots_missing": (
        "Phải xác nhận mọi lô của chuyến hàng; còn thiếu: {missing}",
        "Every lot on the shipment must be confirmed; missing: {missing}",
    ),
    "error.reversal.of_reversal": (
        "Không hủy một chứng từ hủy; hãy ghi lại nghiệp vụ",
        "A reversal is not reversed; post the movement again",
    ),
    "error.reversal.too_old": (
        "Chứng từ số {id} ngày {day} đã quá thời hạn ghi lùi ngày ({window_days} ngày); hãy điều chỉnh bằng "
        "phiếu ghi ngày hôm nay",
        "Document {id} of {day} is older than the back-dating window ({window_days} days); correct it with an "
        "adjustment dated today",
    ),
    "error.reversal.already": ("Chứng từ số {id} đã bị hủy", "Document {id} is already reversed"),
    "error.reversal.shipment_received": (
        "Chuyến hàng số {id} đã được nhận; hãy hủy phiếu nhận trước",
        "Shipment {id} was already received; reverse its receipt first",
    ),
    "error.reversal.shipment_cancelled": (
        "Chuyến hàng số {id} đã bị hủy",
        "Shipment {id} was already cancelled",
    ),
    "error.idempotency.required": (
        "Mọi thao tác ghi cần tiêu đề Idempotency-Key",
        "The Idempotency-Key header is required for every posting",
    ),
    "error.idempotency.length": (
        "Idempotency-Key phải dài từ 8 đến {limit} ký tự",
        "The Idempotency-Key must be 8 to {limit} characters",
    ),
    "error.idempotency.other_user": (
        "Idempotency-Key này đã được người khác dùng; hãy chọn mã mới",
        "This Idempotency-Key was already used by another user; choose a new key",
    ),
    "error.idempotency.other_request": (
        "Idempotency-Key này đã dùng cho một yêu cầu khác",
        "This Idempotency-Key was already used for a different request",
    ),
    "error.send_again.stock_changed": (
        "Các thao tác khác liên tục thay đổi cùng tồn kho; chưa ghi gì: hãy gửi lại đúng yêu cầu này",
        "Other postings kept changing the same stock; nothing was written: send the same request again",
    ),
    "error.send_again.database_busy": (
        "Cơ sở dữ liệu đã hủy yêu cầu vì người khác dùng cùng dữ liệu cùng lúc (mã {sqlstate}); chưa ghi gì: "
        "hãy gửi lại đúng yêu cầu này",
        "The database cancelled this request: others were using the same rows at the same moment "
        "({sqlstate}); nothing was written: send the same request again",
    ),
    "error.send_again.connection_lost": (
        "Mất kết nối tới cơ sở dữ liệu trong khi xử lý; hãy gửi lại đúng yêu cầu này (cùng Idempotency-Key thì "
        "không bao giờ ghi hai lần)",
        "The connection to the database was lost during this request; send the same request again (with the "
        "same Idempotency-Key a posting is never recorded twice)",
    ),
    "error.http.forbidden": (
        "Yêu cầu bị từ chối (phiên làm việc hết hạn hoặc biểu mẫu cũ: hãy tải lại trang)",
        "The request was refused (an expired session or an old form: reload the page)",
    ),
    "error.http.not_found": ("Không có trang hoặc địa chỉ này", "No such page or address"),
    "error.http.method": (
        "Địa chỉ này không nhận kiểu yêu cầu này",
        "This address does not take this kind of request",
    ),
    "error.http.refused": ("Yêu cầu bị từ chối (mã {status})", "The request was refused (status {status})"),
    "error.server": (
        "Máy chủ không trả lời được yêu cầu này (mã yêu cầu {request_id})",
        "The server failed to answer this request (request id {request_id})",
    ),
}

ENTRIES: dict[str, tuple[str, str]] = {**IMPORTS, **STOCK}
