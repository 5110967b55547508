"""Hybrid ranking: BM25 and cosine similarity fused by reciprocal rank; a calibrated confidence.

The fused score orders hits; the *confidence* says whether the best of them answers the query at
all and is comparable across queries. It blends two signals:

- how far the chunk's cosine similarity stands above the query's mean similarity to every
  candidate chunk (the encoder, English MiniLM, finds all Chinese texts alike: the raw cosine of
  an off-topic Chinese question is as high as an on-topic one, the margin is not);
- BM25 coverage, the share of the query's IDF mass the chunk contains (unknown words count
  fully, so an off-topic word pulls it down).

Chinese queries use BM25 alone (jieba words plus characters) for ranking and confidence: the
base encoder was trained on English, and measured on the demo articles its Chinese ranking only
added noise (rank-1 accuracy fell), so the query is not even embedded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maitre.kb.index import KbIndex
from maitre.kb.text import is_chinese, tokens

RRF_K = 60
CANDIDATES = 50
MARGIN_FLOOR = 0.1
MARGIN_SPAN = 0.35
COS_WEIGHT = {"en": 0.55, "zh": 0.0}
VECTOR_RANK_WEIGHT = {"en": 1.0, "zh": 0.0}


@dataclass(frozen=True)
class KbHit:
    """One retrieved chunk: where it comes from, its text, fused score and confidence (0..1)."""

    article_id: int
    chunk_id: int
    title: str
    text: str
    score: float
    confidence: float
    language: str
    flagged: bool = False
    heading: str = ""


def script_of(query: str) -> str:
    """Return 'zh' for a mostly-Chinese query, else 'en' (the weight tables' keys)."""
    return "zh" if is_chinese(query) else "en"


def needs_vector(query: str) -> bool:
    """Tell whether ranking ``query`` uses its embedding at all."""
    script = script_of(query)
    return VECTOR_RANK_WEIGHT[script] > 0 or COS_WEIGHT[script] > 0


def confidence(margin: float | None, coverage: float, *, script: str = "en") -> float:
    """Return the answer confidence of a chunk from its cosine margin and BM25 coverage."""
    cov = float(np.clip(coverage, 0.0, 1.0))
    if COS_WEIGHT[script] == 0:
        return round(cov, 4)
    if margin is None:
        return round(cov * 0.8, 4)
    cos_part = float(np.clip((margin - MARGIN_FLOOR) / MARGIN_SPAN, 0.0, 1.0))
    weight = COS_WEIGHT[script]
    return round(weight * cos_part + (1 - weight) * cov, 4)


def _ranks(values: np.ndarray, allowed: np.ndarray, *, positive_only: bool) -> dict[int, int]:
    """Return {document index: rank} of the best ``CANDIDATES`` allowed documents."""
    masked = np.where(allowed, values, -np.inf)
    if positive_only:
        masked = np.where(masked > 0, masked, -np.inf)
    count = min(CANDIDATES, int(np.isfinite(masked).sum()))
    if count == 0:
        return {}
    top = np.argpartition(-masked, count - 1)[:count]
    top = top[np.argsort(-masked[top], kind="stable")]
    return {int(i): rank for rank, i in enumerate(top)}


def rank(
    index: KbIndex,
    *,
    query: str,
    query_vector: np.ndarray | None,
    language: str | None,
    limit: int,
) -> list[KbHit]:
    """Return the best ``limit`` chunks of ``index`` for ``query``, best first."""
    if len(index) == 0:
        return []
    allowed = np.ones(len(index), dtype=bool)
    if language:
        wanted = language.split("-")[0].lower()
        same = np.array([lang == wanted for lang in index.languages])
        if same.any():
            allowed = same
    script = script_of(query)
    terms = tokens(query)
    bm25 = index.bm25.scores(terms)
    coverage = index.bm25.coverage(terms)
    lists = [(1.0, _ranks(bm25, allowed, positive_only=True))]
    cosines: np.ndarray | None = None
    mean_cos = 0.0
    with_vector = allowed & index.has_vector
    if query_vector is not None and with_vector.any() and needs_vector(query):
        cosines = index.vectors @ query_vector.astype(np.float32)
        mean_cos = float(cosines[with_vector].mean())
        lists.append(
            (VECTOR_RANK_WEIGHT[script], _ranks(cosines, with_vector, positive_only=False))
        )
    fused: dict[int, float] = {}
    for weight, ranks in lists:
        for i, r in ranks.items():
            fused[i] = fused.get(i, 0.0) + weight / (RRF_K + r + 1)
    best = sorted(fused, key=lambda i: (-fused[i], index.chunk_ids[i]))[:limit]
    hits = []
    for i in best:
        margin = (
            float(cosines[i]) - mean_cos if cosines is not None and index.has_vector[i] else None
        )
        hits.append(
            KbHit(
                article_id=index.article_ids[i],
                chunk_id=index.chunk_ids[i],
                title=index.titles[i],
                text=index.texts[i],
                score=round(fused[i], 6),
                confidence=confidence(margin, float(coverage[i]), script=script),
                language=index.languages[i],
                heading=index.headings[i],
            )
        )
    return hits
