"""Reading import files: what cannot be stored is refused with the row, before anything is written."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from inventory.forecast.api import SettingOverride
from inventory.tabular import ImportFailed, read_rows


def test_a_nul_character_in_a_csv_is_refused_naming_its_row(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes("child_id,name\nC-1,Lò Văn A\nC-2,Pờ\x00Thị B\n".encode())
    with pytest.raises(ImportFailed) as refused:
        read_rows(path)
    assert [(p.message, p.row) for p in refused.value.problems] == [("error.import.file.nul", 3)]
    assert refused.value.texts("vi") == ["dòng 3: register.csv: có ký tự NUL; đây có thật là tệp CSV không?"]
    assert refused.value.texts("en") == [
        "row 3: register.csv: contains a NUL character; is this really a CSV file?"
    ]


def test_a_clean_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes("Child_ID,Name\nC-1,Lò Văn A\n".encode())
    assert read_rows(path) == (["child_id", "name"], [["C-1", "Lò Văn A"]])


def test_a_setting_override_refuses_a_nul_character_naming_the_field() -> None:
    with pytest.raises(msgspec.ValidationError, match="`value` contains a NUL character"):
        msgspec.json.decode(b'{"name": "wastage_rate", "value": "a\\u0000b"}', type=SettingOverride)
