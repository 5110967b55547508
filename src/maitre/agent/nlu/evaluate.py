"""Evaluate the NLU pipeline: train on one file, predict another, report what matters.

``accuracy`` and ``macro_f1`` compare predictions with the test labels. When the test file has
out-of-scope rows (``oos``/``out_of_scope``), predictions go through the learned out-of-scope
rule and ``oos_recall``/``in_scope_accuracy`` are added; without them the test is closed-set (no
row can be out of scope, so none is rejected) and ``oos_rate`` says how many rows the rule would
have rejected.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from maitre.agent.nlu.bundle import NluModel
from maitre.agent.nlu.classifier import ClassifierParams
from maitre.agent.nlu.dataio import OUT_OF_SCOPE, TrainingData, read_training_data
from maitre.agent.nlu.report import classification_report
from maitre.agent.nlu.text import normalize_text
from maitre.agent.nlu.trainer import train

LATENCY_SAMPLE = 300
Progress = Callable[[float, str], None]


def rss_mb() -> float:
    """Return this process's resident memory in MB."""
    import psutil

    return float(psutil.Process(os.getpid()).memory_info().rss / 2**20)


def model_memory_mb(model: NluModel) -> float:
    """Return the memory the model's parameters take: encoder weights plus head matrices."""
    clf = model.classifier
    total = 0
    encoder = clf.encoder_
    if encoder is not None:
        total += encoder.memory_bytes()
    for head in (clf.lex_head_, clf.emb_head_):
        if head is not None:
            total += head.W_.nbytes + head.b_.nbytes
    for vectorizer in (clf.lexical_.word_, clf.lexical_.char_):
        total += vectorizer.idf_.nbytes + sum(len(k) + 80 for k in vectorizer.vocabulary_)
    return total / 2**20


def latency_ms(model: NluModel, texts: list[str], sample: int = LATENCY_SAMPLE) -> dict[str, float]:
    """Time ``parse`` on single utterances (classification and entities), after a warm-up."""
    rng = np.random.default_rng(0)
    chosen = [texts[i] for i in rng.permutation(len(texts))[:sample]]
    for text in chosen[:5]:
        model.parse(text)
    timings = []
    for text in chosen:
        started = time.perf_counter()
        model.parse(text)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(float(np.percentile(timings, 50)), 2),
        "p95_ms": round(float(np.percentile(timings, 95)), 2),
        "latency_samples": float(len(timings)),
    }


def evaluate_model(
    model: NluModel, test: TrainingData, *, known: set[str] | None = None
) -> dict[str, Any]:
    """Score a fitted model on labelled test data."""
    texts = [normalize_text(t) for t in test.texts]
    y_true = list(test.intents)
    clf = model.classifier
    has_oos = OUT_OF_SCOPE in y_true
    predictions = clf.predict(texts)
    rejected = np.array([p.out_of_scope for p in predictions])
    y_pred = [p.intent for p in predictions] if has_oos else clf.predict_closed(texts)
    out = classification_report(y_true, y_pred)
    out["n_test"] = len(texts)
    if has_oos:
        truth_oos = np.array([t == OUT_OF_SCOPE for t in y_true])
        inside = ~truth_oos
        correct = np.array(y_pred) == np.array(y_true)
        out["oos_recall"] = round(float(rejected[truth_oos].mean()), 4)
        out["in_scope_accuracy"] = round(float(correct[inside].mean()), 4) if inside.any() else 0.0
        out["oos_precision"] = (
            round(float(truth_oos[rejected].mean()), 4) if rejected.any() else 0.0
        )
    else:
        out["oos_rate"] = round(float(rejected.mean()), 4)
    if known is not None:
        out["unknown_test_intents"] = sorted(set(y_true) - known)
    return out


def evaluate(
    train_path: Path,
    test_path: Path,
    *,
    params: ClassifierParams | None = None,
    progress: Progress | None = None,
    latency_sample: int = LATENCY_SAMPLE,
    save_to: Path | None = None,
) -> dict[str, Any]:
    """Train on ``train_path`` only, then score ``test_path``; return the JSON report.

    ``save_to`` keeps the trained model in that folder (for inspection or memory checks).
    """
    train_data = read_training_data(train_path)
    test_data = read_training_data(test_path)
    gc.collect()
    rss_before = rss_mb()
    result = train(train_data, params, progress=progress)
    model = result.model
    report = evaluate_model(model, test_data, known=set(result.intents))
    report.update(latency_ms(model, test_data.texts, latency_sample))
    if save_to is not None:
        model.save(save_to)
    described = model.classifier.describe()
    report.update(
        {
            "train_seconds": round(result.seconds, 2),
            "n_train": result.examples,
            "n_intents": len(result.intents),
            "model_memory_mb": round(model_memory_mb(model), 1),
            "process_rss_mb": round(rss_mb(), 1),
            "process_rss_growth_mb": round(rss_mb() - rss_before, 1),
            "cleaning": {
                k: v for k, v in result.report.to_dict().items() if k not in {"class_counts"}
            },
            "warnings": (train_data.warnings + test_data.warnings)[:50],
            "model": {
                "validation": described["validation"],
                "threshold": described["threshold"],
                "fusion": described["fusion"],
                "finetune": described["finetune"],
                "timings": described["timings"],
                "params": described["params"],
            },
            "cpu_count": os.cpu_count(),
        }
    )
    return report
