"""Stream records out of a CSV file in constant memory, with the line each one starts on.

Decoding is per physical line, so one bad line costs one rejected row rather than the import:

* ``encoding="auto"`` (the default) reads UTF-8 and drops a UTF-8 byte-order mark. A line that is
  not valid UTF-8 is rejected with the offending byte and a hint to pass ``--encoding``; there is
  no guessing, because a wrong guess silently corrupts names. A UTF-16 file (it starts with a
  UTF-16 byte-order mark) is decoded as UTF-16.
* Any other encoding Python knows (``cp1252``, ``latin-1``, ``shift_jis`` …) can be named.

A physical line longer than ``max_line_bytes`` is skipped without being held in memory and
its record rejected; a field longer than the csv module's limit (131,072 characters) is
rejected too. Records whose field count differs from the header's are rejected as ragged.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from maitre.errors import ValidationFailed

MAX_LINE_BYTES = 1 << 20
_CHUNK = 1 << 16
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be imported (empty, undecodable header, wrong columns …)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record: the physical line it starts on, its fields, and why it is unusable."""

    line: int
    values: list[str]
    error: str | None = None


def resolve_encoding(name: str) -> str:
    """Return the codec name for ``name`` or raise ``ImportFileError`` for an unknown one."""
    if name == "auto":
        return name
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ImportFileError(f"Unknown encoding {name!r}; try utf-8, cp1252 or latin-1.") from None
    if codec.startswith(("utf-16", "utf-32")):
        return codec
    try:  # lines are split on the newline byte, so ASCII must encode as itself
        text_codec = "name,\n".encode(codec) == b"name,\n"
    except (LookupError, UnicodeError):
        text_codec = False
    if not text_codec:
        raise ImportFileError(f"{name!r} is not a text encoding for CSV; try utf-8 or cp1252.")
    return codec


class CsvSource:
    """Read a binary stream as CSV: ``header`` first, then ``records()``; ``bytes_read`` grows."""

    def __init__(
        self, stream: BinaryIO, *, encoding: str = "auto", max_line_bytes: int = MAX_LINE_BYTES
    ) -> None:
        self._stream = stream
        self._max_line = max_line_bytes
        self.encoding = resolve_encoding(encoding)
        self.bytes_read = 0
        self._line = 0  # physical lines handed to the csv reader so far
        self._bad: dict[int, str] = {}  # physical line -> why it is unusable
        self._text: io.TextIOWrapper | None = None
        self._sniff()
        self._reader = csv.reader(self._lines(), strict=False)
        self._last_line = 0
        self.header = self._read_header()

    def _sniff(self) -> None:
        head = self._peek(4)
        if self.encoding == "auto":
            if head.startswith(codecs.BOM_UTF8):
                self._take(len(codecs.BOM_UTF8))
                self.encoding = "utf-8-sig"
            elif head.startswith(_UTF16_BOMS):
                self.encoding = "utf-16"
            else:
                self.encoding = "utf-8"
        elif self.encoding in ("utf-8", "utf-8-sig") and head.startswith(codecs.BOM_UTF8):
            self._take(len(codecs.BOM_UTF8))
        if self.encoding.startswith(("utf-16", "utf-32")):
            # Not line-splittable as bytes: decode the stream as a whole; errors end the import.
            self._text = io.TextIOWrapper(self._stream, encoding=self.encoding, newline="")  # type: ignore[arg-type]

    def _peek(self, n: int) -> bytes:
        peek = getattr(self._stream, "peek", None)
        if peek is not None:
            return bytes(peek(n)[:n])
        if self._stream.seekable():
            pos = self._stream.tell()
            data = self._stream.read(n)
            self._stream.seek(pos)
            return data
        raise TypeError("the import stream must be seekable or buffered")

    def _take(self, n: int) -> None:
        self.bytes_read += len(self._stream.read(n))

    def _lines(self) -> Iterator[str]:
        if self._text is not None:
            yield from self._text_lines(self._text)
            return
        readline = self._stream.readline
        while True:
            raw = readline(self._max_line + 1)
            if not raw:
                return
            self.bytes_read += len(raw)
            self._line += 1
            if len(raw) > self._max_line and not raw.endswith(b"\n"):
                quotes = raw.count(b'"') + self._skip_rest_of_line()
                self._bad[self._line] = f"line is longer than {self._max_line:,} bytes"
                # Keep the csv parser's quoting state as the skipped text would have left it.
                yield '"' * (quotes % 2) + "\n"
                continue
            try:
                yield raw.decode(self.encoding)
            except UnicodeError as exc:
                start = getattr(exc, "start", 0)
                self._bad[self._line] = (
                    f"line is not valid {self.encoding} (byte 0x{raw[start]:02x} at byte "
                    f"{start + 1}); save the file as UTF-8 or name its encoding "
                    "(e.g. --encoding cp1252)"
                )
                yield raw.decode(self.encoding, errors="replace")

    def _text_lines(self, text: io.TextIOWrapper) -> Iterator[str]:
        while True:
            try:
                line = text.readline(self._max_line + 1)
            except UnicodeError as exc:
                raise ImportFileError(
                    f"The file is not valid {self.encoding} after line {self._line}: "
                    f"{getattr(exc, 'reason', exc)}."
                ) from None
            if not line:
                return
            self.bytes_read = self._stream.tell() if self._stream.seekable() else self.bytes_read
            self._line += 1
            if len(line) > self._max_line and not line.endswith("\n"):
                raise ImportFileError(
                    f"Line {self._line} is longer than {self._max_line:,} characters."
                )
            yield line

    def _skip_rest_of_line(self) -> int:
        quotes = 0
        while True:
            chunk = self._stream.readline(_CHUNK)
            self.bytes_read += len(chunk)
            quotes += chunk.count(b'"')
            if not chunk or chunk.endswith(b"\n"):
                return quotes

    def _next(self) -> Record | None:
        """Return the next non-blank record, or ``None`` at the end of the file."""
        while True:
            error = None
            try:
                values = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                values, error = [], f"malformed CSV: {exc}"
            start, end = self._last_line + 1, self._reader.line_num
            self._last_line = end
            if self._bad:  # almost always empty: skip the per-line lookups
                for line in range(start, end + 1):
                    error = self._bad.pop(line, None) or error
            if values or error:
                return Record(line=start, values=values, error=error)

    def _read_header(self) -> list[str]:
        first = self._next()
        if first is None:
            raise ImportFileError("The file is empty: expected a header row with column names.")
        if first.error:
            raise ImportFileError(f"The header row (line {first.line}) is unusable: {first.error}.")
        header = [name.strip() for name in first.values]
        blank = [str(i + 1) for i, name in enumerate(header) if not name]
        if blank:
            raise ImportFileError(f"Header columns {', '.join(blank)} have no name.")
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise ImportFileError(f"The header repeats columns: {', '.join(repeated)}.")
        return header

    def records(self) -> Iterator[Record]:
        """Yield the data records; ragged ones carry an error instead of being padded."""
        width = len(self.header)
        while (record := self._next()) is not None:
            if record.error is None and len(record.values) != width:
                record = Record(
                    line=record.line,
                    values=record.values,
                    error=f"row has {len(record.values)} fields; the header has {width}",
                )
            yield record
