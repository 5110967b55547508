"""Read scenario files: YAML documents holding one scenario or a ``scenarios:`` list."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from maitre.agent.evaluation.schema import Scenario
from maitre.errors import ValidationFailed

BUILTIN_DIR = Path(__file__).resolve().parent / "scenarios"


class ScenarioError(ValidationFailed):
    """A scenario file that cannot be read or does not match the format."""


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(scenario)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse(text: str, *, source: str = "<string>") -> list[Scenario]:
    """Parse YAML text into scenarios; raise ``ScenarioError`` naming the file and field."""
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML: {exc}") from exc
    if isinstance(raw, dict) and "scenarios" in raw and len(raw) == 1:
        raw = raw["scenarios"]
    items = raw if isinstance(raw, list) else [raw]
    scenarios: list[Scenario] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ScenarioError(f"{source}[{index}]: a scenario must be a mapping")
        label = f"{source}[{index}] ({item.get('name', 'unnamed')})"
        try:
            scenarios.append(Scenario.model_validate(item))
        except ValidationError as exc:
            raise ScenarioError(f"{label}: {_describe(exc)}") from exc
    return scenarios


def load_file(path: Path) -> list[Scenario]:
    """Return the scenarios in one YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from exc
    return parse(text, source=str(path))


def load_dir(directory: Path | None = None) -> list[Scenario]:
    """Return every scenario under ``directory`` (default: the built-in suite), names unique."""
    root = directory or BUILTIN_DIR
    files = sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    if not files:
        raise ScenarioError(f"{root}: no scenario files (*.yaml)")
    scenarios = [s for f in files for s in load_file(f)]
    dupes = [name for name, n in Counter(s.name for s in scenarios).items() if n > 1]
    if dupes:
        raise ScenarioError(f"{root}: duplicate scenario names: {', '.join(sorted(dupes))}")
    return scenarios


def select(
    scenarios: list[Scenario], *, tags: list[str] | None = None, language: str | None = None
) -> list[Scenario]:
    """Return the scenarios that carry any of ``tags`` and speak ``language`` (when given)."""
    wanted = set(tags or [])
    return [
        s
        for s in scenarios
        if (not wanted or wanted & set(s.tags)) and (language is None or s.language == language)
    ]
