"""Reading interaction logs: the ordinary reader, ``::`` files and the column-wise path."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from maitre.errors import ValidationFailed
from maitre.ml import recs_input
from maitre.ml.recs_input import read_interactions

ROWS = [("196", "242", "3"), ("186", "302", "3"), ("22", "377", "1"), ("196", "51", "5")]


def _write(path: Path, sep: str, header: str | None = None) -> Path:
    lines = ([header] if header else []) + [sep.join((*row, "881250949")) for row in ROWS]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_double_colon_files_like_movielens_1m(tmp_path: Path) -> None:
    path = _write(tmp_path / "ratings.dat", "::")
    log = read_interactions(path, user_col="0", item_col="1", rating_col="2")
    assert log.users.tolist() == ["196", "186", "22", "196"]
    assert log.items.tolist() == ["242", "302", "377", "51"]
    assert log.ratings is not None and log.ratings.tolist() == [3.0, 3.0, 1.0, 5.0]


@pytest.mark.parametrize("large", [False, True], ids=["tabular", "columnwise"])
def test_both_paths_read_the_same_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    if large:
        monkeypatch.setattr(recs_input, "LARGE_FILE_BYTES", 0)
    plain = _write(tmp_path / "u.data", "\t")
    log = read_interactions(plain, user_col="0", item_col="1")
    assert log.users.tolist() == ["196", "186", "22", "196"] and log.ratings is None
    named = _write(tmp_path / "named.csv", ",", header="user,item,rating,ts")
    log = read_interactions(named, user_col="user", item_col="item", rating_col="rating")
    assert log.items.tolist() == ["242", "302", "377", "51"]
    assert log.ratings is not None and np.allclose(log.ratings, [3, 3, 1, 5])


def test_columnwise_path_errors_name_column_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recs_input, "LARGE_FILE_BYTES", 0)
    path = tmp_path / "bad.csv"
    path.write_text("user,item,rating\na,x,5\nb,y,oops\n")
    with pytest.raises(ValidationFailed, match=r"column 'rating': line 3"):
        read_interactions(path, user_col="user", item_col="item", rating_col="rating")
    with pytest.raises(ValidationFailed, match="not found"):
        read_interactions(path, user_col="customer", item_col="item")
    with pytest.raises(ValidationFailed, match="out of range"):
        read_interactions(path, user_col="0", item_col="5")


def test_gzipped_and_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recs_input, "LARGE_FILE_BYTES", 0)
    path = tmp_path / "u.data.gz"
    path.write_bytes(gzip.compress(b"1\t10\n1\t11\n2\t10\n"))
    log = read_interactions(path, user_col="0", item_col="1")
    assert log.items.tolist() == ["10", "11", "10"]
    with pytest.raises(ValidationFailed, match="no such file"):
        read_interactions(tmp_path / "nope.tsv", user_col="0", item_col="1")
