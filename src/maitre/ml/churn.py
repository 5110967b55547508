"""Churn classifier: tuned LightGBM averaged with a spline logistic regression and a small MLP
(unless internal cross-validation says a smaller blend ranks clearly better), calibrated.

``ChurnModel`` follows the scikit-learn contract on a feature frame of float and ``category``
columns (``TableFeatures`` builds one from a CSV; the CRM feature builder builds the same):
``fit`` chooses everything on the training rows only — the LightGBM configuration from a small
grid, the regularisation of the logistic regression, whether to drop a member from the
average of log-odds — by out-of-fold ROC-AUC, then fits a Platt scaling on the out-of-fold
blended scores so ``predict_proba`` is calibrated, and refits the chosen members on all
training rows.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler
from sklearn.utils.validation import check_is_fitted

from maitre.errors import ValidationFailed

GBM_GRID: tuple[dict[str, Any], ...] = (
    {"num_leaves": 3, "n_estimators": 800, "learning_rate": 0.02, "min_child_samples": 60},
    {"num_leaves": 7, "n_estimators": 300, "learning_rate": 0.03, "min_child_samples": 50},
    {"num_leaves": 15, "n_estimators": 200, "learning_rate": 0.03, "min_child_samples": 30},
)
LR_GRID: tuple[float, ...] = (0.1, 1.0)
MEMBERS = ("gbm", "lr", "mlp")
_EPS = 1e-6


def split_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Return (numeric, categorical) column names of a feature frame."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return [c for c in frame.columns if c not in cats], cats


def make_gbm(params: dict[str, Any], random_state: int) -> lgb.LGBMClassifier:
    """A regularised LightGBM classifier (single-threaded: the machine is shared)."""
    return lgb.LGBMClassifier(
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=5.0,
        min_data_per_group=20,
        cat_smooth=20.0,
        random_state=random_state,
        n_jobs=1,
        verbose=-1,
        **params,
    )


def make_linear(
    numeric: list[str], categorical: list[str], *, C: float = 1.0, splines: bool = True
) -> Pipeline:
    """Logistic regression on scaled numbers (plus quantile splines) and one-hot categories."""
    scaled = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    num: Any = scaled
    if splines:
        spline = make_pipeline(
            SimpleImputer(strategy="median"),
            SplineTransformer(n_knots=5, knots="quantile", extrapolation="constant"),
        )
        num = make_union(scaled, spline)
    encode = ColumnTransformer(
        [
            ("num", num, numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    return make_pipeline(encode, LogisticRegression(C=C, solver="newton-cholesky", max_iter=200))


def make_mlp(numeric: list[str], categorical: list[str], random_state: int) -> Pipeline:
    """A small, strongly regularised one-hidden-layer network."""
    encode = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    net = MLPClassifier((32,), alpha=1.0, max_iter=500, random_state=random_state)
    return make_pipeline(encode, net)


def _log_odds(model: Any, frame: pd.DataFrame) -> np.ndarray:
    proba = np.asarray(model.predict_proba(frame))[:, 1]
    return np.asarray(logit(np.clip(proba, _EPS, 1 - _EPS)), dtype=float)


class ChurnModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Calibrated churn probabilities from a CV-chosen blend of LightGBM, spline LR and an MLP."""

    def __init__(
        self,
        *,
        members: tuple[str, ...] = MEMBERS,
        cv_folds: int = 5,
        drop_margin: float = 0.002,
        random_state: int = 0,
    ) -> None:
        self.members = members
        self.cv_folds = cv_folds
        self.drop_margin = drop_margin
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Any) -> ChurnModel:
        """Choose and fit the members on ``X``/``y`` (y: 1 = churned), calibrate the blend."""
        target = np.asarray(y, dtype=int)
        minority = int(min(target.sum(), len(target) - target.sum()))
        if minority < 4:
            raise ValidationFailed("too few rows of one class to train (need at least 4 of each)")
        folds = max(2, min(self.cv_folds, minority // 2))
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        splits = list(cv.split(X, target))
        numeric, categorical = split_columns(X)
        self.numeric_, self.categorical_ = numeric, categorical
        self.classes_ = np.array([0, 1])
        candidates = self._candidates(numeric, categorical)
        oof: dict[str, np.ndarray] = {}
        cv_auc: dict[str, float] = {}
        for name, model in candidates.items():
            oof[name] = _out_of_fold(model, X, target, splits)
            cv_auc[name] = float(roc_auc_score(target, oof[name]))
        best_gbm = max((n for n in oof if n.startswith("gbm")), key=cv_auc.__getitem__)
        best_lr = max((n for n in oof if n.startswith("lr")), key=cv_auc.__getitem__)
        pool = {"gbm": best_gbm, "lr": best_lr, "mlp": "mlp"}
        chosen = {m: pool[m] for m in self.members if pool.get(m) in oof}
        blends: dict[tuple[str, ...], float] = {}
        for size in range(1, len(chosen) + 1):
            for combo in itertools.combinations(chosen, size):
                score = np.mean([oof[chosen[m]] for m in combo], axis=0)
                blends[combo] = float(roc_auc_score(target, score))
        blend = _prefer_full_blend(blends, tuple(chosen), self.drop_margin)
        self.blend_ = blend
        self.cv_auc_ = {**cv_auc, **{"+".join(c): a for c, a in blends.items() if len(c) > 1}}
        self.member_names_ = {m: chosen[m] for m in blend}
        self.gbm_choice_ = best_gbm
        blended = np.mean([oof[chosen[m]] for m in blend], axis=0)
        self.calibrator_ = LogisticRegression(C=1e4).fit(blended.reshape(-1, 1), target)
        gbm_oof = oof[best_gbm].reshape(-1, 1)
        self.gbm_calibrator_ = LogisticRegression(C=1e4).fit(gbm_oof, target)
        needed = set(self.member_names_.values()) | {best_gbm}
        self.models_ = {n: _fit_quietly(clone(candidates[n]), X, target) for n in needed}
        return self

    def _candidates(self, numeric: list[str], categorical: list[str]) -> dict[str, Any]:
        models: dict[str, Any] = {}
        for i, params in enumerate(GBM_GRID):
            models[f"gbm{i}"] = make_gbm(params, self.random_state)
        if "lr" in self.members:
            for C in LR_GRID:
                models[f"lr_C{C:g}"] = make_linear(numeric, categorical, C=C)
        if "mlp" in self.members:
            models["mlp"] = make_mlp(numeric, categorical, self.random_state)
        return models

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Blended log-odds before calibration (the scale the explanations use)."""
        check_is_fitted(self, "models_")
        scores = [_log_odds(self.models_[self.member_names_[m]], X) for m in self.blend_]
        return np.asarray(np.mean(scores, axis=0), dtype=float)

    def calibrated_log_odds(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated log-odds of churn."""
        raw = self.decision_function(X)
        coef = float(self.calibrator_.coef_[0, 0])
        return np.asarray(coef * raw + float(self.calibrator_.intercept_[0]), dtype=float)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities, columns (stay, churn)."""
        p = expit(self.calibrated_log_odds(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame, threshold: float = 0.5) -> np.ndarray:
        """1 where the churn probability reaches ``threshold``."""
        return (self.predict_proba(X)[:, 1] >= threshold).astype(int)

    def gbm_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities of the tuned LightGBM member alone (for comparison)."""
        check_is_fitted(self, "models_")
        raw = _log_odds(self.models_[self.gbm_choice_], X).reshape(-1, 1)
        return np.asarray(self.gbm_calibrator_.predict_proba(raw)[:, 1], dtype=float)

    def describe(self) -> dict[str, Any]:
        """What fit chose, and the out-of-fold ROC-AUC of every candidate."""
        check_is_fitted(self, "models_")
        gbm_params = GBM_GRID[int(self.gbm_choice_.removeprefix("gbm"))]
        return {
            "blend": list(self.blend_),
            "members": dict(self.member_names_),
            "lightgbm_params": dict(gbm_params),
            "calibration": "Platt scaling fitted on out-of-fold blended log-odds",
            "cv_roc_auc": {k: round(v, 4) for k, v in self.cv_auc_.items()},
        }


def _prefer_full_blend(
    blends: dict[tuple[str, ...], float], full: tuple[str, ...], margin: float
) -> tuple[str, ...]:
    """Average every member unless a smaller blend is better out of fold by more than ``margin``.

    Out-of-fold AUCs of blends differ in the fourth decimal on typical churn tables, so picking
    the maximum would pick noise; the full average is the robust default.
    """
    best = max(blends, key=blends.__getitem__)
    return best if blends[best] > blends[full] + margin else full


def _out_of_fold(
    model: Any, X: pd.DataFrame, y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    out = np.zeros(len(y))
    for train, test in splits:
        fitted = _fit_quietly(clone(model), X.iloc[train], y[train])
        out[test] = _log_odds(fitted, X.iloc[test])
    return out


def _fit_quietly(model: Any, X: pd.DataFrame, y: np.ndarray) -> Any:
    """Fit, silencing the MLP's "not converged" warning (its regularisation makes that benign)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        return model.fit(X, y)


def cost_threshold(*, lost_cost: float, offer_cost: float, offer_success: float) -> float:
    """Probability above which an offer pays: p x success x lost value > offer cost."""
    if lost_cost <= 0 or offer_cost < 0 or not 0 < offer_success <= 1:
        raise ValidationFailed("costs must be positive and the offer success rate in (0, 1]")
    return float(min(0.99, max(0.01, offer_cost / (offer_success * lost_cost))))
