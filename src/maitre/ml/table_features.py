"""Turn an arbitrary customer table (text columns from ``tabular.read_table``) into model features.

``TableFeatures`` learns, on the training rows only, what each column is: a number (numbers
stored as text included), a yes/no flag, a date (turned into "days before the latest date"),
a category (rare levels pooled), or something to ignore (an identifier, free text, a constant).
It then produces a frame of float and ``category`` columns that every churn model accepts.
The CRM feature builder produces the same kind of frame, so the models do not care where
their rows came from.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from maitre.errors import ValidationFailed
from maitre.ml.tabular import bool_values, infer_column, parse_numbers

OTHER = "(other)"
MISSING = "(missing)"
_ID_NAME = re.compile(r"(^|[_\s-])(id|key|uuid|guid|row|rownumber|index)$|id$|number$", re.I)
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}|^\d{1,2}/\d{1,2}/\d{2,4}$")
MAX_RATIO_COLUMNS = 8


class TableFeatures:
    """Learn column kinds on training rows; transform any rows of the same table to features."""

    def __init__(self, *, min_level_count: int = 10, max_levels: int = 50) -> None:
        self.min_level_count = min_level_count
        self.max_levels = max_levels

    def fit(self, frame: pd.DataFrame) -> TableFeatures:
        """Decide each column's kind from ``frame`` (text columns) and remember its levels."""
        self.numeric_: list[str] = []
        self.categories_: dict[str, list[str]] = {}
        self.dates_: dict[str, pd.Timestamp] = {}
        self.ignored_: dict[str, str] = {}
        self.ratios_: list[tuple[str, str]] = []
        self.binary_: list[str] = []
        self.columns_ = [str(c) for c in frame.columns]
        n = len(frame)
        for col in frame.columns:
            raw = frame[col]
            present = raw.dropna()
            if present.empty:
                self.ignored_[col] = "always empty"
                continue
            if present.nunique() == 1:
                self.ignored_[col] = "constant"
                continue
            typed = infer_column(raw)
            if typed.dtype.kind == "f":
                if _looks_like_id(col, typed, n):
                    self.ignored_[col] = "looks like an identifier"
                else:
                    self.numeric_.append(col)
                    if set(typed.dropna().unique()) <= {0.0, 1.0}:
                        self.binary_.append(col)
                continue
            if present.astype(str).str.match(_DATE_TEXT).mean() >= 0.95:
                dates = pd.to_datetime(raw, errors="coerce", format="mixed")
                if dates.notna().sum() >= 0.95 * len(present):
                    self.dates_[col] = dates.max()
                    continue
            levels = present.value_counts()
            if present.nunique() > max(50, 0.5 * len(present)):
                self.ignored_[col] = "looks like an identifier or free text"
                continue
            kept = levels[levels >= self.min_level_count].index[: self.max_levels]
            self.categories_[col] = [*map(str, kept), OTHER, MISSING]
        positive = [
            c
            for c in self.numeric_
            if parse_numbers(frame[c]).nunique() > 2 and parse_numbers(frame[c]).min() >= 0
        ]
        if 2 <= len(positive) <= MAX_RATIO_COLUMNS:
            self.ratios_ = [(a, b) for i, a in enumerate(positive) for b in positive[i + 1 :]]
        if not (self.numeric_ or self.categories_ or self.dates_):
            raise ValidationFailed("no usable feature columns: every column was ignored")
        self.fitted_ = True
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return float and category feature columns for ``frame``."""
        if not getattr(self, "fitted_", False):
            raise RuntimeError("TableFeatures is not fitted; call fit() first")
        out: dict[str, pd.Series] = {}
        for col in self.numeric_:
            out[col] = _to_float(frame[col], binary=col in self.binary_)
        for col, latest in self.dates_.items():
            dates = pd.to_datetime(frame[col], errors="coerce", format="mixed")
            out[f"{col} (days before latest)"] = (latest - dates).dt.days.astype(float)
        for a, b in self.ratios_:
            den = out[b].where(out[b] > 0)
            out[f"{a} per {b}"] = out[a] / den
        for col, levels in self.categories_.items():
            text = frame[col].astype("string")
            known = text.isin(levels[:-2]).fillna(False).astype(bool)
            values = text.where(known, OTHER).where(text.notna(), MISSING)
            out[col] = pd.Series(
                pd.Categorical(values.astype(str), categories=levels), index=frame.index
            )
        return pd.DataFrame(out, index=frame.index)

    def fit_transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Fit on ``frame`` and transform it."""
        return self.fit(frame).transform(frame)

    def used_columns(self) -> list[str]:
        """The input columns the features are built from."""
        used = {*self.numeric_, *self.categories_, *self.dates_}
        return [c for c in self.columns_ if c in used]

    def display_row(self, row: pd.Series) -> pd.Series:
        """One input row with numbers parsed, for phrasing reasons."""
        shown = row.astype(object).copy()
        for col in self.numeric_:
            shown[col] = _to_float(row[[col]], binary=col in self.binary_).iloc[0]
        return shown

    def binary_columns(self) -> set[str]:
        """Numeric columns that only ever held 0/1 (yes/no) in training."""
        return set(self.binary_)

    def describe(self) -> dict[str, Any]:
        """Summarise the learned column kinds for a report."""
        return {
            "numeric": list(self.numeric_),
            "categorical": list(self.categories_),
            "dates": list(self.dates_),
            "ratios": [f"{a} per {b}" for a, b in self.ratios_],
            "ignored": dict(self.ignored_),
        }


def _to_float(values: pd.Series, *, binary: bool) -> pd.Series:
    if binary:
        flags = bool_values(values)
        if flags is not None:
            return flags
    return parse_numbers(values).astype(float)


def _looks_like_id(name: str, values: pd.Series, n: int) -> bool:
    """An integer column with a distinct value on every row: a row number, or id-like name."""
    present = values.dropna()
    if len(present) < 0.99 * n or present.nunique() < 0.99 * len(present):
        return False
    values_ = present.to_numpy()
    integral = bool(np.all(np.mod(values_, 1) == 0))
    if not integral:
        return False
    span = float(values_.max() - values_.min()) + 1
    row_number = span <= 1.5 * len(values_)  # a dense run of distinct integers
    return row_number or bool(_ID_NAME.search(name.strip()))
