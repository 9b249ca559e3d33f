"""Credentials: sign-in throttling, passwords, deactivation, API tokens, the account and users pages."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    # refusals
    "error.too_many_attempts": ("Đăng nhập sai quá nhiều lần", "Too many failed sign-ins"),
    "error.credentials.throttled": (
        "Đăng nhập sai quá nhiều lần; hãy thử lại sau {minutes} phút",
        "Too many failed sign-ins; try again in {minutes} minutes",
    ),
    "error.credentials.others_password": (
        "Chỉ quản trị viên được đổi mật khẩu của người khác",
        "Only an administrator changes another user's password",
    ),
    "error.credentials.old_password_wrong": ("Mật khẩu hiện tại không đúng", "The current password is wrong"),
    "error.credentials.password_short": (
        "Mật khẩu cần ít nhất {min} ký tự",
        "A password needs at least {min} characters",
    ),
    "error.credentials.admin_only": (
        "Chỉ quản trị viên được làm việc này",
        "Only an administrator may do this",
    ),
    "error.credentials.not_yourself": (
        "Không thể tự khóa tài khoản của chính mình",
        "You cannot deactivate yourself",
    ),
    "error.credentials.others_tokens": (
        "Chỉ quản trị viên được xem hoặc tạo mã API của người khác",
        "Only an administrator sees or makes another user's API tokens",
    ),
    "error.credentials.token_days": (
        "Mã API có hiệu lực từ 1 đến {max} ngày",
        "A token lasts 1 to {max} days",
    ),
    "error.credentials.token_name": (
        "Cần đặt tên cho mã API (1 đến 100 ký tự)",
        "A token needs a name of 1 to 100 characters",
    ),
    "error.credentials.no_token": ("Không có mã API số {id}", "No token {id}"),
    "error.credentials.token_revoked": ("Mã API số {id} đã bị thu hồi", "Token {id} is already revoked"),
    "error.credentials.unknown_user": ("Không có người dùng {username}", "Unknown user {username}"),
    "error.credentials.cookie_write_not_json": (
        "Ghi qua API bằng phiên đăng nhập phải gửi application/json",
        "API writes with a session cookie must be application/json",
    ),
    # sign-in page
    "login.signed_out": (
        "Mật khẩu đã đổi: mọi phiên đăng nhập và mã API đã kết thúc. Hãy đăng nhập lại",
        "Password changed: every session and API token has ended. Sign in again",
    ),
    # navigation
    "nav.account": ("Tài khoản của tôi", "My account"),
    "nav.users": ("Người dùng", "Users"),
    # the account page
    "account.title": ("Tài khoản của tôi", "My account"),
    "account.tokens": ("Mã API", "API tokens"),
    "account.tokens_help": (
        "Mã API cho phần mềm kết nối (máy tính bảng, đồng bộ). Mã chỉ hiện một lần khi tạo; "
        "thu hồi ngay khi mất thiết bị.",
        "Tokens for programs that connect (tablets, sync). A token is shown once when made; "
        "revoke it as soon as a device is lost.",
    ),
    "account.token_once": (
        "Mã API mới: hãy chép ngay, mã sẽ không hiện lại",
        "The new API token: copy it now, it will not be shown again",
    ),
    "account.password": ("Đổi mật khẩu", "Change password"),
    "account.password_help": (
        "Sau khi đổi, mọi phiên đăng nhập (cả phiên này) và mọi mã API của bạn kết thúc.",
        "After the change every session (this one too) and every API token of yours ends.",
    ),
    "account.old_password": ("Mật khẩu hiện tại", "Current password"),
    "account.new_password": ("Mật khẩu mới (ít nhất 10 ký tự)", "New password (at least 10 characters)"),
    "account.new_password_again": ("Nhập lại mật khẩu mới", "New password again"),
    "account.change_password": ("Đổi mật khẩu", "Change password"),
    "account.passwords_differ": ("Hai mật khẩu mới không giống nhau", "The two new passwords differ"),
    # tokens
    "token.name": ("Tên mã", "Name"),
    "token.days": ("Số ngày hiệu lực", "Days valid"),
    "token.made": ("Ngày tạo", "Made"),
    "token.expires": ("Hết hạn", "Expires"),
    "token.last_used": ("Dùng lần cuối", "Last used"),
    "token.state": ("Trạng thái", "State"),
    "token.active": ("Đang dùng", "Active"),
    "token.revoked": ("Đã thu hồi", "Revoked"),
    "token.expired": ("Hết hạn", "Expired"),
    "token.revoke": ("Thu hồi", "Revoke"),
    "token.make": ("Tạo mã API", "Make a token"),
    # the users page
    "users.title": ("Người dùng", "Users"),
    "users.full_name": ("Họ tên", "Full name"),
    "users.role": ("Vai trò", "Role"),
    "users.active": ("Đang hoạt động", "Active"),
    "users.inactive": ("Đã khóa", "Deactivated"),
    "users.deactivate": ("Khóa", "Deactivate"),
    "users.reactivate": ("Mở khóa", "Reactivate"),
    "users.deactivate_help": (
        "Khóa một người dùng kết thúc ngay mọi phiên đăng nhập và mọi mã API của họ; mở khóa cho phép "
        "đăng nhập lại bằng mật khẩu (mã API đã kết thúc không dùng lại được).",
        "Deactivating a user ends their sessions and API tokens at once; reactivating lets them sign in "
        "again with their password (ended tokens stay ended).",
    ),
    "users.tokens": ("Mã API đang dùng", "API tokens in use"),
    "users.set_password": ("Đặt mật khẩu mới", "Set a new password"),
    "users.set_password_help": (
        "Mọi phiên đăng nhập và mã API của người này kết thúc.",
        "Every session and API token of this user ends.",
    ),
    # the command line
    "cli.user.password_changed": (
        "Đã đổi mật khẩu của {username}; mọi phiên đăng nhập và mã API của họ đã kết thúc",
        "Password of {username} changed; their sessions and API tokens have ended",
    ),
    "cli.user.deactivated": (
        "Đã khóa {username}; mọi phiên đăng nhập và mã API của họ đã kết thúc",
        "{username} deactivated; their sessions and API tokens have ended",
    ),
    "cli.user.reactivated": ("Đã mở khóa {username}", "{username} reactivated"),
}
