"""One model version's page: the NLU evaluation report, or any model's metrics as a table.

The NLU trainer keeps a held-out report in ``metrics["evaluation"]`` (see
``maitre.agent.nlu.report``): accuracy, macro-F1, per-intent scores, the top confusion pairs and
the confusion matrix of the most-confused intents, drawn here as a heatmap. Every other metric
(churn, recommendations, the NLU's own training figures) is shown as flattened key/value rows.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from maitre.api.deps import SessionDep
from maitre.ml import registry
from maitre.web.core import PageRoute, WebUser, render, require

router = APIRouter(route_class=PageRoute)
ModelName = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9_-]+$")]
Version = Annotated[int, Path(ge=1, le=1_000_000)]
IntentSort = Literal["f1", "-f1", "precision", "recall", "support", "intent"]
INTENT_SORTS: tuple[str, ...] = ("f1", "-f1", "precision", "recall", "support", "intent")
EVALUATION_KEY = "evaluation"
MAX_ROWS = 300
MAX_VALUE_CHARS = 200


def intent_rows(per_intent: dict[str, Any], sort: str = "f1") -> list[dict[str, Any]]:
    """Return per-intent score rows; scores sort worst first, ``-f1`` best first."""
    rows = [
        {
            "intent": str(name),
            "precision": _number(s.get("precision")),
            "recall": _number(s.get("recall")),
            "f1": _number(s.get("f1")),
            "support": int(_number(s.get("support"))),
        }
        for name, s in per_intent.items()
        if isinstance(s, dict)
    ]
    if sort == "intent":
        return sorted(rows, key=lambda r: r["intent"])
    if sort == "support":
        return sorted(rows, key=lambda r: (-r["support"], r["intent"]))
    if sort == "-f1":
        return sorted(rows, key=lambda r: (-r["f1"], r["intent"]))
    key = sort if sort in ("precision", "recall") else "f1"
    # Worst first; among equals, the intent with more test rows matters more.
    return sorted(rows, key=lambda r: (r[key], -r["support"], r["intent"]))


def heatmap(confusion: dict[str, Any]) -> dict[str, Any] | None:
    """Return the chart data of a confusion matrix (cells, largest off-diagonal count)."""
    labels = [str(x) for x in confusion.get("labels") or []]
    matrix = confusion.get("matrix") or []
    if len(labels) < 2 or len(matrix) != len(labels):
        return None
    rows = [[int(_number(c)) for c in row[: len(labels)]] for row in matrix]
    cells = [
        {"x": labels[j], "y": labels[i], "v": n, "diag": i == j}
        for i, row in enumerate(rows)
        for j, n in enumerate(row)
    ]
    max_off = max((n for i, row in enumerate(rows) for j, n in enumerate(row) if i != j), default=0)
    return {"labels": labels, "rows": rows, "cells": cells, "max_off": max_off}


def flatten(metrics: dict[str, Any], *, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Return ``(dotted key, shown value)`` rows of nested metrics, numbers rounded."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if len(rows) >= MAX_ROWS:
            return
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
            return
        rows.append((prefix, _show(value)))

    for key, value in metrics.items():
        if key not in skip:
            walk(str(key), value)
    return rows


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int | str):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


@router.get("/training/models/{name}/{version}", response_class=HTMLResponse)
def version_page(
    request: Request,
    name: ModelName,
    version: Version,
    session: SessionDep,
    user: WebUser,
    sort: Annotated[IntentSort, Query()] = "f1",
) -> Response:
    """Show one registered version: its evaluation report and its metrics."""
    require(user, "models:read")
    mv = registry.get(session=session, name=name, version=version)
    metrics = mv.metrics if isinstance(mv.metrics, dict) else {}
    evaluation = metrics.get(EVALUATION_KEY)
    report = None
    if isinstance(evaluation, dict) and isinstance(evaluation.get("per_intent"), dict):
        report = {
            "split": str(evaluation.get("split", "")),
            "n": int(_number(evaluation.get("n"))),
            "accuracy": _number(evaluation.get("accuracy")),
            "macro_f1": _number(evaluation.get("macro_f1")),
            "intents": intent_rows(evaluation["per_intent"], sort),
            "pairs": [p for p in evaluation.get("confusion_pairs") or [] if isinstance(p, dict)],
            "heatmap": heatmap(evaluation.get("confusion") or {}),
        }
    return render(
        request,
        "model_report.html",
        mv=mv,
        report=report,
        sort=sort,
        sorts=INTENT_SORTS,
        metric_rows=flatten(metrics, skip=(EVALUATION_KEY,)),
        param_rows=flatten(mv.params if isinstance(mv.params, dict) else {}),
    )
