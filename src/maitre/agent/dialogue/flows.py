"""Declarative task flows: one YAML file per flow, validated on load, cached per process.

A flow names the intents that start it, the slots it needs (entity types, prompt template keys),
whether the customer must be verified, an optional confirmation, the CRM tool it calls with
which arguments, and what each tool outcome leads to (a reply template and a next step).
Admins may edit the shipped files or drop replacements into ``settings.flows_dir``: a file
there with the same name replaces the shipped one, a new name adds a flow.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from maitre.agent.nlu.entities import EntityType
from maitre.config import Settings
from maitre.errors import ValidationFailed

SHIPPED_FLOWS = Path(__file__).parent / "flows"
Next = Literal["done", "handoff", "offer_handoff", "retry", "keep"]
FlowKind = Literal["task", "smalltalk", "kb", "handoff"]
# Where a tool argument may come from: a slot, or a value the engine derives for the turn.
DERIVED = frozenset(
    {
        "text",
        "task_text",
        "language",
        "priority",
        "sentiment",
        "intent",
        "ticket_kind",
        "field",
        "value",
        "category_hint",
    }
)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


class FlowConfigError(ValidationFailed):
    """A flow file is invalid; the message names the file and the key."""


class SlotSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    entity: list[EntityType] = Field(default_factory=list)
    prompt: str | None = None
    required: bool = True
    # When this slot was asked for, the whole reply may fill it (an address, a description).
    free_text: bool = False
    # When the message that starts the flow has no matching entity, it fills the slot itself
    # (a product question is its own search query).
    fill_from_text: bool = False

    @field_validator("entity", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class OutcomeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str = Field(min_length=1)
    next: Next = "done"
    # Slots forgotten before asking again (``next: retry`` re-asks the first missing one).
    clear: list[str] = Field(default_factory=list)
    # A fact whose value picks a more specific template (``<reply>.<value>``) when one exists.
    variant: str | None = None


class FlowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")
    kind: FlowKind = "task"
    intents: list[str] = Field(min_length=1)
    description: str = ""
    # Regular expressions (case-insensitive) that name this task unambiguously; a match
    # overrides an NLU intent whose own flow does not match ("change where it is delivered").
    patterns: list[str] = Field(default_factory=list)
    # A digression is answered in the middle of another task, which then resumes.
    digression: bool = False
    verify: bool = False
    slots: list[SlotSpec] = Field(default_factory=list)
    # At least one of these slots must be filled (e.g. which account detail to change).
    require_any: list[str] = Field(default_factory=list)
    require_any_prompt: str | None = None
    # A read-only check (maitre.agent.dialogue.prechecks) run once ``precheck_slots`` are
    # filled, before asking for the rest or for confirmation; its outcomes use ``outcomes``.
    precheck: str | None = None
    precheck_slots: list[str] = Field(default_factory=lambda: ["order_number"])
    confirm: str | None = None
    declined: str | None = None
    tool: str | None = None
    args: dict[str, str] = Field(default_factory=dict)
    reply: str | None = None
    reminder: str | None = None
    outcomes: dict[str, OutcomeSpec] = Field(default_factory=dict)
    fallback: OutcomeSpec = OutcomeSpec(reply="tool.failed", next="offer_handoff")

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}")
        return value

    def matches(self, text: str) -> bool:
        """Tell whether one of the flow's patterns occurs in ``text``."""
        return any(_compiled(p).search(text) for p in self.patterns)

    @field_validator("precheck")
    @classmethod
    def _known_check(cls, value: str | None) -> str | None:
        from maitre.agent.dialogue.prechecks import PRECHECKS

        if value is not None and value not in PRECHECKS:
            raise ValueError(f"unknown precheck {value!r}; known: {sorted(PRECHECKS)}")
        return value

    @field_validator("args")
    @classmethod
    def _sources(cls, value: dict[str, str]) -> dict[str, str]:
        for arg, source in value.items():
            if not (source.startswith("slot:") or source in DERIVED):
                raise ValueError(
                    f"argument {arg!r}: source {source!r} must be 'slot:<name>' or one of "
                    f"{sorted(DERIVED)}"
                )
        return value

    def slot(self, name: str) -> SlotSpec | None:
        """Return the slot called ``name``, if the flow has one."""
        return next((s for s in self.slots if s.name == name), None)

    def template_keys(self) -> set[str]:
        """Return every template key the flow refers to."""
        keys = {s.prompt for s in self.slots if s.prompt}
        keys |= {o.reply for o in self.outcomes.values()} | {self.fallback.reply}
        for extra in (self.confirm, self.declined, self.reply, self.reminder):
            if extra:
                keys.add(extra)
        if self.require_any_prompt:
            keys.add(self.require_any_prompt)
        return keys


@dataclass(frozen=True)
class FlowSet:
    """The loaded flows, indexed by name and by the intents that start them."""

    flows: dict[str, FlowSpec]
    by_intent: dict[str, str]

    def for_intent(self, intent: str | None) -> FlowSpec | None:
        """Return the flow an intent starts, if any."""
        name = self.by_intent.get(intent or "")
        return self.flows.get(name) if name else None

    def get(self, name: str | None) -> FlowSpec | None:
        """Return the flow called ``name``, if any."""
        return self.flows.get(name or "")


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        loc = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"{loc}: {item['msg']}")
    return "; ".join(parts)


def parse_flow(path: Path) -> FlowSpec:
    """Read and validate one flow file, naming the file and key in any error."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FlowConfigError(f"{path}: cannot read flow: {exc}") from exc
    if not isinstance(raw, dict):
        raise FlowConfigError(f"{path}: a flow file must hold a mapping of keys.")
    raw.setdefault("name", path.stem)
    try:
        return FlowSpec.model_validate(raw)
    except ValidationError as exc:
        raise FlowConfigError(f"{path}: {_describe(exc)}") from exc


def flow_files(settings: Settings | None) -> list[Path]:
    """Return the flow files in effect: shipped ones, replaced or added by the override folder."""
    files = {p.name: p for p in sorted(SHIPPED_FLOWS.glob("*.yaml"))}
    override = getattr(settings, "flows_dir", None) if settings is not None else None
    if override:
        folder = Path(override)
        if not folder.is_dir():
            raise FlowConfigError(f"{folder}: the flows folder does not exist.")
        files.update({p.name: p for p in sorted(folder.glob("*.yaml"))})
    return [files[name] for name in sorted(files)]


def build(paths: list[Path]) -> FlowSet:
    """Parse ``paths`` into a flow set; two flows claiming one intent is an error."""
    flows: dict[str, FlowSpec] = {}
    by_intent: dict[str, str] = {}
    for path in paths:
        flow = parse_flow(path)
        if flow.name in flows:
            raise FlowConfigError(f"{path}: name: flow {flow.name!r} is defined twice.")
        for intent in flow.intents:
            if intent in by_intent:
                raise FlowConfigError(
                    f"{path}: intents: {intent!r} already starts flow {by_intent[intent]!r}."
                )
            by_intent[intent] = flow.name
        for source in flow.args.values():
            if source.startswith("slot:") and flow.slot(source[5:]) is None:
                raise FlowConfigError(f"{path}: args: no slot named {source[5:]!r}.")
        for name in [*flow.require_any]:
            if flow.slot(name) is None:
                raise FlowConfigError(f"{path}: require_any: no slot named {name!r}.")
        flows[flow.name] = flow
    return FlowSet(flows=flows, by_intent=by_intent)


_cache_lock = threading.Lock()
_cache: dict[tuple[tuple[str, int], ...], FlowSet] = {}


def _stamp(paths: list[Path]) -> tuple[tuple[str, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns) for p in paths)


def load_flows(settings: Settings | None = None) -> FlowSet:
    """Return the flows in effect, parsed once per set of file modification times."""
    paths = flow_files(settings)
    key = _stamp(paths)
    found = _cache.get(key)
    if found is not None:
        return found
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            found = build(paths)
            if len(_cache) > 8:
                _cache.clear()
            _cache[key] = found
    return found
