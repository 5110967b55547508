"""The intent classifier: fitting, fusion, prediction shape, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from maitre.agent.nlu.bundle import NluModel
from maitre.agent.nlu.classifier import ClassifierParams, IntentClassifier
from maitre.agent.nlu.fusion import Fusion, fit_fusion, fit_temperature
from maitre.agent.nlu.split import holdout_intents, stratified_split
from tests.unit.agent.nlu.conftest import FakeEncoder, toy_data

FAST = ClassifierParams(use_encoder=False, val_fraction=0.25)


def test_stratified_split_keeps_two_training_examples_per_intent() -> None:
    y = np.array([0] * 10 + [1] * 3 + [2] * 2 + [3] * 1)
    train, val = stratified_split(y, 0.5, 1000, seed=0)
    assert set(train) | set(val) == set(range(len(y)))
    for c in range(4):
        assert (y[train] == c).sum() >= min(2, (y == c).sum())
    assert (y[val] == 2).sum() == 0 and (y[val] == 3).sum() == 0


def test_tiny_data_trains_without_validation() -> None:
    train, val = stratified_split(np.array([0, 0, 0, 1, 1, 1]), 0.1, 100, seed=0)
    assert len(val) == 0 and len(train) == 6


def test_holdout_intents_needs_enough_intents() -> None:
    assert holdout_intents(np.array([0, 1, 2]), seed=0) is None
    held = holdout_intents(np.arange(8).repeat(3), seed=0)
    assert held is not None and len(held) == 2


def test_temperature_sharpens_underconfident_scores() -> None:
    scores = np.array([[1.0, 0.0], [0.0, 1.0]] * 50)
    y = np.array([0, 1] * 50)
    assert fit_temperature(scores, y) > 5


def test_fusion_prefers_the_informative_head() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    good = np.eye(3)[y] * 3 + rng.normal(0, 0.5, (300, 3))
    noise = rng.normal(0, 1, (300, 3))
    assert fit_fusion(good, noise, y).weight >= 0.8
    assert fit_fusion(noise, good, y).weight <= 0.2
    with pytest.raises(ValueError):
        Fusion().combine(None, None)


def test_lexical_only_classifier_learns_the_toy_intents() -> None:
    texts, intents = toy_data()
    clf = IntentClassifier(FAST).fit(texts, intents)
    preds = clf.predict(["where's my package", "refund please", "hi!"])
    assert [p.top_in_scope for p in preds] == ["order_status", "refund_status", "greeting"]
    assert all(0.0 <= p.confidence <= 1.0 for p in preds)
    ranking = preds[0].ranking
    assert [r[1] for r in ranking] == sorted((r[1] for r in ranking), reverse=True)
    assert abs(sum(r[1] for r in ranking) - 1) < 0.01


def test_encoder_and_lexical_heads_are_fused(fake_encoder: FakeEncoder) -> None:
    texts, intents = toy_data()
    params = ClassifierParams(finetune=False, val_fraction=0.5)
    clf = IntentClassifier(params).fit(texts, intents, encoder=fake_encoder)
    assert clf.emb_head_ is not None
    assert 0.0 <= clf.fusion_.weight <= 1.0
    assert clf.predict_closed(["track my order"]) == ["order_status"]
    described = clf.describe()
    assert described["threshold"]["method"] in {"held-out", "default", "quantile"}
    assert "encoder_accuracy" in described["validation"]


def test_unfitted_model_refuses_to_predict() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        IntentClassifier(FAST).predict(["hello"])
    with pytest.raises(ValueError, match="two intents"):
        IntentClassifier(FAST).fit(["a", "b"], ["x", "x"])


def test_model_round_trips_through_its_folder(tmp_path: Path) -> None:
    texts, intents = toy_data()
    model = NluModel(IntentClassifier(FAST).fit(texts, intents), finetuned=False)
    model.save(tmp_path / "v1")
    loaded = NluModel.load(tmp_path / "v1")
    a = model.parse("where is order 1043")
    b = loaded.parse("where is order 1043")
    assert (a.intent, a.confidence, a.ranking) == (b.intent, b.confidence, b.ranking)
    assert [e.value for e in b.entities] == ["1043"]
    assert b.language == "en"


def test_loading_a_broken_folder_is_a_clear_error(tmp_path: Path) -> None:
    from maitre.agent.nlu.bundle import ModelFilesError

    with pytest.raises(ModelFilesError, match="manifest"):
        NluModel.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other/9"}')
    with pytest.raises(ModelFilesError, match="format"):
        NluModel.load(tmp_path)


def test_label_names_become_examples_only_when_they_read_as_words() -> None:
    from maitre.agent.nlu.classifier import label_texts

    assert label_texts(["card_arrival", "OrderStatus", "out_of_scope", "A12", "3"]) == {
        0: "card arrival",
        1: "order status",
    }
    assert label_texts(["intent_1", "intent_2", "refund?"]) == {2: "refund"}


def test_each_language_can_have_its_own_fusion(fake_encoder: FakeEncoder) -> None:
    texts, intents = toy_data()
    clf = IntentClassifier(ClassifierParams(finetune=False, val_fraction=0.5)).fit(
        texts, intents, encoder=fake_encoder
    )
    lex = np.array([[2.0, 0.0], [2.0, 0.0]])
    emb = np.array([[0.0, 2.0], [0.0, 2.0]])
    clf.fusion_ = Fusion(weight=0.0)
    clf.language_fusion_ = {"zh": Fusion(weight=1.0)}
    fused = clf._fuse(lex, emb, np.array(["en", "zh"]))
    assert fused[0].argmax() == 1  # English follows the encoder
    assert fused[1].argmax() == 0  # Chinese follows the lexical head
