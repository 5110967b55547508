"""Model report and content-flag page helpers, without a database."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from maitre.safety.models import ContentFlag, FlagStatus
from maitre.web import i18n
from maitre.web.model_report import INTENT_SORTS, flatten, heatmap, intent_rows
from maitre.web.safety_pages import KIND_LABELS, subject_link

PER_INTENT = {
    "greeting": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3},
    "refund": {"precision": 0.5, "recall": 0.9, "f1": 0.64, "support": 9},
    "order": {"precision": 0.7, "recall": 0.4, "f1": 0.51, "support": 5},
    "broken": "not a dict",
}


def test_intent_rows_sort_worst_first_by_default() -> None:
    assert [r["intent"] for r in intent_rows(PER_INTENT)] == ["order", "refund", "greeting"]
    assert [r["intent"] for r in intent_rows(PER_INTENT, "-f1")] == ["greeting", "refund", "order"]
    assert intent_rows(PER_INTENT, "precision")[0]["intent"] == "refund"
    assert intent_rows(PER_INTENT, "support")[0]["intent"] == "refund"
    assert intent_rows(PER_INTENT, "recall")[0]["intent"] == "order"
    assert [r["intent"] for r in intent_rows(PER_INTENT, "intent")] == [
        "greeting", "order", "refund",
    ]  # fmt: skip


def test_heatmap_marks_the_diagonal_and_the_largest_mistake() -> None:
    data = heatmap({"labels": ["a", "b"], "matrix": [[5, 2], [3, 4]]})
    assert data is not None
    assert data["max_off"] == 3 and data["rows"] == [[5, 2], [3, 4]]
    assert {"x": "b", "y": "a", "v": 2, "diag": False} in data["cells"]
    assert {"x": "a", "y": "a", "v": 5, "diag": True} in data["cells"]
    assert heatmap({"labels": ["a"], "matrix": [[1]]}) is None
    assert heatmap({"labels": ["a", "b"], "matrix": [[1, 0]]}) is None


def test_flatten_dots_nested_keys_and_shortens_values() -> None:
    rows = dict(
        flatten(
            {
                "auc": 0.812345,
                "cal": {"brier": 0.1, "ok": True},
                "ids": list(range(500)),
                "x": None,
            },
            skip=("evaluation",),
        )
    )
    assert rows["auc"] == "0.8123" and rows["cal.brier"] == "0.1" and rows["cal.ok"] == "true"
    assert rows["x"] == "—" and rows["ids"].endswith("…") and len(rows["ids"]) == 200
    assert flatten({"evaluation": {"a": 1}}, skip=("evaluation",)) == []


def test_subject_links_point_at_the_flagged_record() -> None:
    def flag(subject_type: str, customer_id: int | None = 7) -> ContentFlag:
        return cast(
            ContentFlag,
            SimpleNamespace(subject_type=subject_type, subject_id=3, customer_id=customer_id),
        )

    assert subject_link(flag("ticket")) == "/tickets/3"
    assert subject_link(flag("note")) == "/customers/7#notes"
    assert subject_link(flag("note", None)) is None
    assert subject_link(flag("article")) == "/kb/3"
    assert subject_link(flag("other")) is None


def test_every_flag_kind_status_and_report_sort_has_ui_text() -> None:
    keys: set[str] = {f"safety.kind.{k}" for k in KIND_LABELS}
    keys |= {f"safety.status.{s}" for s in FlagStatus}
    keys |= {f"safety.do.{s}" for s in (FlagStatus.CONFIRMED, FlagStatus.DISMISSED)}
    keys |= {"report.sort." + s.replace("-", "best_") for s in INTENT_SORTS}
    keys |= {f"safety.subject.{s}" for s in ("ticket", "note", "article", "customer")}
    for lang in ("en", "zh"):
        catalogue: dict[str, Any] = i18n.catalogue(lang)
        assert not keys - set(catalogue), lang
