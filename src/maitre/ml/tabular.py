"""Read the tables users hand to ``evaluate`` commands, and turn their text into typed columns.

One reader for every learned-model command: CSV, TSV, semicolon/pipe-separated or
whitespace-separated text, with or without a header row (guessed, or forced with ``header=``),
UTF-8 (with or without BOM) or Latin-1, optionally gzip-compressed.

``read_table`` returns every value as a stripped string (missing tokens such as ``""``,
``NA``, ``null`` or ``?`` become NaN) and indexes the rows by their 1-based line number in the file,
so later errors can name the line at fault. Columns of a file without a header are named
``"0"``, ``"1"``, …; ``resolve_column`` accepts a column name or a 0-based position either way.
The ``*_column`` helpers parse one column strictly (numbers stored as text, ISO or compact
``19970101`` dates, Unix timestamps) and raise ``ValidationFailed`` naming the column and line.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from maitre.errors import ValidationFailed

__all__ = [
    "bool_values",
    "date_column",
    "infer_column",
    "numeric_column",
    "parse_numbers",
    "read_table",
    "resolve_column",
]

NA_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "#n/a"})
_DELIMITERS = ("\t", ",", ";", "|")
_SAMPLE_LINES = 200
_SAMPLE_CHARS = 100_000
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = re.compile(r"[\s$€£¥_]")
_TRUE = frozenset({"yes", "y", "true", "t", "1", "1.0"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "0.0"})


def read_table(path: str | Path, *, header: bool | None = None) -> pd.DataFrame:
    """Read a delimited text file into string columns indexed by file line number."""
    path = Path(path)
    raw = _read_bytes(path)
    text = _decode(raw, path)
    head = text[:_SAMPLE_CHARS].splitlines()
    if len(text) > _SAMPLE_CHARS:
        head = head[:-1]  # possibly cut mid-line
    lines = [ln for ln in head if ln.strip()][:_SAMPLE_LINES]
    if not lines:
        raise ValidationFailed(f"{path.name}: the file is empty")
    sep = _sniff_delimiter(lines)
    rows = [_split(ln, sep) for ln in lines]
    has_header = _guess_header(rows) if header is None else header
    records, numbers = _records(text, sep, path.name)
    if has_header:
        names = records.pop(0)
        numbers.pop(0)
        width = len(names)
        if not records:
            raise ValidationFailed(f"{path.name}: the file has a header but no data rows")
    else:
        widths = [len(r) for r in rows]
        width, names = max(set(widths), key=widths.count), []
    for fields, line in zip(records, numbers, strict=True):
        if len(fields) != width:
            raise ValidationFailed(
                f"{path.name}: line {line}: expected {width} fields, saw {len(fields)}"
            )
    columns = _column_names(names, width)
    frame = pd.DataFrame(records, columns=columns, index=pd.Index(numbers, name="line"), dtype=str)
    for col in frame.columns:
        values = frame[col].str.strip()
        frame[col] = values.where(~values.str.lower().isin(NA_TOKENS), np.nan)
    return frame


def resolve_column(df: pd.DataFrame, spec: str | int) -> str:
    """Return the name of the column given by name or by 0-based position."""
    text = str(spec).strip()
    if text in df.columns:
        return text
    lowered = {str(c).lower(): str(c) for c in df.columns}
    if text.lower() in lowered:
        return lowered[text.lower()]
    if re.fullmatch(r"\d+", text):
        pos = int(text)
        if pos < df.shape[1]:
            return str(df.columns[pos])
        raise ValidationFailed(
            f"column {pos} is out of range: the file has {df.shape[1]} columns "
            f"(0-{df.shape[1] - 1})"
        )
    shown = ", ".join(str(c) for c in list(df.columns)[:30])
    more = "" if df.shape[1] <= 30 else f", … ({df.shape[1]} in all)"
    raise ValidationFailed(f"column {text!r} not found; the file has: {shown}{more}")


def parse_numbers(values: pd.Series) -> pd.Series:
    """Parse numbers stored as text (``"1,234.50"``, ``"$12"``); unparseable values become NaN."""
    out = pd.to_numeric(values, errors="coerce").astype(float)
    bad = out.isna() & values.notna()
    if bad.any():
        text = values[bad].astype(str)
        text = text.where(~text.str.match(_THOUSANDS), text.str.replace(",", "", regex=False))
        text = text.str.replace(_CURRENCY, "", regex=True)
        out[bad] = pd.to_numeric(text, errors="coerce").astype(float)
    return out


def numeric_column(df: pd.DataFrame, col: str, *, allow_missing: bool = False) -> pd.Series:
    """Parse one column as numbers, naming the column and line of the first bad value."""
    values = df[col]
    out = parse_numbers(values)
    bad = out.isna() if not allow_missing else (out.isna() & values.notna())
    if bad.any():
        line = df.index[bad.to_numpy().argmax()]
        shown = values.loc[line]
        what = "is missing" if pd.isna(shown) else f"has {str(shown)!r}, not a number"
        raise ValidationFailed(f"column {col!r}: line {line} {what}")
    return out


def date_column(df: pd.DataFrame, col: str) -> pd.Series:
    """Parse one column as dates (ISO, compact ``YYYYMMDD``, or Unix seconds), strictly."""
    values = df[col]
    text = values.astype("string")
    out = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    compact = text.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
    epoch = text.str.fullmatch(r"\d{9,10}").fillna(False).astype(bool)
    other = values.notna() & ~compact & ~epoch
    if compact.any():
        out[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce")
    if epoch.any():
        out[epoch] = pd.to_datetime(text[epoch].astype("int64"), unit="s", errors="coerce")
    if other.any():
        out[other] = _parse_free_dates(text[other])
    bad = out.isna()
    if bad.any():
        line = df.index[bad.to_numpy().argmax()]
        shown = values.loc[line]
        what = "is missing" if pd.isna(shown) else f"has {str(shown)!r}, not a date"
        raise ValidationFailed(
            f"column {col!r}: line {line} {what} (expected e.g. 2024-01-31 or 20240131)"
        )
    return out


def bool_values(values: pd.Series) -> pd.Series | None:
    """Map a yes/no, true/false or 1/0 column to 1.0/0.0 (NaN kept), or None if it is not one."""
    present = values.dropna().astype(str).str.lower()
    if present.empty:
        return None
    if not present.isin(_TRUE | _FALSE).all():
        return None
    lowered = values.astype("string").str.lower()
    out = pd.Series(np.nan, index=values.index, dtype=float)
    out[lowered.isin(_TRUE).fillna(False).astype(bool)] = 1.0
    out[lowered.isin(_FALSE).fillna(False).astype(bool)] = 0.0
    return out


def infer_column(values: pd.Series, *, min_numeric_share: float = 0.95) -> pd.Series:
    """Return a float column for numeric or boolean text, else the text column unchanged."""
    booleans = bool_values(values)
    if booleans is not None:
        return booleans
    present = values.notna().sum()
    if present == 0:
        return values
    numbers = parse_numbers(values)
    if numbers.notna().sum() >= min_numeric_share * present:
        return numbers
    return values


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise ValidationFailed(f"{path}: no such file")
    if not path.is_file():
        raise ValidationFailed(f"{path}: not a file")
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise ValidationFailed(f"{path.name}: cannot read the file ({exc})") from exc
    if b"\x00" in data[:4096]:
        raise ValidationFailed(f"{path.name}: this is a binary file, not delimited text")
    return data


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(f"{path.name}: cannot decode the file as text")  # pragma: no cover


def _records(text: str, sep: str | None, name: str) -> tuple[list[list[str]], list[int]]:
    """Split every non-blank line into fields, remembering the line each record starts on."""
    records: list[list[str]] = []
    numbers: list[int] = []
    if sep is None:
        for number, line in enumerate(io.StringIO(text), start=1):
            fields = line.split()
            if fields:
                records.append(fields)
                numbers.append(number)
        return records, numbers
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    start = 1
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                records.append(fields)
                numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationFailed(f"{name}: line {reader.line_num}: {exc}") from exc
    return records, numbers


def _column_names(names: list[str], width: int) -> list[str]:
    """Name columns from the header (blank or repeated names made unique) or by position."""
    if not names:
        return [str(j) for j in range(width)]
    out: list[str] = []
    for j, raw in enumerate(names):
        name = raw.strip() or str(j)
        while name in out:
            name = f"{name}.{j}"
        out.append(name)
    return out


def _split(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return line.split()
    return next(csv.reader([line], delimiter=sep))


def _sniff_delimiter(lines: list[str]) -> str | None:
    """Pick the delimiter that splits the sample into the most consistent number of fields."""
    best: tuple[float, int, str | None] = (0.0, 1, None)
    for sep in _DELIMITERS:
        if sep not in lines[0]:
            continue
        counts = [len(_split(ln, sep)) for ln in lines]
        mode = max(set(counts), key=counts.count)
        share = counts.count(mode) / len(counts)
        if mode > 1 and (share, mode) > best[:2]:
            best = (share, mode, sep)
    if best[2] is not None and best[0] >= 0.6:
        return best[2]
    counts = [len(ln.split()) for ln in lines]
    mode = max(set(counts), key=counts.count)
    if mode > 1 and counts.count(mode) / len(counts) >= 0.6:
        return None
    return best[2] if best[2] is not None else ","


def _is_number(token: str) -> bool:
    token = token.strip()
    if not token:
        return False
    try:
        float(_CURRENCY.sub("", token.replace(",", "")))
    except ValueError:
        return False
    return True


def _guess_header(rows: list[list[str]]) -> bool:
    """Guess whether the first row names the columns."""
    first, rest = rows[0], rows[1:]
    if any(_is_number(tok) for tok in first):
        return False
    if not rest:
        return True
    width = len(first)
    for j in range(width):
        column = [r[j] for r in rest if j < len(r) and r[j].strip()]
        if column and sum(_is_number(tok) for tok in column) >= 0.9 * len(column):
            return True  # a text name above a numeric column
    names = [tok.strip() for tok in first]
    if all(names) and len(set(names)) == len(names):
        # An all-text table: a header if the first row's values never reappear below it.
        seen = {tok.strip() for r in rest for tok in r}
        return not any(name in seen for name in names)
    return False


def _parse_free_dates(text: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    missing = parsed.isna()
    if missing.any():
        parsed[missing] = pd.to_datetime(text[missing], format="mixed", errors="coerce", utc=True)
    return parsed.dt.tz_localize(None)
