"""The lexical model's features: word n-grams (jieba for Chinese) and character n-grams."""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from maitre.agent.nlu.text import tokenize

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class WordAnalyzer:
    """Turn a text into word 1..n-grams; a class, not a closure, so fitted models pickle."""

    def __init__(self, ngrams: int = 2) -> None:
        self.ngrams = ngrams

    def __call__(self, text: str) -> list[str]:
        words = tokenize(text)
        grams = list(words)
        for n in range(2, self.ngrams + 1):
            grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        # Single Chinese characters carry meaning (退, 钱, 货) that a jieba word can hide, and
        # the character n-grams start at two.
        grams.extend(ch for w in words if len(w) > 1 and _CJK.match(w) for ch in w)
        return grams


class LexicalFeaturizer:
    """TF-IDF over word 1-2-grams and character 2-5-grams (within word boundaries), stacked.

    Character n-grams carry typos, inflections and Chinese text jieba splits oddly; words carry
    meaning. Both are L2-normalised, so neither dominates by length.
    """

    def __init__(
        self,
        *,
        word_ngrams: int = 2,
        char_ngrams: tuple[int, int] = (2, 5),
        max_features: int = 200_000,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.max_features = max_features

    def fit(self, texts: list[str]) -> LexicalFeaturizer:
        """Learn the vocabularies and IDF weights."""
        # Rare character n-grams are noise on big sets and signal on small ones.
        min_df = 2 if len(texts) >= 2_000 else 1
        self.word_ = TfidfVectorizer(
            analyzer=WordAnalyzer(self.word_ngrams),
            sublinear_tf=True,
            max_features=self.max_features,
            dtype=np.float32,
        )
        self.char_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.char_ngrams,
            lowercase=True,
            sublinear_tf=True,
            min_df=min_df,
            max_features=self.max_features,
            dtype=np.float32,
        )
        self.word_.fit(texts)
        self.char_.fit(texts)
        return self

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """Return the stacked sparse feature matrix."""
        if not hasattr(self, "word_"):
            raise RuntimeError("LexicalFeaturizer is not fitted.")
        return sp.hstack([self.word_.transform(texts), self.char_.transform(texts)], format="csr")
