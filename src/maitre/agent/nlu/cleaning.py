"""Clean labelled texts before training and report duplicates, conflicts and tiny classes."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from maitre.agent.nlu.text import dedup_key, normalize_text

TINY_CLASS = 5


@dataclass
class LabelConflict:
    """One text (up to case and punctuation) labelled with more than one intent."""

    text: str
    intents: dict[str, int]
    kept: str | None


@dataclass
class CleaningReport:
    """What cleaning found and changed."""

    input_rows: int = 0
    kept_rows: int = 0
    empty: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    conflicts: list[LabelConflict] = field(default_factory=list)
    dropped_for_conflict: int = 0
    tiny_classes: dict[str, int] = field(default_factory=dict)
    class_counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)

    def summary(self) -> list[str]:
        """Return one readable line per finding."""
        lines = [f"{self.kept_rows} of {self.input_rows} examples kept."]
        if self.exact_duplicates or self.near_duplicates:
            lines.append(
                f"Dropped {self.exact_duplicates} exact and {self.near_duplicates} near "
                "duplicate(s) (same text up to case, spacing and punctuation)."
            )
        for c in self.conflicts[:10]:
            labels = ", ".join(f"{k} x{v}" for k, v in c.intents.items())
            outcome = f"kept {c.kept!r}" if c.kept else "dropped all"
            lines.append(f"Label conflict for {c.text!r}: {labels}; {outcome}.")
        if len(self.conflicts) > 10:
            lines.append(f"... and {len(self.conflicts) - 10} more label conflicts.")
        for name, count in sorted(self.tiny_classes.items(), key=lambda kv: kv[1]):
            lines.append(f"Intent {name!r} has only {count} example(s); add more for accuracy.")
        return lines


def clean(
    texts: list[str], intents: list[str], *, tiny_class: int = TINY_CLASS
) -> tuple[list[str], list[str], CleaningReport]:
    """Normalise texts, drop duplicates, resolve conflicts by majority and report tiny classes."""
    report = CleaningReport(input_rows=len(texts))
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    order: list[str] = []
    for raw, intent in zip(texts, intents, strict=True):
        text = normalize_text(raw)
        if not text or not intent:
            report.empty += 1
            continue
        key = dedup_key(text) or text
        if key not in groups:
            order.append(key)
        groups[key].append((text, intent))
    out_texts: list[str] = []
    out_intents: list[str] = []
    for key in order:
        members = groups[key]
        votes = Counter(intent for _, intent in members)
        kept: str | None
        if len(votes) > 1:
            (top, top_n), (_, second_n) = votes.most_common(2)
            kept = top if top_n > second_n else None
            report.conflicts.append(LabelConflict(members[0][0], dict(votes), kept))
            report.dropped_for_conflict += sum(n for k, n in votes.items() if k != kept)
        else:
            kept = members[0][1]
        if kept is None:
            continue
        same = [text for text, intent in members if intent == kept]
        report.exact_duplicates += len(same) - len(set(same))
        report.near_duplicates += len(set(same)) - 1
        out_texts.append(same[0])
        out_intents.append(kept)
    report.kept_rows = len(out_texts)
    counts = Counter(out_intents)
    report.class_counts = dict(sorted(counts.items()))
    report.tiny_classes = {k: v for k, v in sorted(counts.items()) if v < tiny_class}
    return out_texts, out_intents, report
