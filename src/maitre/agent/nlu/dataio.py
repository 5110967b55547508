"""Read training data from CSV/TSV files, YAML intent files or a folder of them, with clear errors.

Every problem names the file and, where there is one, the line: a training file is usually
exported from a spreadsheet by someone who needs to know which row to fix.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from maitre.agent.nlu.text import normalize_text
from maitre.errors import ValidationFailed

OUT_OF_SCOPE = "out_of_scope"
OOS_ALIASES = frozenset({"oos", "out_of_scope", "out-of-scope", "outofscope", "out of scope"})
TEXT_COLUMNS = ("text", "utterance", "sentence", "query")
LABEL_COLUMNS = ("intent", "category", "label")
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_LINE_BYTES = 100_000
MAX_TEXT_CHARS = 2_000
MAX_LABEL_CHARS = 100
MAX_ROW_LINES = 20
_ENCODINGS = ("utf-8", "gb18030", "cp1252")
_SHOWN = 5


class TrainingDataError(ValidationFailed):
    """A training file cannot be used; ``detail`` says why and where."""


@dataclass
class TrainingData:
    """Labelled texts with the line each came from and what was skipped on the way."""

    texts: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, text: str, intent: str, origin: str) -> None:
        """Append one example."""
        self.texts.append(text)
        self.intents.append(intent)
        self.origins.append(origin)

    def extend(self, other: TrainingData) -> None:
        """Append every example and warning of ``other``."""
        self.texts.extend(other.texts)
        self.intents.extend(other.intents)
        self.origins.extend(other.origins)
        self.warnings.extend(other.warnings)

    def __len__(self) -> int:
        return len(self.texts)


def canonical_intent(label: str) -> str:
    """Return the stored name of an intent label (every OOS spelling becomes ``out_of_scope``)."""
    label = normalize_text(label)
    return OUT_OF_SCOPE if label.casefold() in OOS_ALIASES else label


def _lines_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_SHOWN])
    more = f" and {len(numbers) - _SHOWN} more" if len(numbers) > _SHOWN else ""
    return f"{shown}{more}"


def _decode(path: Path, raw: bytes, warnings: list[str]) -> str:
    """Decode line by line so one Latin-1 or GBK row does not spoil a UTF-8 file."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = raw.split(b"\n")
    out: list[str] = []
    fallbacks: dict[str, list[int]] = {}
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_BYTES:
            raise TrainingDataError(
                f"{path.name}: line {number} is {len(line):,} bytes long (the limit is "
                f"{MAX_LINE_BYTES:,}); a training file needs one example per line."
            )
        for encoding in _ENCODINGS:
            try:
                text = line.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # cp1252 leaves five bytes undefined; latin-1 never fails
            encoding, text = "latin-1", line.decode("latin-1")
        if encoding != "utf-8":
            fallbacks.setdefault(encoding, []).append(number)
        out.append(text)
    for encoding, numbers in fallbacks.items():
        warnings.append(
            f"{path.name}: line(s) {_lines_list(numbers)} were not UTF-8; "
            f"decoded as {encoding.upper()}."
        )
    return "\n".join(out)


def _find_column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().strip('"').casefold() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _delimiter(first_line: str, suffix: str) -> str:
    if suffix == ".tsv" or ("\t" in first_line and "," not in first_line):
        return "\t"
    if ";" in first_line and "," not in first_line:
        return ";"
    return ","


def read_csv(path: Path) -> TrainingData:
    """Read a CSV/TSV file with a header naming a text column and an ``intent``/``category``."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TrainingDataError(
                f"{path.name} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes."
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise TrainingDataError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    data = TrainingData()
    content = _decode(path, raw, data.warnings)
    if not content.strip():
        raise TrainingDataError(f"{path.name} is empty.")
    first_line = content.lstrip("\n").split("\n", 1)[0]
    reader = csv.reader(
        io.StringIO(content, newline=""), delimiter=_delimiter(first_line, path.suffix.lower())
    )
    try:
        header = next(row for row in reader if any(cell.strip() for cell in row))
    except StopIteration:
        raise TrainingDataError(f"{path.name} is empty.") from None
    except csv.Error as exc:
        raise TrainingDataError(f"{path.name}: the header cannot be read ({exc}).") from exc
    text_col = _find_column(header, TEXT_COLUMNS)
    label_col = _find_column(header, LABEL_COLUMNS)
    shown = ", ".join(repr(h.strip()) for h in header[:10])
    if text_col is None:
        raise TrainingDataError(
            f"{path.name}: missing column 'text' (line 1 has {shown}); "
            "the header must name a 'text' column and an 'intent' (or 'category') column."
        )
    if label_col is None:
        raise TrainingDataError(
            f"{path.name}: missing column 'intent' (or 'category') (line 1 has {shown}); "
            "the header must name a 'text' column and an 'intent' (or 'category') column."
        )
    empty_text: list[int] = []
    empty_label: list[int] = []
    too_long: list[int] = []
    needed = max(text_col, label_col)
    start = reader.line_num + 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if reader.line_num - line > MAX_ROW_LINES:
                raise TrainingDataError(
                    f"{path.name}: line {line} opens a quote that is not closed for "
                    f"{reader.line_num - line} lines."
                )
            if not any(cell.strip() for cell in row):
                continue
            if len(row) <= needed:
                raise TrainingDataError(
                    f"{path.name}: line {line} has {len(row)} field(s); expected at least "
                    f"{needed + 1} (is a comma inside a text missing its quotes?)."
                )
            text = normalize_text(row[text_col])
            label = canonical_intent(row[label_col])
            if not text:
                empty_text.append(line)
            elif not label:
                empty_label.append(line)
            elif len(text) > MAX_TEXT_CHARS:
                too_long.append(line)
            elif len(label) > MAX_LABEL_CHARS:
                raise TrainingDataError(
                    f"{path.name}: line {line} has an intent name of {len(label):,} characters "
                    f"(the limit is {MAX_LABEL_CHARS}); are the columns swapped?"
                )
            else:
                data.add(text, label, f"{path.name}:{line}")
    except csv.Error as exc:
        raise TrainingDataError(f"{path.name}: line {reader.line_num}: {exc}.") from exc
    if empty_text:
        data.warnings.append(
            f"{path.name}: skipped empty text on line(s) {_lines_list(empty_text)}."
        )
    if empty_label:
        data.warnings.append(
            f"{path.name}: skipped rows without an intent on line(s) {_lines_list(empty_label)}."
        )
    if too_long:
        data.warnings.append(
            f"{path.name}: skipped texts over {MAX_TEXT_CHARS:,} characters on line(s) "
            f"{_lines_list(too_long)}."
        )
    if not data.texts:
        raise TrainingDataError(f"{path.name} has no usable rows (every text or intent is empty).")
    return data


def read_yaml(path: Path) -> TrainingData:
    """Read an intents file: ``intents: {name: {examples: [...]}}`` (or ``{name: [...]}``)."""
    try:
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TrainingDataError(f"Cannot read {path.name}: {exc}") from exc
    intents = doc.get("intents") if isinstance(doc, dict) else None
    if not isinstance(intents, dict):
        raise TrainingDataError(f"{path.name}: expected a mapping 'intents: {{name: examples}}'.")
    data = TrainingData()
    for name, body in intents.items():
        examples = body.get("examples", []) if isinstance(body, dict) else body
        if not isinstance(examples, list):
            raise TrainingDataError(f"{path.name}: intent {name!r} has no list of examples.")
        for i, example in enumerate(examples, start=1):
            if not isinstance(example, str):  # YAML reads a bare yes/no/on as a boolean
                raise TrainingDataError(
                    f"{path.name}: example {i} of intent {name!r} is {example!r}, not text; "
                    "put it in quotes."
                )
            text = normalize_text(example)
            if text:
                data.add(text, canonical_intent(str(name)), f"{path.name}:{name}#{i}")
    return data


def describe_intent_files(folder: Path) -> dict[str, tuple[str, dict[str, int]]]:
    """Return ``{intent: (description, {language: examples})}`` over a folder of YAML files."""
    out: dict[str, tuple[str, dict[str, int]]] = {}
    for path in sorted(folder.glob("*.y*ml")):
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = str(doc.get("language", "en"))
        for name, body in (doc.get("intents") or {}).items():
            examples = body.get("examples", []) if isinstance(body, dict) else body or []
            description = body.get("description", "") if isinstance(body, dict) else ""
            old_description, counts = out.get(str(name), ("", {}))
            counts[language] = counts.get(language, 0) + len(examples)
            out[str(name)] = (old_description or str(description), counts)
    return out


def read_training_data(path: Path) -> TrainingData:
    """Read a CSV/TSV/YAML file, or every such file in a folder."""
    if not path.exists():
        raise TrainingDataError(f"{path} does not exist.")
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.suffix.lower() in {".csv", ".tsv", ".yaml", ".yml"}
        )
        if not files:
            raise TrainingDataError(f"{path} holds no .csv, .tsv or .yaml training files.")
        data = TrainingData()
        for file in files:
            data.extend(read_training_data(file))
        return data
    if path.suffix.lower() in {".yaml", ".yml"}:
        return read_yaml(path)
    return read_csv(path)
