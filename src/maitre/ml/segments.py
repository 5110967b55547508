"""RFM scores and named segments, and clustering of customers with a description per cluster.

Both estimators take the frame built by ``maitre.ml.features`` (or any frame with the same
columns) and follow the scikit-learn contract. Customers who never ordered (``frequency`` 0)
get no RFM score and the segment ``no_orders``, and no cluster (label -1).

RFM mapping (R = recency score, FM = rounded mean of frequency and monetary scores, 1..5):

    R 5, FM 4-5: champions           R 3-4, FM 4-5: loyal        R 4-5, FM 2-3: potential_loyalists
    R 5, FM 1:   new                 R 4, FM 1:     promising    R 3, FM 3:     need_attention
    R 3, FM 1-2: about_to_sleep      R 1-2, FM 3-4: at_risk      R 1-2, FM 5:   cant_lose_them
    R 1-2, FM 1-2: hibernating, except R 1 FM 1: lost

``RFMModel`` learns exact quintiles, so it needs every buyer's three values (batch scoring
collects just those in a first pass). ``CustomerClusterer`` learns from a sample: the
``fit_sample`` buyers with the smallest id hash (``maitre.ml.sampling``) give the fill
values, the scaler and the k-means centroids, so fitting on everyone and fitting on just the
sampled customers' rows give the same clusters. Descriptions and sizes use every row given.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from maitre.ml.features import CATEGORY_PREFIX, NUMERIC_FEATURES, category_columns
from maitre.ml.sampling import sample_rows


class RFMSegment(StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALISTS = "potential_loyalists"
    NEW = "new"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANT_LOSE_THEM = "cant_lose_them"
    HIBERNATING = "hibernating"
    LOST = "lost"
    NO_ORDERS = "no_orders"


SEGMENT_DESCRIPTIONS: dict[RFMSegment, str] = {
    RFMSegment.CHAMPIONS: "bought recently, buy often and spend the most",
    RFMSegment.LOYAL: "buy often and spend well; responsive to offers",
    RFMSegment.POTENTIAL_LOYALISTS: "recent customers with average frequency and spend",
    RFMSegment.NEW: "bought very recently, but only once or for little",
    RFMSegment.PROMISING: "recent buyers who have not spent much yet",
    RFMSegment.NEED_ATTENTION: "average recency, frequency and spend",
    RFMSegment.ABOUT_TO_SLEEP: "below-average recency and spend; will be lost if not reactivated",
    RFMSegment.AT_RISK: "spent well and bought often, but long ago",
    RFMSegment.CANT_LOSE_THEM: "used to be among the best customers and have not come back",
    RFMSegment.HIBERNATING: "last order long ago, few orders, low spend",
    RFMSegment.LOST: "lowest recency, frequency and spend",
    RFMSegment.NO_ORDERS: "no order yet",
}


def rfm_segment(r: int, fm: int) -> RFMSegment:
    """Name the segment of a recency score and a frequency-monetary score, both 1..5."""
    if r <= 2:
        if fm == 5:
            return RFMSegment.CANT_LOSE_THEM
        if fm >= 3:
            return RFMSegment.AT_RISK
        return RFMSegment.LOST if r == 1 and fm == 1 else RFMSegment.HIBERNATING
    if r == 3:
        if fm >= 4:
            return RFMSegment.LOYAL
        return RFMSegment.NEED_ATTENTION if fm == 3 else RFMSegment.ABOUT_TO_SLEEP
    if fm >= 4:
        return RFMSegment.CHAMPIONS if r == 5 else RFMSegment.LOYAL
    if fm >= 2:
        return RFMSegment.POTENTIAL_LOYALISTS
    return RFMSegment.NEW if r == 5 else RFMSegment.PROMISING


def _buyers(features: pd.DataFrame) -> pd.DataFrame:
    return features[pd.to_numeric(features["frequency"], errors="coerce").fillna(0) > 0]


class RFMModel(BaseEstimator):  # type: ignore[misc]
    """Score recency, frequency and monetary value 1..5 by quintiles learned from buyers."""

    def __init__(self, n_bins: int = 5) -> None:
        self.n_bins = n_bins

    def fit(self, features: pd.DataFrame, y: Any = None) -> RFMModel:
        """Learn the quintile edges of recency, frequency and monetary among buyers."""
        buyers = _buyers(features)
        qs = np.linspace(0, 1, self.n_bins + 1)[1:-1]
        self.edges_: dict[str, np.ndarray] = {}
        for col in ("recency_days", "frequency", "monetary"):
            values = buyers[col].to_numpy(dtype=float)
            self.edges_[col] = np.quantile(values, qs) if len(values) else np.zeros(len(qs))
        self.n_customers_ = len(buyers)
        return self

    def _score(self, col: str, values: np.ndarray) -> np.ndarray:
        # Score = 1 + edges strictly below the value, so ties at an edge stay in the lower bin.
        below = np.searchsorted(self.edges_[col], values, side="left")
        return (below + 1).astype(int)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Return r_score, f_score, m_score, code ("545") and segment per customer."""
        check_is_fitted(self, "edges_")
        out = pd.DataFrame(index=features.index)
        buyer = pd.to_numeric(features["frequency"], errors="coerce").fillna(0) > 0
        recency = features["recency_days"].to_numpy(dtype=float)
        r = self.n_bins + 1 - self._score("recency_days", recency)
        f = self._score("frequency", features["frequency"].to_numpy(dtype=float))
        m = self._score("monetary", features["monetary"].to_numpy(dtype=float))
        fm = np.floor((f + m) / 2 + 0.5).astype(int)
        segments = [
            rfm_segment(int(ri), int(fmi)) if is_buyer else RFMSegment.NO_ORDERS
            for ri, fmi, is_buyer in zip(r, fm, buyer, strict=True)
        ]
        out["r_score"] = pd.array(np.where(buyer, r, 0), dtype="Int64")
        out["f_score"] = pd.array(np.where(buyer, f, 0), dtype="Int64")
        out["m_score"] = pd.array(np.where(buyer, m, 0), dtype="Int64")
        for col in ("r_score", "f_score", "m_score"):
            out.loc[~buyer, col] = pd.NA
        codes = [
            f"{ri}{fi}{mi}" if b else None for ri, fi, mi, b in zip(r, f, m, buyer, strict=True)
        ]
        out["code"] = pd.Series(codes, index=out.index, dtype=object)
        out["segment"] = [s.value for s in segments]
        return out


# How a feature's deviation from the population reads: (above-average words, below-average).
_WORDS: dict[str, tuple[str, str]] = {
    "monetary": ("high spend", "low spend"),
    "frequency": ("frequent", "infrequent"),
    "recency_days": ("lapsed", "recently active"),
    "avg_basket": ("large baskets", "small baskets"),
    "tenure_days": ("long-standing", "recently joined"),
    "return_rate": ("high return rate", "low return rate"),
    "cancellation_rate": ("often cancel", "rarely cancel"),
    "discount_rate": ("discount-driven", "rarely use discounts"),
    "tickets_total": ("many support contacts", "few support contacts"),
    "conversations_total": ("chatty", "rarely chat"),
}
_SKEWED = ("recency_days", "frequency", "monetary", "avg_basket", "tenure_days")


class CustomerClusterer(BaseEstimator):  # type: ignore[misc]
    """K-means on scaled profile features of buyers, k chosen by silhouette, with descriptions.

    The fill values, scaler and centroids come from the ``fit_sample`` buyers with the
    smallest id hash (all buyers when there are fewer), sorted by id.
    """

    def __init__(
        self,
        k_min: int = 2,
        k_max: int = 8,
        random_state: int = 0,
        silhouette_sample: int = 3000,
        fit_sample: int = 10_000,
        min_deviation: float = 0.5,
    ) -> None:
        self.k_min = k_min
        self.k_max = k_max
        self.random_state = random_state
        self.silhouette_sample = silhouette_sample
        self.fit_sample = fit_sample
        self.min_deviation = min_deviation

    def _matrix(self, features: pd.DataFrame) -> np.ndarray:
        frame = features.reindex(columns=self.columns_).apply(pd.to_numeric, errors="coerce")
        frame = frame.fillna(self.fill_values_)
        for col in _SKEWED:
            if col in frame:
                frame[col] = np.log1p(frame[col].clip(lower=0.0))
        matrix: np.ndarray = frame.to_numpy(dtype=float)
        return matrix

    def fit(self, features: pd.DataFrame, y: Any = None) -> CustomerClusterer:
        """Choose k by silhouette over [k_min, k_max], fit k-means, describe each cluster."""
        buyers = _buyers(features)
        wanted = [c for c in NUMERIC_FEATURES if c != "csat_mean"] + category_columns(buyers)
        self.columns_ = [c for c in wanted if c in buyers.columns]
        sample = sample_rows(buyers[self.columns_], self.fit_sample, self.random_state)
        sample = sample.apply(pd.to_numeric, errors="coerce")
        self.fill_values_ = sample.median().fillna(0.0)
        self.scaler_ = StandardScaler()
        self.silhouette_by_k_: dict[int, float] = {}
        self.model_: KMeans | None = None
        self.k_ = 0
        if len(buyers):
            matrix: np.ndarray = self.scaler_.fit_transform(self._matrix(sample))
            self.k_, self.model_ = self._choose_k(matrix)
            labels = self._labels(self.scaler_.transform(self._matrix(buyers)))
        else:
            labels = np.zeros(0, dtype=int)
        raw = buyers[self.columns_].apply(pd.to_numeric, errors="coerce")
        self._describe(raw.fillna(self.fill_values_), labels)
        return self

    def _choose_k(self, train: np.ndarray) -> tuple[int, KMeans | None]:
        distinct = len(np.unique(train, axis=0))
        best_k, best_model, best_score = 1, None, -np.inf
        for k in range(self.k_min, min(self.k_max, distinct - 1) + 1):
            model = KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit(train)
            sample = min(self.silhouette_sample, len(train))
            score = float(
                silhouette_score(
                    train, model.labels_, sample_size=sample, random_state=self.random_state
                )
            )
            self.silhouette_by_k_[k] = score
            if score > best_score:
                best_k, best_model, best_score = k, model, score
        return best_k, best_model

    def _labels(self, matrix: np.ndarray) -> np.ndarray:
        if self.model_ is None:
            return np.zeros(len(matrix), dtype=int)
        return np.asarray(self.model_.predict(matrix), dtype=int)

    def _describe(self, raw: pd.DataFrame, labels: np.ndarray) -> None:
        self.cluster_means_ = raw.groupby(labels).mean() if len(raw) else raw.iloc[:0]
        self.cluster_sizes_ = {
            int(k): int(v) for k, v in zip(*np.unique(labels, return_counts=True), strict=True)
        }
        mean, std = raw.mean(), raw.std(ddof=0).replace(0.0, np.nan)
        self.descriptions_: dict[int, str] = {}
        for label, row in self.cluster_means_.iterrows():
            self.descriptions_[int(label)] = self._sentence(row, mean, std)

    def _sentence(self, row: pd.Series, mean: pd.Series, std: pd.Series) -> str:
        z = ((row - mean) / std).fillna(0.0)
        traits = [
            (abs(float(z[c])), _WORDS[c][0] if z[c] > 0 else _WORDS[c][1])
            for c in _WORDS
            if c in z.index and abs(float(z[c])) >= self.min_deviation
        ]
        parts = [word for _, word in sorted(traits, reverse=True)[:4]]
        cats = [c for c in row.index if str(c).startswith(CATEGORY_PREFIX)]
        if cats:
            top = max(cats, key=lambda c: float(row[c]))
            if float(row[top]) >= 0.4:
                parts.insert(min(2, len(parts)), f"mostly {str(top)[len(CATEGORY_PREFIX) :]}")
        return ", ".join(parts) if parts else "close to the average customer"

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Return each customer's cluster; -1 for customers without orders."""
        check_is_fitted(self, "columns_")
        labels = np.full(len(features), -1, dtype=int)
        buyer = (pd.to_numeric(features["frequency"], errors="coerce").fillna(0) > 0).to_numpy()
        if buyer.any() and self.k_ > 0:
            matrix = self.scaler_.transform(self._matrix(features[buyer]))
            labels[buyer] = self._labels(matrix)
        return labels
