"""Batch scoring: chunk size and thread count change nothing in the stored scores."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from maitre.analytics import scoring
from maitre.config import Settings
from maitre.ml.churn_crm import reasons, reasons_json
from maitre.ml.churn_crm_train import train_and_register
from tests.factories.analytics import stored_scores
from tests.factories.planted import END, build_planted_churn


def test_scores_in_chunks_of_seven_equal_one_chunk(session: Session, settings: Settings) -> None:
    build_planted_churn(session, customers=120)
    train_and_register(session=session, settings=settings)
    prepared = scoring.prepare(session=session, settings=settings, now=END)
    # Explain everyone, so every row carries reasons.
    prepared = replace(prepared, reasons_from=0.0)
    one = settings.model_copy(update={"analytics_score_chunk": 1000})
    result = scoring.store(session=session, settings=one, prepared=prepared)
    whole = stored_scores(session)
    sevens = settings.model_copy(update={"analytics_score_chunk": 7})
    scoring.store(session=session, settings=sevens, prepared=replace(prepared, threads=2))
    chunked = stored_scores(session)

    assert result.customers == len(whole) == 120 and result.churn_model_version is not None
    assert chunked == whole
    assert all(row[1] is not None for row in whole)
    assert sum(bool(row[2]) for row in whole) > len(whole) // 2
    assert all(isinstance(r["text"], str) and r["effect"] > 0 for row in whole for r in row[2])
    assert {row[7] for row in whole} - {"no_orders"}


def test_reason_json_text_is_the_reasons_serialised() -> None:
    rng = np.random.default_rng(3)
    n = 200
    rows = pd.DataFrame(
        {
            "recency_days": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 400, n) + 0.5),
            "frequency": rng.integers(0, 5, n).astype(float),
            "cat:Thé": np.where(rng.random(n) < 0.5, -0.0, 0.25),
            "csat_mean": np.where(rng.random(n) < 0.5, np.nan, 4.5),
            "language": rng.choice(["en", "zh"], n),
        }
    )
    contributions = rng.normal(size=(n, rows.shape[1]))
    contributions[:10] = 0.0  # no push towards churn: no reasons
    found = reasons(contributions, rows)
    assert [json.loads(text) for text in reasons_json(contributions, rows)] == found
    assert found[0] == [] and any(len(r) == 3 for r in found)
    for contrib, said in zip(contributions, found, strict=True):
        effects = [float(str(r["effect"])) for r in said]
        assert effects == sorted(effects, reverse=True)
        assert len(said) == min(3, int((contrib > 0).sum()))
