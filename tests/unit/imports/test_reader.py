"""The streaming CSV reader: encodings, line numbers, ragged rows, huge fields, empty files."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

import pytest

from maitre.imports.reader import CsvSource, ImportFileError, Record


def source(data: bytes, **kwargs: object) -> CsvSource:
    return CsvSource(io.BufferedReader(io.BytesIO(data)), **kwargs)  # type: ignore[arg-type]


def records(data: bytes, **kwargs: object) -> list[Record]:
    return list(source(data, **kwargs).records())


def test_reads_header_and_records_with_their_line_numbers() -> None:
    src = source(b"name,email\nAda,ada@example.com\n\nGrace,grace@example.com\n")
    assert src.header == ["name", "email"]
    rows = list(src.records())
    assert [(r.line, r.values) for r in rows] == [
        (2, ["Ada", "ada@example.com"]),
        (4, ["Grace", "grace@example.com"]),
    ]
    assert src.bytes_read == len(b"name,email\nAda,ada@example.com\n\nGrace,grace@example.com\n")


def test_quoted_newlines_keep_the_starting_line() -> None:
    rows = records(b'name,address\nAda,"1 Road\nLondon"\nGrace,"2 Street"\r\n')
    assert [(r.line, r.values) for r in rows] == [
        (2, ["Ada", "1 Road\nLondon"]),
        (4, ["Grace", "2 Street"]),
    ]


def test_utf8_bom_is_dropped() -> None:
    src = source("\ufeffname,email\nZoë,z@example.com\n".encode())
    assert src.header == ["name", "email"]
    assert src.encoding == "utf-8-sig"
    assert next(src.records()).values == ["Zoë", "z@example.com"]


def test_a_line_that_is_not_utf8_is_rejected_alone_with_a_hint() -> None:
    data = "name,email\nZoë,z@example.com\nAda,a@example.com\n".encode("latin-1")
    bad, good = records(data)
    assert bad.line == 2
    assert bad.error is not None
    assert "not valid utf-8" in bad.error and "0xeb" in bad.error and "--encoding" in bad.error
    assert good.error is None and good.values == ["Ada", "a@example.com"]


def test_a_named_encoding_decodes_every_line() -> None:
    data = "name,email\nZoë,z@example.com\n".encode("cp1252")
    (row,) = records(data, encoding="cp1252")
    assert row.error is None and row.values == ["Zoë", "z@example.com"]


def test_utf16_with_bom_is_decoded_as_a_whole() -> None:
    src = source("name,email\nZoë,z@example.com\n".encode("utf-16"))
    assert src.encoding == "utf-16"
    assert [r.values for r in src.records()] == [["Zoë", "z@example.com"]]


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("klingon", "Unknown encoding 'klingon'"),
        ("rot13", "'rot13' is not a text encoding"),
        ("base64", "'base64' is not a text encoding"),
        ("punycode", "'punycode' is not a text encoding"),
    ],
)
def test_unknown_or_non_text_encoding_is_a_file_error(encoding: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        source(b"name\nAda\n", encoding=encoding)


@pytest.mark.parametrize("data", [b"", b"\n\n\r\n"])
def test_empty_file_is_a_file_error(data: bytes) -> None:
    with pytest.raises(ImportFileError, match="empty"):
        source(data)


def test_header_only_file_has_no_records() -> None:
    assert records(b"name,email\n") == []


def test_repeated_or_blank_header_names_are_file_errors() -> None:
    with pytest.raises(ImportFileError, match="repeats columns: email"):
        source(b"name,email,email\n")
    with pytest.raises(ImportFileError, match="Header columns 2 have no name"):
        source(b"name,,email\n")


def test_ragged_rows_are_rejected_not_padded() -> None:
    short, long_, ok = records(b"a,b,c\n1,2\n1,2,3,4\n1,2,3\n")
    assert short.error == "row has 2 fields; the header has 3"
    assert long_.error == "row has 4 fields; the header has 3"
    assert ok.error is None


def test_a_huge_field_is_rejected_and_reading_goes_on() -> None:
    huge = b"x" * 200_000
    rows = records(b"name,email\n" + huge + b",a@example.com\nAda,b@example.com\n")
    assert rows[0].line == 2
    assert rows[0].error is not None and "field larger than field limit" in rows[0].error
    assert rows[-1].values == ["Ada", "b@example.com"] and rows[-1].error is None


def test_an_overlong_line_is_skipped_without_being_held() -> None:
    data = b"name,email\n" + b"y" * 5000 + b",a@example.com\nAda,b@example.com\n"
    bad, good = records(data, max_line_bytes=1000)
    assert bad.line == 2
    assert bad.error == "line is longer than 1,000 bytes"
    assert (good.line, good.values) == (3, ["Ada", "b@example.com"])


class _LazyCsv(io.RawIOBase):
    """A CSV of ``rows`` rows generated as it is read, so only the reader could hold it."""

    def __init__(self, rows: int) -> None:
        self._lines: Iterator[bytes] = self._generate(rows)
        self._buffer = b""

    @staticmethod
    def _generate(rows: int) -> Iterator[bytes]:
        yield b"name,email,phone,address\n"
        for i in range(rows):
            yield f"Customer {i},c{i}@example.com,+1 555 {i:07d},{i} Long Street\n".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        while len(self._buffer) < len(b):
            chunk = next(self._lines, b"")
            if not chunk:
                break
            self._buffer += chunk
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def test_reading_100k_rows_takes_constant_memory() -> None:
    stream = io.BufferedReader(_LazyCsv(100_000))
    tracemalloc.start()
    try:
        src = CsvSource(stream)
        count = sum(1 for _ in src.records())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert src.bytes_read > 5_000_000
    assert peak < 1_000_000, f"peak {peak} bytes: the reader holds rows it should stream"
