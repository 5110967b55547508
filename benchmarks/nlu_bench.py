"""NLU benchmark on BANKING77: full data, 10 examples per intent, and a TF-IDF + SVM baseline.

    python benchmarks/nlu_bench.py --json benchmarks/results/nlu_bench.json

Every number comes from the same run on the same machine. The pipeline is ``maitre nlu
evaluate``'s: it trains on the training file only (hyperparameters, fusion weight and
out-of-scope threshold chosen on an internal validation split) and then predicts the test file.
Targets (issue "NLU and the training pipeline"): full-data accuracy and macro-F1 >= 94.0%,
10-shot accuracy >= 87% (mean of 3 seeds), full training <= 10 min on 2 cores, parse p50 <= 10 ms
and p95 <= 25 ms, model memory <= 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _common import machine, write_json

from maitre.agent.nlu.classifier import ClassifierParams
from maitre.agent.nlu.dataio import read_training_data
from maitre.agent.nlu.evaluate import classification_report, evaluate

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77"
SEEDS = (0, 1, 2)
TARGETS = {
    "full_accuracy": 0.94,
    "full_macro_f1": 0.94,
    "few_shot_accuracy": 0.87,
    "train_seconds": 600,
    "p50_ms": 10,
    "p95_ms": 25,
    "model_memory_mb": 300,
}


def tfidf_svm(train: Path, test: Path) -> dict[str, Any]:
    """The classic baseline: word 1-2-gram TF-IDF and a linear SVM, default C."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    tr, te = read_training_data(train), read_training_data(test)
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    model = LinearSVC().fit(vectorizer.fit_transform(tr.texts), tr.intents)
    seconds = time.perf_counter() - started
    predicted = [str(p) for p in model.predict(vectorizer.transform(te.texts))]
    report = classification_report(te.intents, predicted)
    return {
        "accuracy": report["accuracy"],
        "macro_f1": report["macro_f1"],
        "train_seconds": round(seconds, 2),
    }


def sample(train: Path, per_intent: int, seed: int, out: Path) -> Path:
    """Write ``per_intent`` random examples of each intent from ``train`` to ``out``."""
    data = read_training_data(train)
    rng = np.random.default_rng(seed)
    by_intent: dict[str, list[str]] = {}
    for text, intent in zip(data.texts, data.intents, strict=True):
        by_intent.setdefault(intent, []).append(text)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "intent"])
        for intent in sorted(by_intent):
            texts = by_intent[intent]
            for i in rng.permutation(len(texts))[:per_intent]:
                writer.writerow([texts[i], intent])
    return out


def serving_memory(model_dir: Path) -> dict[str, float]:
    """Load the saved model in a fresh process, as a server would, and measure its memory."""
    import json
    import subprocess

    code = (
        "import json, os, psutil, sys\n"
        "from maitre.agent.nlu.bundle import NluModel\n"
        "import torch, sklearn, transformers, sentence_transformers\n"
        "p = psutil.Process(os.getpid())\n"
        "before = p.memory_info().rss\n"
        "m = NluModel.load(__import__('pathlib').Path(sys.argv[1]))\n"
        "m.parse('where is my card')\n"
        "after = p.memory_info().rss\n"
        "print(json.dumps({'rss_before_load_mb': before / 2**20, "
        "'rss_after_load_mb': after / 2**20, 'model_rss_mb': (after - before) / 2**20}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(model_dir)], capture_output=True, text=True, check=True
    )
    measured: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return {k: round(v, 1) for k, v in measured.items()}


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """Keep the headline numbers of an ``evaluate`` report."""
    keys = (
        "accuracy", "macro_f1", "train_seconds", "p50_ms", "p95_ms", "model_memory_mb",
        "process_rss_mb", "process_rss_growth_mb", "n_train", "n_test", "oos_rate",
    )  # fmt: skip
    out = {k: report[k] for k in keys if k in report}
    out["model"] = {
        k: report["model"][k] for k in ("validation", "fusion", "threshold", "finetune", "timings")
    }
    out["confusion_pairs"] = report["confusion_pairs"][:5]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="Write the result here.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="BANKING77 folder.")
    parser.add_argument("--skip-full", action="store_true", help="Only the few-shot runs.")
    parser.add_argument("--skip-few", action="store_true", help="Only the full-data run.")
    parser.add_argument("--shots", type=int, default=10, help="Examples per intent.")
    args = parser.parse_args()
    train, test = args.data / "train.csv", args.data / "test.csv"
    params = ClassifierParams()
    result: dict[str, Any] = {
        "benchmark": "nlu",
        "dataset": "BANKING77 (PolyAI), test split",
        "machine": machine(),
        "torch_threads": None,
        "targets": TARGETS,
        "baselines": {"tfidf_svm": {"full": tfidf_svm(train, test)}},
    }
    if not args.skip_full:
        with tempfile.TemporaryDirectory() as tmp:
            full = evaluate(train, test, params=params, save_to=Path(tmp) / "model")
            result["full"] = summary(full)
            result["full"]["serving_memory"] = serving_memory(Path(tmp) / "model")
    if not args.skip_few:
        runs: list[dict[str, Any]] = []
        baseline_runs: list[dict[str, Any]] = []
        with tempfile.TemporaryDirectory() as tmp:
            for seed in SEEDS:
                few = sample(train, args.shots, seed, Path(tmp) / f"few_{seed}.csv")
                report = evaluate(few, test, params=params, latency_sample=50)
                runs.append({"seed": seed, **summary(report)})
                baseline_runs.append({"seed": seed, **tfidf_svm(few, test)})
        result["few_shot"] = {
            "examples_per_intent": args.shots,
            "mean_accuracy": round(float(np.mean([r["accuracy"] for r in runs])), 4),
            "mean_macro_f1": round(float(np.mean([r["macro_f1"] for r in runs])), 4),
            "runs": runs,
        }
        result["baselines"]["tfidf_svm"]["few_shot"] = {
            "mean_accuracy": round(float(np.mean([r["accuracy"] for r in baseline_runs])), 4),
            "runs": baseline_runs,
        }
    import torch

    result["torch_threads"] = torch.get_num_threads()
    result["meets_targets"] = _check(result)
    write_json(args.json, result)


def _check(result: dict[str, Any]) -> dict[str, bool]:
    checks: dict[str, bool] = {}
    full = result.get("full")
    if full:
        checks["full_accuracy"] = full["accuracy"] >= TARGETS["full_accuracy"]
        checks["full_macro_f1"] = full["macro_f1"] >= TARGETS["full_macro_f1"]
        checks["train_seconds"] = full["train_seconds"] <= TARGETS["train_seconds"]
        checks["p50_ms"] = full["p50_ms"] <= TARGETS["p50_ms"]
        checks["p95_ms"] = full["p95_ms"] <= TARGETS["p95_ms"]
        checks["model_memory_mb"] = full["model_memory_mb"] <= TARGETS["model_memory_mb"]
        if "serving_memory" in full:
            checks["model_rss_mb"] = (
                full["serving_memory"]["model_rss_mb"] <= TARGETS["model_memory_mb"]
            )
    few = result.get("few_shot")
    if few:
        checks["few_shot_accuracy"] = few["mean_accuracy"] >= TARGETS["few_shot_accuracy"]
    return checks


if __name__ == "__main__":
    main()
