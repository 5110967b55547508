"""Which file column feeds which field: the ``--mapping`` YAML file and the resolved plan.

A mapping file maps file columns to Maitre fields, in either of two forms::

    # short form: column -> field
    E-Mail: email
    Full name: name
    Loyalty tier: custom_fields.tier   # one key of the customer's custom fields
    Internal notes: null               # ignore this column

    # long form, with constant values set on every row
    columns:
      E-Mail: email
    constants:
      language: de
      tags: [imported]

Columns the mapping does not name are matched to fields by name, ignoring case, spaces and
dashes (``External ID`` → ``external_id``). The read-only columns of an export (``id``,
``created_at`` …) are skipped, so an export can be imported again. Any other unknown column is
an error, as is a missing required column: both are reported before any row is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from maitre.imports.reader import ImportFileError

CUSTOM_PREFIX = "custom_fields."
Constant = str | int | float | bool | list[str] | dict[str, Any] | None


class CellError(ValueError):
    """A cell that cannot be converted; ``column`` is the file's column name."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


class ColumnMapping(BaseModel):
    """A validated mapping file: file column -> field (``None`` ignores), plus constants."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str | None] = {}
    constants: dict[str, Constant] = {}


def parse_mapping(text: str, *, source: str = "mapping file") -> ColumnMapping:
    """Parse and check the YAML text of a mapping file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ImportFileError(f"The {source} is not valid YAML{where}.") from None
    if data is None:
        raise ImportFileError(f"The {source} is empty.")
    if not isinstance(data, dict):
        raise ImportFileError(f"The {source} must map column names to fields.")
    if not (set(data) <= {"columns", "constants"}):
        data = {"columns": data}
    try:
        return ColumnMapping.model_validate(
            {"columns": data.get("columns") or {}, "constants": data.get("constants") or {}}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ImportFileError(f"The {source} is invalid at {where}: {first['msg']}.") from None


def load_mapping(path: Path) -> ColumnMapping:
    """Read a mapping file from ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"Cannot read the mapping file {path}: {exc}.") from None
    return parse_mapping(text, source=f"mapping file {path.name}")


@dataclass(frozen=True)
class FieldSpec:
    """What an entity's CSV may hold.

    ``required`` lists groups of fields; each group needs at least one of its fields, from a
    column or a constant. ``parsers`` turn a cell into a value for fields that are not plain
    text (tags, JSON objects).
    """

    fields: tuple[str, ...]
    required: tuple[tuple[str, ...], ...]
    ignored: frozenset[str] = frozenset()
    parsers: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    custom_fields: bool = False


def normalise(name: str) -> str:
    """Return a header name as a field name would be spelled (``External ID`` → ``external_id``)."""
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass
class Plan:
    """The resolved mapping for one file: a target for each column and the constants."""

    header: list[str]
    targets: list[str | None]
    constants: dict[str, Any]
    parsers: Mapping[str, Callable[[str], Any]]

    def column_for(self, target: str) -> str:
        """Return the file column (or mapping constant) that feeds ``target``."""
        if target in self.targets:
            return self.header[self.targets.index(target)]
        if target in self.constants:
            return f"constant {target}"
        return target

    def convert(self, values: list[str]) -> dict[str, Any]:
        """Turn one row's cells into field values; empty cells are left out."""
        row: dict[str, Any] = dict(self.constants)
        custom: dict[str, Any] = {}
        for index, column, target, parser in self._active:
            cell = values[index].strip()
            if not cell:
                continue
            if parser is not None:
                try:
                    row[target] = parser(cell)
                except ValueError as exc:
                    raise CellError(column, str(exc)) from None
            elif target.startswith(CUSTOM_PREFIX):
                custom[target.removeprefix(CUSTOM_PREFIX)] = cell
            else:
                row[target] = cell
        if custom:
            row["custom_fields"] = {**(row.get("custom_fields") or {}), **custom}
        return row

    @cached_property
    def _active(self) -> list[tuple[int, str, str, Callable[[str], Any] | None]]:
        return [
            (i, column, target, self.parsers.get(target))
            for i, (column, target) in enumerate(zip(self.header, self.targets, strict=True))
            if target is not None
        ]


def build_plan(spec: FieldSpec, header: list[str], mapping: ColumnMapping | None) -> Plan:
    """Resolve ``header`` against ``spec`` and ``mapping``; raise ``ImportFileError`` on misfits."""
    mapping = mapping or ColumnMapping()
    known = set(spec.fields)

    def valid_target(target: str) -> bool:
        if spec.custom_fields and target.startswith(CUSTOM_PREFIX):
            return len(target) > len(CUSTOM_PREFIX)
        return target in known

    problems: list[str] = []
    absent = [c for c in mapping.columns if c not in header]
    if absent:
        problems.append(f"the mapping names columns the file lacks: {', '.join(absent)}")
    bad = [t for t in [*mapping.columns.values(), *mapping.constants] if t and not valid_target(t)]
    if bad:
        problems.append(
            f"unknown fields {', '.join(sorted(set(bad)))} (fields: {', '.join(spec.fields)})"
        )
    targets: list[str | None] = []
    unknown: list[str] = []
    for column in header:
        if column in mapping.columns:
            targets.append(mapping.columns[column])
            continue
        name = column if column.startswith(CUSTOM_PREFIX) else normalise(column)
        if valid_target(name):
            targets.append(name)
        elif name in spec.ignored:
            targets.append(None)
        else:
            targets.append(None)
            unknown.append(column)
    if unknown:
        problems.append(
            f"unknown columns {', '.join(unknown)}; map them to fields with --mapping "
            "or ignore them there (`Column: null`)"
        )
    used = [t for t in targets if t] + list(mapping.constants)
    twice = sorted({t for t in used if used.count(t) > 1})
    if twice:
        problems.append(f"more than one column or constant sets {', '.join(twice)}")
    missing = [" or ".join(group) for group in spec.required if not set(group) & set(used)]
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    if problems:
        raise ImportFileError("Cannot import this file: " + "; ".join(problems) + ".")
    return Plan(
        header=header, targets=targets, constants=dict(mapping.constants), parsers=spec.parsers
    )
