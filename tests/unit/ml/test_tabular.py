from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from maitre.errors import ValidationFailed
from maitre.ml.tabular import (
    bool_values,
    date_column,
    infer_column,
    numeric_column,
    read_table,
    resolve_column,
)


def write(tmp_path: Path, text: str, name: str = "t.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_header_is_read_as_stripped_strings_indexed_by_line(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "id,amount,flag\n a1 , 3.5,Yes\na2,  ,No\n"))
    assert list(df.columns) == ["id", "amount", "flag"]
    assert df.loc[2, "id"] == "a1"
    assert pd.isna(df.loc[3, "amount"])
    assert list(df.index) == [2, 3]


def test_whitespace_file_without_header_gets_positional_names(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, " 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n"))
    assert list(df.columns) == ["0", "1", "2", "3"]
    assert df.loc[1, "0"] == "00001"  # ids keep their leading zeros
    assert resolve_column(df, "3") == "3"
    assert numeric_column(df, "3").tolist() == [11.77, 12.0]


def test_tsv_without_header_and_positional_columns(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "196\t242\t3\t881250949\n186\t302\t3\t891717742\n"))
    assert df.shape == (2, 4)
    assert resolve_column(df, 1) == "1"
    assert date_column(df, "3").dt.year.tolist() == [1997, 1998]


def test_header_can_be_forced_off(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "a,b\nc,d\n"), header=False)
    assert df.shape == (2, 2)


def test_semicolon_and_gzip_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"name;value\nx;1\ny;2\n"))
    df = read_table(path)
    assert df["value"].tolist() == ["1", "2"]


def test_compact_iso_and_mixed_dates_parse(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "d\n19970101\n1997-02-03\n1997-03-04T10:00:00Z\n"))
    parsed = date_column(df, "d")
    assert parsed.dt.strftime("%Y-%m-%d").tolist() == ["1997-01-01", "1997-02-03", "1997-03-04"]


def test_bad_date_names_column_and_line(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "d,x\n19970101,1\nsoon,2\n"))
    with pytest.raises(ValidationFailed, match=r"column 'd': line 3 has 'soon', not a date"):
        date_column(df, "d")


def test_bad_number_names_column_and_line(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "amount\n1\n2\nlots\n"))
    with pytest.raises(ValidationFailed, match=r"column 'amount': line 4 has 'lots'"):
        numeric_column(df, "amount")


def test_missing_required_number_is_reported(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "a,amount\nx,1\ny,\n"))
    with pytest.raises(ValidationFailed, match=r"line 3 is missing"):
        numeric_column(df, "amount")
    assert numeric_column(df, "amount", allow_missing=True).isna().sum() == 1


def test_unknown_column_name_is_named_in_the_error(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "a,b\n1,2\n"))
    with pytest.raises(ValidationFailed, match=r"column 'churn' not found; the file has: a, b"):
        resolve_column(df, "churn")
    with pytest.raises(ValidationFailed, match=r"column 5 is out of range"):
        resolve_column(df, "5")
    assert resolve_column(df, "A") == "a"


def test_garbage_line_with_too_many_fields_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n1,2\n3,4\nthis,is,garbage\n")
    with pytest.raises(ValidationFailed, match=r"line 4: expected 2 fields, saw 3"):
        read_table(path)


def test_garbage_line_with_too_few_fields_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "1 2 3\n4 5 6\n7 8 9\ngarbage\n10 11 12\n")
    with pytest.raises(ValidationFailed, match=r"line 4: expected 3 fields, saw 1"):
        read_table(path)


def test_blank_lines_are_skipped_but_line_numbers_kept(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "a,b\n1,2\n\n3,x\n"))
    assert list(df.index) == [2, 4]
    with pytest.raises(ValidationFailed, match="line 4"):
        numeric_column(df, "b")


def test_empty_missing_and_binary_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="empty"):
        read_table(write(tmp_path, "\n\n"))
    with pytest.raises(ValidationFailed, match="no such file"):
        read_table(tmp_path / "nope.csv")
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(ValidationFailed, match="binary"):
        read_table(binary)


def test_numbers_stored_as_text_and_booleans_are_inferred() -> None:
    text = pd.Series(["1,234.50", "$12", " 7", np.nan], dtype=object)
    assert infer_column(text).tolist()[:3] == [1234.5, 12.0, 7.0]
    flags = pd.Series(["Yes", "no", np.nan, "YES"], dtype=object)
    mapped = bool_values(flags)
    assert mapped is not None
    assert mapped.tolist()[:2] == [1.0, 0.0]
    assert mapped.tolist()[3] == 1.0
    assert bool_values(pd.Series(["Yes", "Maybe"])) is None
    words = pd.Series(["DSL", "Fiber optic", "No"])
    assert infer_column(words).tolist() == ["DSL", "Fiber optic", "No"]


def test_latin1_file_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes("name,city\nJosé,Málaga\n".encode("latin-1"))
    assert read_table(path).loc[2, "city"] == "Málaga"
