"""Okapi BM25 over an inverted index (numpy postings), plus how much of a query a document covers.

In-house rather than rank-bm25: that library scores every document for every query term in a
Python loop, while postings touch only the documents that hold the term, and the query-coverage
figure the confidence needs comes from the same IDF table.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


class Bm25:
    """BM25 with ``k1``/``b``; ``fit`` on tokenised documents, then ``scores`` for a query."""

    def __init__(self, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b

    def fit(self, docs: list[list[str]]) -> Bm25:
        """Index ``docs`` (lists of terms) and return self."""
        n = len(docs)
        self.n_docs_ = n
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if n and lengths.sum() else 1.0
        norm = self.k1 * (1 - self.b + self.b * lengths / avg)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self.postings_: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.idf_: dict[str, float] = {}
        for term, (ids, tfs) in postings.items():
            idx = np.array(ids, dtype=np.int64)
            freq = np.array(tfs, dtype=np.float32)
            weight = freq * (self.k1 + 1) / (freq + norm[idx])
            self.postings_[term] = (idx, weight)
            self.idf_[term] = self._idf(len(ids))
        self.unknown_idf_ = self._idf(0)
        return self

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.n_docs_ - df + 0.5) / (df + 0.5))

    def scores(self, query: list[str]) -> np.ndarray:
        """Return the BM25 score of every document for the query terms."""
        out = np.zeros(self.n_docs_, dtype=np.float32)
        for term in set(query):
            found = self.postings_.get(term)
            if found is not None:
                idx, weight = found
                out[idx] += self.idf_[term] * weight
        return out

    def coverage(self, query: list[str]) -> np.ndarray:
        """Return, per document, the share of the query's IDF mass whose terms it contains.

        Terms the corpus never saw count with the highest IDF, so an off-topic word in the
        query ("pizza") pulls coverage down: this is what makes it comparable across queries.
        """
        out = np.zeros(self.n_docs_, dtype=np.float32)
        terms = set(query)
        total = sum(self.idf_.get(t, self.unknown_idf_) for t in terms)
        if not terms or total <= 0:
            return out
        for term in terms:
            found = self.postings_.get(term)
            if found is not None:
                out[found[0]] += self.idf_[term]
        return out / total
