"""Explain one prediction in words: SHAP values by permutation sampling, then phrases.

``shapley_values`` estimates interventional SHAP values for any model given as a function
from a feature frame to a score (log-odds for churn), by averaging the score change as the
row's features replace a background row's, over random feature orders (each order used forwards
and backwards). For every order the contributions add up exactly to the row's score minus the
background's, so the values are additive like TreeSHAP's, and they work for a blend of models.

``describe`` turns a feature and its value into a phrase ("tenure of 2", "contract:
month-to-month", "paperless billing: yes"); ``templates`` let a caller with known features
(the CRM's "days since last order") give better wording: ``{"days_since_last_order":
"no order for {value:.0f} days"}``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

ScoreFn = Callable[[pd.DataFrame], np.ndarray]


@dataclass(frozen=True)
class Reason:
    """One feature's push on one prediction."""

    feature: str
    value: object
    effect: float
    text: str

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready form."""
        value = self.value
        if isinstance(value, float | np.floating):
            value = None if math.isnan(float(value)) else round(float(value), 4)
        elif isinstance(value, np.integer):
            value = int(value)
        else:
            value = None if value is None or pd.isna(value) else str(value)
        return {
            "feature": self.feature,
            "value": value,
            "effect": round(self.effect, 4),
            "text": self.text,
        }


def shapley_values(
    score: ScoreFn,
    rows: pd.DataFrame,
    background: pd.DataFrame,
    *,
    n_permutations: int = 6,
    random_state: int = 0,
    max_batch_rows: int = 50_000,
) -> np.ndarray:
    """Estimate SHAP values (rows x features) of ``score`` against ``background`` rows."""
    rng = np.random.default_rng(random_state)
    n_feat, n_bg = rows.shape[1], len(background)
    half = [rng.permutation(n_feat) for _ in range(max(1, n_permutations // 2))]
    orders = np.array(half + [order[::-1] for order in half])
    # position[o, j]: where feature j comes in order o; step k takes the first k from the row.
    position = np.argsort(orders, axis=1)
    steps = np.repeat(np.arange(n_feat + 1), n_bg)
    take = np.concatenate([steps[:, None] > position[o][None, :] for o in range(len(orders))])
    tiled_index = np.tile(np.arange(n_bg), len(orders) * (n_feat + 1))
    per_row = len(orders) * (n_feat + 1) * n_bg
    chunk = max(1, max_batch_rows // per_row)
    out = np.zeros((len(rows), n_feat))
    for start in range(0, len(rows), chunk):
        batch = range(start, min(start + chunk, len(rows)))
        columns = {
            col: pd.concat(
                [_mix(background[col], rows[col].iloc[i], tiled_index, take[:, j]) for i in batch],
                ignore_index=True,
            )
            for j, col in enumerate(rows.columns)
        }
        scores = score(pd.DataFrame(columns, index=pd.RangeIndex(per_row * len(batch))))
        means = scores.reshape(len(batch), len(orders), n_feat + 1, n_bg).mean(axis=3)
        gains = np.diff(means, axis=2)  # gains[i, o, k]: adding the k-th feature of order o
        for b, i in enumerate(batch):
            for o, order in enumerate(orders):
                out[i, order] += gains[b, o]
    return out / len(orders)


def _mix(background: pd.Series, value: object, index: np.ndarray, take: np.ndarray) -> pd.Series:
    """Background values tiled by ``index``, replaced by ``value`` where ``take``."""
    if isinstance(background.dtype, pd.CategoricalDtype):
        cats = background.cat.categories
        codes = background.cat.codes.to_numpy()[index]
        code = -1 if pd.isna(value) else int(cats.get_loc(value))
        return pd.Series(pd.Categorical.from_codes(np.where(take, code, codes), categories=cats))
    base = background.to_numpy()[index]
    mixed: np.ndarray = np.where(take, np.asarray(value, dtype=base.dtype), base)
    return pd.Series(mixed, dtype=background.dtype)


def label(feature: str) -> str:
    """Turn a column name into words: ``MonthlyCharges`` → ``monthly charges``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", feature)
    text = re.sub(r"[_\-.]+", " ", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def format_value(value: object) -> str:
    """Format a feature value for a sentence."""
    if isinstance(value, float | np.floating | int | np.integer):
        number = float(value)
        if number.is_integer():
            return f"{int(number):,}"
        return f"{number:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def describe(
    feature: str,
    value: object,
    *,
    binary: bool = False,
    templates: Mapping[str, str] | None = None,
) -> str:
    """Phrase one feature value: "tenure of 2", "contract: month-to-month", "partner: no"."""
    if templates and feature in templates:
        return templates[feature].format(value=value)
    name = label(feature)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "(missing)":
        return f"{name} unknown"
    if binary and isinstance(value, float | int | np.floating | np.integer):
        return f"{name}: {'yes' if float(value) >= 0.5 else 'no'}"
    if isinstance(value, float | int | np.floating | np.integer):
        return f"{name} of {format_value(value)}"
    return f"{name}: {str(value).lower()}"


def top_reasons(
    contributions: np.ndarray,
    row: pd.Series,
    *,
    binary: set[str] | None = None,
    templates: Mapping[str, str] | None = None,
    k: int = 3,
    direction: int = 1,
) -> list[Reason]:
    """Pick the ``k`` features pushing hardest in ``direction`` (1: towards the positive class)."""
    order = np.argsort(-direction * contributions)
    reasons: list[Reason] = []
    for j in order[:k]:
        effect = float(contributions[j])
        if direction * effect <= 0:
            break
        feature = str(row.index[j])
        value = row.iloc[j]
        text = describe(feature, value, binary=feature in (binary or set()), templates=templates)
        reasons.append(Reason(feature=feature, value=value, effect=effect, text=text))
    return reasons
