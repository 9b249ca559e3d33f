"""Input refusals (a value that does not fit its schema, a body that cannot be read) and list paging.

`{label}` is the field's name in the reader's language (the catalogue's `field.<name>`), filled in by
inventory.commands.InputRefused; `{bound}` a number of the schema.
"""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    # ---- a value of the wrong type ----
    "error.input.expected_integer": ("{label} phải là số nguyên", "{label} must be a whole number"),
    "error.input.expected_number": ("{label} phải là một số", "{label} must be a number"),
    "error.input.expected_text": ("{label} phải là chữ", "{label} must be text"),
    "error.input.expected_boolean": ("{label} phải là đúng hoặc sai", "{label} must be true or false"),
    "error.input.expected_list": ("{label} phải là một danh sách", "{label} must be a list"),
    "error.input.expected_object": ("{label} phải là một đối tượng JSON", "{label} must be a JSON object"),
    "error.input.expected_date": (
        "{label} phải là ngày dạng YYYY-MM-DD",
        "{label} must be a date written YYYY-MM-DD",
    ),
    "error.input.expected_datetime": ("{label} phải là ngày giờ", "{label} must be a date and time"),
    "error.input.expected_null": ("{label} phải để trống", "{label} must be empty"),
    "error.input.expected_other": ("{label} không đúng kiểu dữ liệu", "{label} is of the wrong type"),
    # ---- a value out of its bounds ----
    "error.input.integer_above": (
        "{label} phải là số nguyên lớn hơn {bound}",
        "{label} must be a whole number greater than {bound}",
    ),
    "error.input.integer_at_least": (
        "{label} phải là số nguyên từ {bound} trở lên",
        "{label} must be a whole number of at least {bound}",
    ),
    "error.input.integer_below": (
        "{label} phải là số nguyên nhỏ hơn {bound}",
        "{label} must be a whole number less than {bound}",
    ),
    "error.input.integer_at_most": (
        "{label} phải là số nguyên không quá {bound}",
        "{label} must be a whole number of at most {bound}",
    ),
    "error.input.number_above": ("{label} phải lớn hơn {bound}", "{label} must be greater than {bound}"),
    "error.input.number_at_least": ("{label} phải từ {bound} trở lên", "{label} must be at least {bound}"),
    "error.input.number_below": ("{label} phải nhỏ hơn {bound}", "{label} must be less than {bound}"),
    "error.input.number_at_most": ("{label} không được quá {bound}", "{label} must be at most {bound}"),
    "error.input.out_of_range": ("{label} quá lớn", "{label} is out of range"),
    "error.input.text_min": (
        "{label} cần ít nhất {bound} ký tự",
        "{label} needs at least {bound} characters",
    ),
    "error.input.text_max": ("{label} dài tối đa {bound} ký tự", "{label} may be at most {bound} characters"),
    "error.input.list_min": ("{label} cần ít nhất {bound} dòng", "{label} needs at least {bound} item(s)"),
    "error.input.list_max": ("{label} có tối đa {bound} dòng", "{label} may have at most {bound} items"),
    "error.input.pattern": ("{label} không đúng định dạng", "{label} is not in the expected format"),
    "error.input.choice": (
        "{label}: giá trị {value} không có trong danh sách cho phép",
        "{label}: {value} is not one of the allowed values",
    ),
    "error.input.date": ("{label} phải là ngày dạng YYYY-MM-DD", "{label} must be a date written YYYY-MM-DD"),
    # ---- fields present or absent ----
    "error.input.missing": ("Thiếu {label}", "{label} is required"),
    "error.input.unknown": (
        "{label} không phải là trường mà yêu cầu này nhận",
        "{label} is not a field this request takes",
    ),
    "error.input.nul": ("{label} chứa ký tự NUL", "{label} contains a NUL character"),
    "error.input.invalid": ("{label} không hợp lệ ({reason})", "{label} is not valid ({reason})"),
    # ---- bodies ----
    "error.malformed_body": ("Không đọc được dữ liệu gửi lên", "The request body cannot be read"),
    "error.malformed_body.not_utf8": (
        "Dữ liệu gửi lên không phải UTF-8 hợp lệ",
        "The request body is not valid UTF-8",
    ),
    "error.malformed_body.too_deep": (
        "Dữ liệu gửi lên lồng nhau quá sâu để đọc",
        "The request body is nested too deep to read",
    ),
    "error.malformed_body.not_json": (
        "Dữ liệu gửi lên không phải JSON hợp lệ",
        "The request body is not valid JSON",
    ),
    "error.body_too_large": (
        "Dữ liệu gửi lên quá lớn (tối đa {limit} byte)",
        "The request body is too large (at most {limit} bytes)",
    ),
    "error.unsupported_media_type": (
        "Yêu cầu này nhận dữ liệu dạng {expected}",
        "This request takes a body of type {expected}",
    ),
    # ---- field labels the refusals name ----
    "field.lines": ("Các dòng", "Lines"),
    "field.file": ("Tệp", "File"),
    "field.limit": ("Số dòng mỗi trang", "Rows per page"),
    "field.offset": ("Vị trí bắt đầu", "Offset"),
    "field.after": ("Trang tiếp sau", "Next page cursor"),
    "field.document_id": ("Mã chứng từ", "Document id"),
    "field.shipment_id": ("Mã chuyến hàng", "Shipment id"),
    "field.count_id": ("Mã phiếu kiểm kê", "Count id"),
    "field.as_of": ("Tính đến ngày", "As of"),
    "field.counted_on": ("Ngày kiểm kê", "Count date"),
    "field.from_location": ("Từ vị trí", "From location"),
    "field.to_location": ("Đến vị trí", "To location"),
    "field.manufacturer": ("Nhà sản xuất", "Manufacturer"),
    "field.gtin": ("GTIN", "GTIN"),
    "field.request": ("Yêu cầu", "Request"),
    "field.result": ("Kết quả", "Result"),
    "field.id": ("Mã", "Id"),
    "field.token": ("Mã truy cập", "Token"),
    "field.days": ("Số ngày", "Days"),
    "field.role": ("Vai trò", "Role"),
    "field.source": ("Nguồn", "Source"),
    "field.rows": ("Số dòng", "Rows"),
    # ---- paging ----
    "paging.next": ("Trang sau →", "Next page →"),
    "paging.previous": ("← Trang trước", "← Previous page"),
    "paging.first": ("Trang đầu", "First page"),
    "paging.showing": ("Dòng {first}–{last} trên {total}", "Rows {first}–{last} of {total}"),
    # ---- audit changes ----
    "audit.changed": ("{before} → {after}", "{before} → {after}"),
    "audit.no_changes": ("(không có thay đổi)", "(no changes)"),
}
