"""Out-of-scope thresholds learned on validation data."""

from __future__ import annotations

import numpy as np

from maitre.agent.nlu.classifier import ClassifierParams, IntentClassifier
from maitre.agent.nlu.dataio import OUT_OF_SCOPE
from maitre.agent.nlu.oos import MAX_BALANCED_REJECT, apply_threshold, fit_threshold
from tests.unit.agent.nlu.conftest import toy_data


def test_balanced_threshold_separates_confident_in_scope_from_oos() -> None:
    rng = np.random.default_rng(0)
    inside = rng.uniform(0.6, 1.0, 200)
    outside = rng.uniform(0.1, 0.5, 100)
    conf = np.concatenate([inside, outside])
    is_oos = np.array([False] * 200 + [True] * 100)
    fit = fit_threshold(conf, ~is_oos, is_oos)
    assert fit.method == "balanced"
    assert 0.45 <= fit.threshold <= 0.6
    assert fit.oos_recall == 1.0 and fit.in_scope_accuracy == 1.0


def test_balanced_threshold_never_rejects_too_many_real_requests() -> None:
    conf = np.array([0.2, 0.25, 0.3, 0.35, 0.9, 0.95] + [0.3] * 6)
    is_oos = np.array([False] * 6 + [True] * 6)
    fit = fit_threshold(conf, ~is_oos, is_oos)
    rejected = apply_threshold(conf, np.zeros(12, dtype=bool), fit.threshold)
    assert rejected[~is_oos].mean() <= MAX_BALANCED_REJECT + 1 / 6


def test_quantile_threshold_without_oos_examples() -> None:
    conf = np.linspace(0.5, 1.0, 101)
    fit = fit_threshold(conf, np.ones(101, dtype=bool), np.zeros(101, dtype=bool), max_reject=0.1)
    assert fit.method == "quantile"
    assert abs(fit.threshold - 0.55) < 0.01
    assert fit.oos_recall is None


def test_the_models_own_oos_class_counts_as_rejection() -> None:
    conf = np.array([0.9, 0.9])
    rejected = apply_threshold(conf, np.array([True, False]), 0.5)
    assert rejected.tolist() == [True, False]


def test_classifier_with_oos_examples_rejects_unrelated_text() -> None:
    texts, intents = toy_data()
    unrelated = [
        "what is the weather today", "tell me a joke", "who won the football game",
        "what is the capital of france", "write me a poem", "play some music",
        "how tall is mount everest", "sing me a song",
    ]  # fmt: skip
    clf = IntentClassifier(ClassifierParams(use_encoder=False, val_fraction=0.3)).fit(
        texts + unrelated, intents + [OUT_OF_SCOPE] * len(unrelated)
    )
    assert OUT_OF_SCOPE in clf.classes_
    preds = clf.predict(["tell me a funny joke", "where is my parcel", "hello there"])
    assert [p.intent for p in preds] == [OUT_OF_SCOPE, "order_status", "greeting"]
    assert preds[0].out_of_scope and not preds[1].out_of_scope
    assert clf.predict_closed(["tell me a funny joke"])[0] != OUT_OF_SCOPE
