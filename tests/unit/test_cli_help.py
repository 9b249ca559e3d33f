"""`vaxstock --help` and click's errors speak the CLI's language: Vietnamese by default, English on request."""

from __future__ import annotations

import ast
import gettext
from collections.abc import Iterator
from pathlib import Path

import click
import click.core
import pytest
from click.testing import CliRunner, Result

from inventory.cli import main
from inventory.cli.i18nclick import CLICK_MODULES, CLICK_WORDS
from inventory.i18n import CATALOGUE

NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


def run(*args: str, lang: str = "vi", **kwargs: object) -> Result:
    return CliRunner(env={**NO_LOCALE, "VAXSTOCK_LANGUAGE": lang}).invoke(
        main, list(args), prog_name="vaxstock", **kwargs
    )


def squeezed(text: str) -> str:
    """Text without its whitespace: a help page wraps its lines wherever the width falls."""
    return "".join(text.split())


def every_command(
    command: click.Command = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from every_command(sub, (*path, name))


COMMANDS = list(every_command())


def descriptions(command: click.Command, lang: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(what, text) for the command and each of its options and arguments, read in a language."""
    monkeypatch.setenv("VAXSTOCK_LANGUAGE", lang)
    found = [("command", command.help or "")]
    found += [(param.name or "?", getattr(param, "help", None) or "") for param in command.params]
    return found


def test_the_walk_reaches_every_command_of_every_group() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {
        "",
        "db upgrade",
        "user add",
        "user password",
        "alerts webhook",
        "temps import",
        "route revoke",
    } <= paths
    assert len(COMMANDS) > 35


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "vaxstock" for p, _ in COMMANDS])
def test_every_command_option_and_argument_is_described_in_vietnamese_and_in_english(
    path: tuple[str, ...], command: click.Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = {}
    for lang in ("vi", "en"):
        page = run(*path, "--help", lang=lang)
        assert page.exit_code == 0, page.output
        texts[lang] = descriptions(command, lang, monkeypatch)
        for what, text in texts[lang]:
            assert text, f"{' '.join(path)}: {what} has no help text in {lang}"
            assert not text.startswith("help."), f"{' '.join(path)}: {what}: {text} is not in the catalogue"
            assert squeezed(text) in squeezed(page.output), f"{' '.join(path)}: {what} not shown in {lang}"
    for (what, vi), (_, en) in zip(texts["vi"], texts["en"], strict=True):
        assert vi != en, f"{' '.join(path)}: {what} is not translated: {vi!r}"


def test_the_main_help_page_is_vietnamese_by_default() -> None:
    page = run("--help").output
    assert page.startswith("Cách dùng: vaxstock [TÙY CHỌN] LỆNH [ĐỐI SỐ]...")
    assert "\nTùy chọn:\n" in page and "\nLệnh:\n" in page
    assert squeezed("Địa chỉ cơ sở dữ liệu (mặc định: tệp SQLite vaxstock.sqlite3") in squeezed(page)
    assert "Hiện hướng dẫn này rồi thoát." in page
    assert "Usage" not in page and "Options" not in page and "Database URL" not in page


def test_the_main_help_page_is_english_when_asked_for() -> None:
    page = run("--help", lang="en").output
    assert page.startswith("Usage: vaxstock [OPTIONS] COMMAND [ARGS]...")
    assert "\nOptions:\n" in page and "\nCommands:\n" in page and "Show this message and exit." in page
    assert squeezed("Database URL (default: a SQLite file vaxstock.sqlite3 here;") in squeezed(page)


@pytest.mark.parametrize(
    ("locale", "usage"),
    [
        ("en_US.UTF-8", "Usage:"),
        ("vi_VN.UTF-8", "Cách dùng:"),
        ("C.UTF-8", "Cách dùng:"),
        (None, "Cách dùng:"),
    ],
)
def test_without_vaxstock_language_the_locale_chooses(locale: str | None, usage: str) -> None:
    env = {**NO_LOCALE, "VAXSTOCK_LANGUAGE": None, "LANG": locale}
    assert CliRunner(env=env).invoke(main, ["--help"]).output.startswith(usage)


def test_an_option_page_shows_its_argument_default_and_required_marks_in_vietnamese() -> None:
    page = run("user", "token", "--help").output
    assert "\nĐối số:\n  USERNAME  Tên đăng nhập." in page
    assert "--days SỐ NGUYÊN" in page and "[mặc định: 90]" in page
    assert "[bắtbuộc]" in squeezed(run("route", "allow", "--help").output)


def test_a_bad_option_value_is_refused_in_vietnamese_naming_the_option() -> None:
    refused = run("serve", "--workers", "0")
    assert refused.exit_code == 2
    assert "Lỗi: Giá trị không hợp lệ cho '--workers': 0 nằm ngoài khoảng x>=1." in refused.output
    assert "Cách dùng: vaxstock serve [TÙY CHỌN]" in refused.output
    assert "Gõ 'vaxstock serve --help' để xem hướng dẫn." in refused.output
    not_a_number = run("serve", "--port", "tám")
    assert (
        "Lỗi: Giá trị không hợp lệ cho '--port': 'tám' không phải là số nguyên hợp lệ." in not_a_number.output
    )
    role = run("user", "add", "bob", "--role", "chief", "--password", "x")
    assert "cho '--role': 'chief' không phải là một trong 'admin', 'store_keeper'" in role.output


def test_the_same_refusal_is_english_when_asked_for() -> None:
    refused = run("serve", "--workers", "0", lang="en")
    assert "Error: Invalid value for '--workers': 0 is not in the range x>=1." in refused.output
    assert "Try 'vaxstock serve --help' for help." in refused.output


def test_missing_options_arguments_files_and_commands_are_named_in_vietnamese(tmp_path: Path) -> None:
    sheet = tmp_path / "opening.csv"
    sheet.write_text("x\n", encoding="utf-8")
    assert "Lỗi: Thiếu tùy chọn '--facility'." in run("import", str(sheet)).output
    assert "Lỗi: Thiếu đối số 'PATH'." in run("import").output
    missing = run("import", str(tmp_path / "none.csv"), "--facility", "TTYT-MT").output
    assert "Lỗi: Giá trị không hợp lệ cho 'PATH': Tệp" in missing and "không tồn tại." in missing
    assert "Lỗi: Không có lệnh 'stok'. Có phải ý bạn là 'stock'?" in run("stok").output
    assert "Lỗi: Không có tùy chọn '--hep'. Có phải ý bạn là '--help'?" in run("stock", "--hep").output
    assert "Lỗi: Thừa đối số (B)" in run("stock", "A", "B").output


def test_the_password_prompt_and_its_mismatch_are_vietnamese() -> None:
    asked = run("user", "add", "bob", "--role", "admin", input="một\nhai\n")
    assert "Mật khẩu: " in asked.output and "Nhập lại để xác nhận: " in asked.output
    assert "Lỗi: hai lần nhập không khớp nhau." in asked.output
    assert asked.exit_code == 1 and "Đã huỷ!" in asked.output  # the input ran out at the third question


def test_click_speaks_its_own_language_again_once_vaxstock_is_done() -> None:
    run("--help")
    assert click.core._ is gettext.gettext and click.core.ngettext is gettext.ngettext
    plain = click.Command("plain", help="Plain.")
    assert plain.get_help(click.Context(plain, info_name="plain")).startswith("Usage: plain [OPTIONS]")


def _string_constants(module: str) -> set[str]:
    source = Path(__import__(module, fromlist=["_"]).__file__ or "").read_text(encoding="utf-8")
    return {
        n.value
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_every_click_text_we_translate_is_still_clicks_wording_and_english_in_the_catalogue() -> None:
    clicks = set().union(*(_string_constants(module) for module in CLICK_MODULES))
    gone = sorted(text for text in CLICK_WORDS if text not in clicks)
    assert not gone, f"click no longer says these (upgrade?): {gone}"
    for text, key in CLICK_WORDS.items():
        assert CATALOGUE[key][1] == text, key
        assert CATALOGUE[key][0] != text, f"{key} is not translated"
