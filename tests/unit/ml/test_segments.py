"""RFM scoring and segment names, and clustering that recovers planted groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from maitre.ml.segments import CustomerClusterer, RFMModel, RFMSegment, rfm_segment


def test_segment_values_are_pinned() -> None:
    assert [s.value for s in RFMSegment] == [
        "champions",
        "loyal",
        "potential_loyalists",
        "new",
        "promising",
        "need_attention",
        "about_to_sleep",
        "at_risk",
        "cant_lose_them",
        "hibernating",
        "lost",
        "no_orders",
    ]


@pytest.mark.parametrize(
    ("r", "fm", "segment"),
    [
        (5, 5, RFMSegment.CHAMPIONS),
        (5, 4, RFMSegment.CHAMPIONS),
        (4, 5, RFMSegment.LOYAL),
        (3, 4, RFMSegment.LOYAL),
        (5, 3, RFMSegment.POTENTIAL_LOYALISTS),
        (4, 2, RFMSegment.POTENTIAL_LOYALISTS),
        (5, 1, RFMSegment.NEW),
        (4, 1, RFMSegment.PROMISING),
        (3, 3, RFMSegment.NEED_ATTENTION),
        (3, 2, RFMSegment.ABOUT_TO_SLEEP),
        (2, 4, RFMSegment.AT_RISK),
        (1, 3, RFMSegment.AT_RISK),
        (1, 5, RFMSegment.CANT_LOSE_THEM),
        (2, 2, RFMSegment.HIBERNATING),
        (1, 2, RFMSegment.HIBERNATING),
        (1, 1, RFMSegment.LOST),
    ],
)
def test_rfm_segment_mapping(r: int, fm: int, segment: RFMSegment) -> None:
    assert rfm_segment(r, fm) is segment


def test_every_score_pair_has_a_segment() -> None:
    named = {rfm_segment(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert named == set(RFMSegment) - {RFMSegment.NO_ORDERS}


def _rfm_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "recency_days": rng.uniform(1, 365, n),
            "frequency": rng.integers(1, 10, n).astype(float),
            "monetary": rng.uniform(10, 1000, n),
        }
    )
    frame.loc[0] = [0.5, 50.0, 9000.0]  # the best customer
    frame.loc[1] = [900.0, 1.0, 1.0]  # long gone
    frame.loc[2] = [np.nan, 0.0, 0.0]  # never ordered
    return frame


def test_rfm_scores_best_worst_and_non_buyers() -> None:
    frame = _rfm_frame()
    model = RFMModel()
    assert model.fit(frame) is model
    out = model.predict(frame)
    assert out.loc[0, "code"] == "555" and out.loc[0, "segment"] == "champions"
    assert out.loc[1, "code"] == "111" and out.loc[1, "segment"] == "lost"
    assert out.loc[2, "segment"] == "no_orders" and out.loc[2, "code"] is None
    assert out.loc[2, "r_score"] is pd.NA
    buyers = out.drop(index=2)
    for col in ("r_score", "f_score", "m_score"):
        counts = buyers[col].value_counts()
        assert set(counts.index) <= {1, 2, 3, 4, 5}
        assert counts.max() <= 0.3 * len(buyers)  # roughly quintiles


def test_estimators_refuse_to_predict_unfitted() -> None:
    frame = _rfm_frame()
    with pytest.raises(NotFittedError):
        RFMModel().predict(frame)
    with pytest.raises(NotFittedError):
        CustomerClusterer().predict(frame)


def _planted(seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Three groups: big tea spenders, frequent small teapot buyers, lapsed one-off buyers."""
    rng = np.random.default_rng(seed)
    size = 80
    groups = []
    for g, (mon, freq, rec, tea) in enumerate(
        [(3000, 20, 5, 0.9), (150, 12, 20, 0.1), (40, 1, 300, 0.5)]
    ):
        part = pd.DataFrame(
            {
                "monetary": mon * rng.lognormal(0, 0.15, size),
                "frequency": np.maximum(1, np.round(freq * rng.lognormal(0, 0.1, size))),
                "recency_days": rec * rng.lognormal(0, 0.15, size),
                "return_rate": rng.uniform(0, 0.05, size),
                "cat:Tea": np.clip(tea + rng.normal(0, 0.05, size), 0, 1),
            }
        )
        part["cat:Teapot"] = 1 - part["cat:Tea"]
        part["group"] = g
        groups.append(part)
    frame = pd.concat(groups, ignore_index=True)
    return frame.drop(columns="group"), frame["group"].to_numpy()


def test_clustering_recovers_planted_groups_and_describes_them() -> None:
    frame, truth = _planted()
    model = CustomerClusterer(k_max=6)
    assert model.fit(frame) is model
    labels = model.predict(frame)
    assert model.k_ == 3
    assert adjusted_rand_score(truth, labels) > 0.95
    big = model.descriptions_[int(np.bincount(labels[truth == 0]).argmax())]
    lapsed = model.descriptions_[int(np.bincount(labels[truth == 2]).argmax())]
    assert "high spend" in big and "mostly Tea" in big
    assert "lapsed" in lapsed or "infrequent" in lapsed
    assert model.predict(frame.iloc[:5]).tolist() == labels[:5].tolist()  # deterministic


def test_clustering_is_reproducible_with_a_fixed_seed() -> None:
    frame, _ = _planted(seed=2)
    first = CustomerClusterer(random_state=7).fit(frame).predict(frame)
    second = CustomerClusterer(random_state=7).fit(frame).predict(frame)
    assert first.tolist() == second.tolist()


def test_clustering_handles_tiny_and_buyerless_data() -> None:
    nobody = pd.DataFrame({"frequency": [0.0, 0.0], "monetary": [0.0, 0.0]})
    model = CustomerClusterer().fit(nobody)
    assert model.k_ == 0 and model.predict(nobody).tolist() == [-1, -1]
    one = pd.DataFrame({"frequency": [3.0, 0.0], "monetary": [80.0, 0.0]})
    model = CustomerClusterer().fit(one)
    assert model.k_ == 1 and model.predict(one).tolist() == [0, -1]
    assert model.descriptions_[0] == "close to the average customer"


def test_clustering_on_a_sample_still_labels_everyone() -> None:
    frame, truth = _planted(seed=3)
    model = CustomerClusterer(fit_sample=90, k_max=5).fit(frame)
    labels = model.predict(frame)
    assert len(labels) == len(frame) and sum(model.cluster_sizes_.values()) == len(frame)
    assert adjusted_rand_score(truth, labels) > 0.9
