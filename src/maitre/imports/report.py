"""The error report: one CSV row per rejected file row, with its line, column and reason."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

REPORT_COLUMNS = ("line", "column", "reason")


class ErrorReport:
    """Write rejected rows to ``path``; the file appears with the first rejection.

    Columns: ``line`` (the row's first physical line in the file, the header being line 1),
    ``column`` (the file's column name, empty when the whole row is at fault), ``reason``,
    then the row's cells as read, under the file's own column names.
    """

    def __init__(self, path: Path, header: list[str], *, always: bool = False) -> None:
        self.path = path
        self._header = header
        self._file: IO[str] | None = None
        self._writer: Any = None
        self.rows = 0
        if always:
            self._open()

    def _open(self) -> Any:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow([*REPORT_COLUMNS, *self._header])
        return self._writer

    def add(self, line: int, column: str, reason: str, raw: list[str]) -> None:
        """Record one rejected row."""
        self._open().writerow([line, column, reason, *raw])
        self.rows += 1

    def close(self) -> None:
        """Flush and close the file, if one was opened."""
        if self._file is not None:
            self._file.close()
            self._file = None
