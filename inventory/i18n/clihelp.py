"""The `vaxstock --help` pages (part one) and click's own words.

`help.<command path>` is a command's description, `help.<command path>.<option>` an option's and
`help.<command path>.arg.<argument>` an argument's (inventory/cli/i18nclick.py reads them when a help page
is shown). `click.*` are click's texts, its English kept word for word (inventory.cli.i18nclick.CLICK_WORDS).
The rest of the commands are in `clihelp2`.
"""

from __future__ import annotations

CLICK: dict[str, tuple[str, str]] = {
    "click.usage": ("Cách dùng:", "Usage:"),
    "click.options": ("Tùy chọn", "Options"),
    "click.commands": ("Lệnh", "Commands"),
    "click.arguments": ("Đối số", "Positional arguments"),
    "click.help_option": ("Hiện hướng dẫn này rồi thoát.", "Show this message and exit."),
    "click.default": ("mặc định: {default}", "default: {default}"),
    "click.env_var": ("biến môi trường: {var}", "env var: {var}"),
    "click.required": ("bắt buộc", "required"),
    "click.dynamic": ("(tính khi chạy)", "(dynamic)"),
    "click.error": ("Lỗi: {message}", "Error: {message}"),
    "click.try_help": ("Gõ '{command} {option}' để xem hướng dẫn.", "Try '{command} {option}' for help."),
    "click.aborted": ("Đã huỷ!", "Aborted!"),
    "click.missing_argument": ("Thiếu đối số", "Missing argument"),
    "click.missing_option": ("Thiếu tùy chọn", "Missing option"),
    "click.missing_parameter": ("Thiếu tham số", "Missing parameter"),
    "click.missing_parameter_name": ("Thiếu tham số: {param_name}", "Missing parameter: {param_name}"),
    "click.missing_command": ("Thiếu lệnh.", "Missing command."),
    "click.invalid": ("Giá trị không hợp lệ: {message}", "Invalid value: {message}"),
    "click.invalid_for": (
        "Giá trị không hợp lệ cho {param_hint}: {message}",
        "Invalid value for {param_hint}: {message}",
    ),
    "click.no_such_option": ("Không có tùy chọn {name!r}.", "No such option {name!r}."),
    "click.no_such_command": ("Không có lệnh {name!r}.", "No such command {name!r}."),
    "click.did_you_mean": ("Có phải ý bạn là {possibility}?", "Did you mean {possibility}?"),
    "click.did_you_mean_one_of": (
        "(Có phải ý bạn là một trong: {possibilities}?)",
        "(Did you mean one of: {possibilities}?)",
    ),
    "click.extra_argument": ("Thừa đối số ({args})", "Got unexpected extra argument ({args})"),
    "click.extra_arguments": ("Thừa các đối số ({args})", "Got unexpected extra arguments ({args})"),
    "click.takes_no_value": (
        "Tùy chọn {name!r} không nhận giá trị.",
        "Option {name!r} does not take a value.",
    ),
    "click.requires_argument": (
        "Tùy chọn {name!r} cần một giá trị.",
        "Option {name!r} requires an argument.",
    ),
    "click.requires_arguments": (
        "Tùy chọn {name!r} cần {nargs} giá trị.",
        "Option {name!r} requires {nargs} arguments.",
    ),
    "click.not_a_number": (
        "{value!r} không phải là {number_type} hợp lệ.",
        "{value!r} is not a valid {number_type}.",
    ),
    "click.out_of_range": ("{value} nằm ngoài khoảng {range}.", "{value} is not in the range {range}."),
    "click.not_the_choice": ("{value!r} không phải là {choice}.", "{value!r} is not {choice}."),
    "click.not_a_choice": (
        "{value!r} không phải là một trong {choices}.",
        "{value!r} is not one of {choices}.",
    ),
    "click.choose_from": ("Chọn một trong:\n\t{choices}", "Choose from:\n\t{choices}"),
    "click.not_the_format": (
        "{value!r} không đúng dạng {format}.",
        "{value!r} does not match the format {format}.",
    ),
    "click.not_a_format": (
        "{value!r} không đúng dạng nào trong {formats}.",
        "{value!r} does not match the formats {formats}.",
    ),
    "click.path_missing": ("{name} {filename!r} không tồn tại.", "{name} {filename!r} does not exist."),
    "click.path_is_file": ("{name} {filename!r} là một tệp.", "{name} {filename!r} is a file."),
    "click.path_is_directory": ("{name} {filename!r} là một thư mục.", "{name} {filename!r} is a directory."),
    "click.path_unreadable": ("Không đọc được {name} {filename!r}.", "{name} {filename!r} is not readable."),
    "click.path_unwritable": ("Không ghi được {name} {filename!r}.", "{name} {filename!r} is not writable."),
    "click.cannot_open": (
        "Không mở được tệp {filename!r}: {message}",
        "Could not open file {filename!r}: {message}",
    ),
    "click.unknown_error": ("lỗi không rõ", "unknown error"),
    "click.file": ("tệp", "file"),
    "click.directory": ("thư mục", "directory"),
    "click.path": ("đường dẫn", "path"),
    "click.text": ("chuỗi", "text"),
    "click.integer": ("số nguyên", "integer"),
    "click.integer_range": ("số nguyên", "integer range"),
    "click.repeat": ("Nhập lại để xác nhận", "Repeat for confirmation"),
    "click.mismatch": ("Lỗi: hai lần nhập không khớp nhau.", "Error: The two entered values do not match."),
    "click.usage_options": ("[TÙY CHỌN]", "[OPTIONS]"),
    "click.usage_command": ("LỆNH [ĐỐI SỐ]...", "COMMAND [ARGS]..."),
    "click.usage_optional_command": ("[LỆNH] [ĐỐI SỐ]...", "[COMMAND] [ARGS]..."),
}

COMMANDS: dict[str, tuple[str, str]] = {
    "help.vaxstock": (
        "VaxStock: quản lý tồn kho vắc xin và dây chuyền lạnh cho Tiêm chủng mở rộng (TCMR).",
        "VaxStock: vaccine stock and cold chain for the EPI (TCMR).",
    ),
    "help.vaxstock.database": (
        "Địa chỉ cơ sở dữ liệu (mặc định: tệp SQLite vaxstock.sqlite3 ở thư mục này; "
        "dùng được postgresql://user@host/db).",
        "Database URL (default: a SQLite file vaxstock.sqlite3 here; postgresql://user@host/db works).",
    ),
    "help.db": ("Lược đồ cơ sở dữ liệu.", "Database schema."),
    "help.db.upgrade": (
        "Nâng cơ sở dữ liệu lên lược đồ mới nhất và nạp danh mục tham chiếu.",
        "Migrate the database to the latest schema and load the reference catalogue.",
    ),
    "help.serve": (
        "Chạy ứng dụng web và API (cơ sở dữ liệu phải được nâng cấp trước).",
        "Serve the web app and API (the database must be migrated).",
    ),
    "help.serve.host": (
        "Địa chỉ lắng nghe (mặc định: VAXSTOCK_HOST, hoặc 127.0.0.1).",
        "Address to listen on (default: VAXSTOCK_HOST, else 127.0.0.1).",
    ),
    "help.serve.port": (
        "Cổng lắng nghe (mặc định: VAXSTOCK_PORT, hoặc 8000).",
        "Port to listen on (default: VAXSTOCK_PORT, else 8000).",
    ),
    "help.serve.workers": (
        "Số tiến trình máy chủ (mặc định: mỗi CPU một tiến trình với PostgreSQL, một với SQLite).",
        "Server processes (default: one per CPU on PostgreSQL, one on SQLite).",
    ),
    "help.demo": (
        "Nâng cấp tệp SQLite mặc định, nạp dữ liệu mẫu Mường Tè (nạp lại không nhân đôi) rồi chạy ứng dụng.",
        "Migrate the default SQLite file, load the Mường Tè demo data (idempotently) and serve it.",
    ),
    "help.demo.host": (
        "Địa chỉ lắng nghe (mặc định: như lệnh serve).",
        "Address to listen on (default: as serve).",
    ),
    "help.demo.port": (
        "Cổng lắng nghe (mặc định: như lệnh serve).",
        "Port to listen on (default: as serve).",
    ),
    "help.demo.no-serve": ("Chỉ nạp dữ liệu mẫu rồi dừng.", "Load the demo data and stop."),
    "help.verify": (
        "Chứng minh mỗi số dư bằng tổng các giao dịch của nó; thoát với mã 1 nếu không khớp.",
        "Prove every balance equals the sum of its movements; exit 1 if not.",
    ),
    "help.stock": (
        "Tồn kho tại FACILITY (mã cơ sở, ví dụ TTYT-MT), theo vắc xin, lô và vị trí bảo quản.",
        "Stock on hand at FACILITY (a facility code such as TTYT-MT), by product, lot and location.",
    ),
    "help.stock.arg.facility": ("Mã cơ sở, ví dụ TTYT-MT.", "The facility code, e.g. TTYT-MT."),
    "help.import": (
        "Nhập tồn đầu kỳ từ tệp CSV hoặc Excel: nhập hết hoặc không nhập gì.",
        "Import opening stock from CSV or Excel, all or nothing.",
    ),
    "help.import.arg.path": (
        "Tệp CSV hoặc Excel (.xlsx) cần nhập.",
        "The CSV or Excel (.xlsx) file to import.",
    ),
    "help.import.facility": ("Mã cơ sở nhận tồn đầu kỳ.", "Facility code receiving the opening stock."),
    "help.import.date": (
        "Ngày của tồn đầu kỳ (mặc định: hôm nay).",
        "Date of the opening stock (default today).",
    ),
    "help.backup": (
        "Sao lưu toàn bộ cơ sở dữ liệu vào FILE trong khi ứng dụng vẫn chạy "
        "(SQLite: một bản sao; PostgreSQL: pg_dump -Fc).",
        "Back up the whole database to FILE while the app runs (SQLite: a copy; PostgreSQL: pg_dump -Fc).",
    ),
    "help.backup.arg.path": ("Tệp sao lưu cần ghi.", "The backup file to write."),
    "help.backup.force": ("Ghi đè FILE nếu đã có.", "Replace FILE if it exists."),
    "help.restore": (
        "Khôi phục FILE vào cơ sở dữ liệu, trọn vẹn hoặc không thay đổi gì: kiểm tra và xác minh trên một bản "
        "riêng rồi mới thay vào.",
        "Restore FILE into the database, all or nothing: checked and verified aside, then swapped in.",
    ),
    "help.restore.arg.path": ("Tệp sao lưu cần khôi phục.", "The backup file to restore."),
    "help.restore.force": (
        "Thay cả cơ sở dữ liệu đã có dữ liệu.",
        "Replace a database that already holds data.",
    ),
}

USERS_AND_ROUTES: dict[str, tuple[str, str]] = {
    "help.user": ("Người dùng và mã API.", "Users and API tokens."),
    "help.user.arg.username": ("Tên đăng nhập.", "The user name."),
    "help.user.add": ("Thêm người dùng.", "Add a user."),
    "help.user.add.role": ("Vai trò của người dùng.", "The user's role."),
    "help.user.add.facility": (
        "Mã cơ sở (với thủ kho và cán bộ trạm y tế).",
        "Facility code (store keepers and commune workers).",
    ),
    "help.user.add.name": ("Họ tên hiện trên các trang.", "Full name shown on pages."),
    "help.user.add.title": (
        "Chức vụ in trên họ tên ở các công văn người này ký.",
        "Title (chức vụ) printed above the name on letters they sign.",
    ),
    "help.user.add.password": (
        "Mật khẩu (hỏi hai lần nếu không ghi ở đây).",
        "Password (asked twice when not given).",
    ),
    "help.user.password_prompt": ("Mật khẩu", "Password"),
    "help.user.profile": ("Đổi họ tên và chức vụ của người dùng.", "Change a user's full name and title."),
    "help.user.profile.name": (
        "Họ tên hiện trên các trang và dưới chữ ký.",
        "Full name shown on pages and under a signature.",
    ),
    "help.user.profile.title": (
        "Chức vụ in trên họ tên ở công văn; '' để xoá.",
        "Title (chức vụ) above the name on letters; '' clears it.",
    ),
    "help.user.passwd": (
        "Đặt mật khẩu cho người dùng; các phiên đăng nhập và mã API của họ chấm dứt.",
        "Set a user's password; their sessions and API tokens end.",
    ),
    "help.user.passwd.password": (
        "Mật khẩu mới (hỏi hai lần nếu không ghi ở đây).",
        "New password (asked twice when not given).",
    ),
    "help.user.passwd.prompt": ("Mật khẩu mới", "New password"),
    "help.user.deactivate": (
        "Khoá người dùng: phiên đăng nhập và mã API của họ chấm dứt, không đăng nhập được nữa.",
        "Deactivate a user: their sessions and API tokens end and they cannot sign in.",
    ),
    "help.user.reactivate": (
        "Cho người dùng đã bị khoá đăng nhập lại (các mã đã chấm dứt vẫn không dùng được).",
        "Let a deactivated user sign in again (their ended tokens stay ended).",
    ),
    "help.user.token": (
        "Tạo mã API (bearer) cho người dùng (chỉ hiện một lần).",
        "Make an API bearer token for a user (shown once).",
    ),
    "help.user.token.name": ("Mã dùng để làm gì.", "What the token is for."),
    "help.user.token.days": ("Mã dùng được bao nhiêu ngày.", "How long the token lasts, in days."),
    "help.user.tokens": (
        "Liệt kê mã API của người dùng: số, tên, ngày tạo, hết hạn, lần dùng cuối, thu hồi.",
        "List a user's API tokens: id, name, made, expires, last used, revoked.",
    ),
    "help.user.revoke": (
        "Chấm dứt ngay một mã API (các tiến trình máy chủ thôi nhận nó trong VAXSTOCK_AUTH_CACHE_SECONDS giây).",
        "End an API token now (server processes stop accepting it within VAXSTOCK_AUTH_CACHE_SECONDS).",
    ),
    "help.user.revoke.arg.token_id": (
        "Số của mã API (xem user tokens).",
        "The token's id (see user tokens).",
    ),
    "help.route": (
        "Tuyến cấp phát bổ sung ngoài cây cơ sở do quản trị cho phép (có ghi vết, thu hồi được).",
        "Extra supply routes an administrator allows beyond the facility tree (audited, revocable).",
    ),
    "help.route.allow": (
        "Cho phép FROM_FACILITY cấp phát cho TO_FACILITY: FROM xuất cho TO; TO nhận từ FROM và trả hàng về FROM.",
        "Allow FROM_FACILITY to supply TO_FACILITY: issue to it; TO receives from and returns to FROM.",
    ),
    "help.route.allow.arg.from_facility": ("Mã cơ sở cấp.", "The supplying facility's code."),
    "help.route.allow.arg.to_facility": ("Mã cơ sở nhận.", "The receiving facility's code."),
    "help.route.allow.reason": (
        "Vì sao cần tuyến này (lưu cùng người cho phép và thời điểm).",
        "Why this route is needed (kept with who and when).",
    ),
    "help.route.list": (
        "Liệt kê các tuyến cấp phát bổ sung (chỉ tuyến còn hiệu lực, trừ khi có --all).",
        "List the extra supply routes (active ones unless --all).",
    ),
    "help.route.list.all": ("Gồm cả tuyến đã thu hồi.", "Include revoked routes."),
    "help.route.revoke": (
        "Chấm dứt một tuyến cấp phát bổ sung; chuyến hàng đang vận chuyển theo tuyến đó vẫn được xác nhận khi nhận.",
        "End an extra supply route; shipments already on the road along it can still be confirmed.",
    ),
    "help.route.revoke.arg.route_id": ("Số của tuyến (xem route list).", "The route's id (see route list)."),
    "help.route.revoke.reason": ("Vì sao chấm dứt tuyến.", "Why the route ends."),
}

ENTRIES: dict[str, tuple[str, str]] = {**CLICK, **COMMANDS, **USERS_AND_ROUTES}
