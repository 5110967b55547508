"""Classification reports: per-intent scores, confusion pairs and the focused confusion matrix."""

from __future__ import annotations

from maitre.agent.nlu.classifier import ClassifierParams, IntentClassifier
from maitre.agent.nlu.report import classification_report, confusion_focus, holdout_report
from tests.unit.agent.nlu.conftest import toy_data

TRUE = ["a", "a", "a", "b", "b", "c", "c", "d"]
PRED = ["a", "b", "b", "b", "a", "c", "d", "d"]


def test_report_scores_each_intent_and_ranks_confusions() -> None:
    report = classification_report(TRUE, PRED)
    assert report["accuracy"] == 0.5
    assert report["per_intent"]["a"] == {
        "precision": 0.5, "recall": 0.3333, "f1": 0.4, "support": 3,
    }  # fmt: skip
    assert report["per_intent"]["d"]["recall"] == 1.0
    assert report["confusion_pairs"][0] == {"true": "a", "predicted": "b", "count": 2}
    assert {(p["true"], p["predicted"]) for p in report["confusion_pairs"]} == {
        ("a", "b"), ("b", "a"), ("c", "d"),
    }  # fmt: skip


def test_confusion_focus_keeps_the_most_confused_intents_with_their_diagonal() -> None:
    focus = confusion_focus(TRUE, PRED, size=2)
    assert focus["labels"] == ["a", "b"]  # three mistakes each; c and d one each
    assert focus["matrix"] == [[1, 2], [1, 1]]
    assert confusion_focus(["a", "b"], ["a", "b"]) == {"labels": [], "matrix": []}


def test_holdout_report_counts_rows_and_names_its_split() -> None:
    report = holdout_report(TRUE, PRED, split="validation")
    assert report["split"] == "validation" and report["n"] == len(TRUE)
    assert sum(s["support"] for s in report["per_intent"].values()) == len(TRUE)
    assert set(report["confusion"]["labels"]) == {"a", "b", "c", "d"}


def test_classifier_keeps_a_report_of_its_validation_slice() -> None:
    texts, intents = toy_data()
    clf = IntentClassifier(ClassifierParams(use_encoder=False, val_fraction=0.5)).fit(
        texts, intents
    )
    report = clf.describe()["validation_report"]
    assert report["split"] == "validation"
    assert report["n"] == clf.describe()["validation"]["examples"]
    assert set(report["per_intent"]) <= set(intents)
    assert 0.0 <= report["macro_f1"] <= 1.0


def test_too_little_data_for_a_validation_slice_gives_no_report() -> None:
    texts, intents = toy_data()
    clf = IntentClassifier(ClassifierParams(use_encoder=False, val_fraction=0.1)).fit(
        texts, intents
    )
    assert clf.describe()["validation_report"] == {}
