"""Small data: calibrate on an encoder fine-tuned without validation, serve one tuned on all."""

from __future__ import annotations

from typing import Any

import pytest

from maitre.agent.nlu import classifier as classifier_module
from maitre.agent.nlu.classifier import ClassifierParams, IntentClassifier
from tests.unit.agent.nlu.conftest import FakeEncoder, toy_data


class Recorder:
    """Stands in for ``finetune``: records which encoder saw which texts."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, list[str]]] = []

    def __call__(
        self, encoder: Any, texts: list[str], labels: list[str], params: Any, progress: Any
    ) -> dict[str, float]:
        self.calls.append((encoder, list(texts)))
        return {"steps": float(len(texts)), "planned_steps": float(len(texts)), "seconds": 1.0}


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    fake = Recorder()
    monkeypatch.setattr(classifier_module, "finetune", fake)
    return fake


def test_small_data_serves_an_encoder_fine_tuned_on_every_example(recorder: Recorder) -> None:
    texts, intents = toy_data()
    passed = FakeEncoder()
    params = ClassifierParams(
        val_fraction=0.5, label_names=False, finetune_time_budget_s=None, refit_encoder_max=3_000
    )
    steps: list[float] = []
    clf = IntentClassifier(params).fit(
        texts, intents, encoder=passed, progress=lambda f, _m: steps.append(f)
    )
    assert steps == sorted(steps) and steps[-1] == 1.0
    assert len(recorder.calls) == 2
    (first, calibration_texts), (second, all_texts) = recorder.calls
    assert first is passed and second is not passed
    assert sorted(all_texts) == sorted(texts)
    held_out = set(texts) - set(calibration_texts)
    assert held_out and len(calibration_texts) + len(held_out) == len(texts)
    assert clf.encoder_ is second and second.quantized
    stats = clf.describe()["finetune"]
    assert stats["steps"] == len(texts) and stats["calibration_steps"] == len(calibration_texts)
    assert clf.predict_closed(["where is my parcel"]) == ["order_status"]


def test_larger_data_is_fine_tuned_once(recorder: Recorder) -> None:
    texts, intents = toy_data()
    passed = FakeEncoder()
    params = ClassifierParams(val_fraction=0.5, refit_encoder_max=len(texts) - 1)
    clf = IntentClassifier(params).fit(texts, intents, encoder=passed)
    assert len(recorder.calls) == 1 and recorder.calls[0][0] is passed
    assert clf.encoder_ is passed
    assert "calibration_steps" not in clf.describe()["finetune"]


def test_second_fine_tuning_gets_what_the_time_budget_left(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    budgets: list[float | None] = []
    real = classifier_module.FinetuneParams

    def capture(**kwargs: Any) -> Any:
        budgets.append(kwargs["time_budget_s"])
        return real(**kwargs)

    monkeypatch.setattr(classifier_module, "FinetuneParams", capture)
    texts, intents = toy_data()
    params = ClassifierParams(
        val_fraction=0.5, finetune_time_budget_s=100.0, refit_encoder_max=3_000
    )
    IntentClassifier(params).fit(texts, intents, encoder=FakeEncoder())
    assert budgets == [100.0, 99.0]  # the recorder reports one second for the first run


def test_no_second_fine_tuning_when_the_budget_cannot_pay_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow = Recorder()
    monkeypatch.setattr(
        classifier_module,
        "finetune",
        lambda *args: {**slow(*args), "seconds": 60.0},  # a slow machine: 60 s of 100 spent
    )
    texts, intents = toy_data()
    passed = FakeEncoder()
    params = ClassifierParams(
        val_fraction=0.5, finetune_time_budget_s=100.0, refit_encoder_max=3_000
    )
    clf = IntentClassifier(params).fit(texts, intents, encoder=passed)
    assert len(slow.calls) == 1
    assert clf.encoder_ is passed and passed.quantized
    assert "calibration_steps" not in clf.describe()["finetune"]
    assert clf.predict_closed(["where is my parcel"]) == ["order_status"]


def test_no_second_fine_tuning_after_a_first_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    cut = Recorder()
    monkeypatch.setattr(classifier_module, "finetune", lambda *args: {**cut(*args), "steps": 1.0})
    texts, intents = toy_data()
    params = ClassifierParams(
        val_fraction=0.5, finetune_time_budget_s=100.0, refit_encoder_max=3_000
    )
    IntentClassifier(params).fit(texts, intents, encoder=FakeEncoder())
    assert len(cut.calls) == 1


def test_the_second_fine_tuning_is_off_by_default() -> None:
    assert ClassifierParams().refit_encoder_max == 0
