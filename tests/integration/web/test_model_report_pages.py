"""The model version page on both backends: an NLU evaluation report and other models' metrics."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from maitre.config import Settings
from maitre.ml import registry
from maitre.users.roles import Role
from tests.integration.nlu_helpers import ROWS, train_fast, write_csv
from tests.integration.web.conftest import WebClient


def _stored_evaluation(factory: sessionmaker[Session], version: int) -> dict[str, Any]:
    with factory() as s:
        metrics = registry.get(session=s, name="nlu", version=version).metrics
    evaluation: dict[str, Any] = metrics["evaluation"]
    return evaluation


def _intent_order(page: str) -> list[str]:
    return re.findall(r'<tr data-intent="([^"]+)">', page)


def test_nlu_report_shows_per_intent_scores_confusions_and_heatmap(
    login: Callable[[Role], WebClient],
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    done = train_fast(session_factory, settings.models_dir, write_csv(tmp_path / "train.csv"))
    evaluation = _stored_evaluation(session_factory, done.version)
    assert set(evaluation["per_intent"]) == set(ROWS)
    assert evaluation["n"] == sum(s["support"] for s in evaluation["per_intent"].values())
    assert evaluation["confusion_pairs"], "the small lexical model confuses some held-out rows"

    analyst = login(Role.ANALYST)
    listing = analyst.get("/training/models")
    assert f'href="/training/models/nlu/{done.version}"' in listing.text
    page = analyst.get(f"/training/models/nlu/{done.version}")
    assert page.status_code == 200, page.text
    text = page.text
    assert f"{evaluation['accuracy'] * 100:.1f}%" in text
    assert f"{evaluation['macro_f1']:.3f}" in text
    rows = _intent_order(text)
    assert sorted(rows) == sorted(ROWS)
    f1 = [evaluation["per_intent"][name]["f1"] for name in rows]
    assert f1 == sorted(f1), "worst F1 first by default"
    for pair in evaluation["confusion_pairs"]:
        assert re.search(
            rf"<tr data-pair><td>{pair['true']}</td><td>{pair['predicted']}</td>"
            rf'<td class="num">{pair["count"]}</td></tr>',
            text,
        ), pair
    assert 'data-chart="confusion"' in text and 'id="confusion-data"' in text
    assert "chart-4.6.1.umd.min.js" in text and "<script>" not in text
    data = re.search(r'id="confusion-data">(.*?)</script>', text, re.S)
    assert data is not None
    labels = evaluation["confusion"]["labels"]
    assert all(html.escape(label) in data.group(1) for label in labels)
    # Training figures are shown too, flattened.
    assert "validation.accuracy" in text and "threshold.threshold" in text

    best_first = _intent_order(analyst.get(f"/training/models/nlu/{done.version}?sort=-f1").text)
    f1_best = [evaluation["per_intent"][name]["f1"] for name in best_first]
    assert f1_best == sorted(f1_best, reverse=True)
    by_name = _intent_order(analyst.get(f"/training/models/nlu/{done.version}?sort=intent").text)
    assert by_name == sorted(ROWS)


def test_version_without_report_shows_empty_state_and_generic_metrics(
    login: Callable[[Role], WebClient],
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as s:
        for name, metrics in (
            ("nlu", {"examples": 12, "validation": {"accuracy": 0.5}}),
            ("churn", {"roc_auc": 0.8123456, "calibration": {"brier": 0.11}, "model": "lgbm"}),
        ):
            staging = registry.staging_dir(settings.models_dir, name)
            registry.register(
                session=s,
                models_dir=settings.models_dir,
                name=name,
                staging=staging,
                data_hash="0" * 64,
                params={"window_days": 90},
                metrics=metrics,
            )
        s.commit()
    agent = login(Role.AGENT)
    nlu_page = agent.get("/training/models/nlu/1")
    assert nlu_page.status_code == 200
    assert "This version has no evaluation report." in nlu_page.text
    assert 'data-chart="confusion"' not in nlu_page.text
    assert "validation.accuracy" in nlu_page.text
    churn = agent.get("/training/models/churn/1").text
    assert "roc_auc" in churn and "0.8123" in churn
    assert "calibration.brier" in churn and "window_days" in churn
    assert "data-intent-table" not in churn


def test_unknown_version_and_bad_sort_are_error_pages(
    login: Callable[[Role], WebClient], shop: dict[str, Any]
) -> None:
    admin = login(Role.ADMIN)
    missing = admin.get("/training/models/nlu/99")
    assert missing.status_code == 404 and "<html" in missing.text
    assert admin.get("/training/models/nlu/1?sort=evil").status_code == 422
    assert admin.get("/training/models/Bad%20Name/1").status_code == 422
