"""Read the user, item and rating columns of an interaction log for ``maitre recs evaluate``.

Ordinary files go through ``maitre.ml.tabular.read_table`` (delimiter and header sniffing,
errors that name the line). Two cases it does not cover are handled here: logs whose fields
are separated by ``::`` (MovieLens-1M/10M's ``ratings.dat``), and logs too large to hold as
Python strings (tens of millions of rows), which are read column-wise with pandas' C parser.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from maitre.errors import ValidationFailed
from maitre.ml.tabular import numeric_column, read_table, resolve_column

#: above this size the file is parsed column-wise instead of as Python strings
LARGE_FILE_BYTES = 64 * 1024 * 1024
_HEAD_LINES = 50
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class InteractionColumns:
    """Ids as strings (one per row) and optional numeric ratings."""

    users: npt.NDArray[Any]
    items: npt.NDArray[Any]
    ratings: npt.NDArray[np.float64] | None


def read_interactions(
    path: Path,
    *,
    user_col: str,
    item_col: str,
    rating_col: str | None = None,
    header: bool | None = None,
) -> InteractionColumns:
    """Read the interaction columns, naming the column and line of any bad value."""
    head = _head(path)
    double_colon = bool(head) and "::" in head[0]
    if double_colon or path.stat().st_size > LARGE_FILE_BYTES:
        table = _read_columnwise(path, head, [user_col, item_col, rating_col], header=header)
    else:
        table = read_table(path, header=header)
    user = resolve_column(table, user_col)
    item = resolve_column(table, item_col)
    ratings = None
    if rating_col is not None:
        ratings = numeric_column(table, resolve_column(table, rating_col)).to_numpy(float)
    return InteractionColumns(users=_ids(table, user), items=_ids(table, item), ratings=ratings)


def _ids(table: pd.DataFrame, col: str) -> npt.NDArray[Any]:
    values = table[col]
    missing = values.isna().to_numpy()
    if missing.any():
        raise ValidationFailed(f"column {col!r}: line {table.index[missing.argmax()]} is missing")
    return np.asarray(values.astype(str).to_numpy())


def _head(path: Path, size: int = 1 << 20) -> list[str]:
    """The first non-blank lines of a (possibly gzipped) file."""
    if not path.is_file():
        raise ValidationFailed(f"{path}: no such file")
    with path.open("rb") as raw:
        data = raw.read(size + 1)
    if data[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as unzipped:
            data = unzipped.read(size + 1)
    lines = data[:size].decode("utf-8", errors="replace").splitlines()
    if len(data) > size:
        lines = lines[:-1]  # possibly cut mid-line
    return [line for line in lines if line.strip()][:_HEAD_LINES]


def _read_columnwise(
    path: Path, head: list[str], specs: list[str | None], *, header: bool | None
) -> pd.DataFrame:
    """Read only the needed columns with pandas, indexed by (approximate) line number."""
    if not head:
        raise ValidationFailed(f"{path.name}: the file is empty")
    sep = _separator(head[0])
    fields = [_split(line, sep) for line in head]
    has_header = header if header is not None else _looks_like_header(fields)
    names = fields[0] if has_header else [str(i) for i in range(len(fields[0]))]
    probe = pd.DataFrame(columns=[n.strip() for n in names])
    wanted = [resolve_column(probe, spec) for spec in specs if spec is not None]
    positions = sorted({list(probe.columns).index(name) for name in wanted})
    engine = "python" if len(sep) > 1 else "c"
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            header=None,
            skiprows=1 if has_header else 0,
            usecols=positions,
            dtype=str,
            engine=engine,
            keep_default_na=False,
            na_values=["", "NA", "null", "NaN"],
            compression="infer",
        )
    except (ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationFailed(f"{path.name}: {first}") from exc
    frame.columns = [probe.columns[p] for p in positions]
    frame.index = pd.Index(np.arange(len(frame)) + 1 + int(has_header), name="line")
    return frame


def _separator(line: str) -> str:
    for sep in ("::", "\t", ",", ";", "|"):
        if sep in line:
            return sep
    return r"\s+"


def _split(line: str, sep: str) -> list[str]:
    return line.split() if sep == r"\s+" else line.split(sep)


def _looks_like_header(rows: list[list[str]]) -> bool:
    """A first row without numbers above rows with numbers names the columns."""
    first = rows[0]
    if any(_NUMBER.match(token.strip()) for token in first):
        return False
    return any(_NUMBER.match(token.strip()) for row in rows[1:] for token in row)
