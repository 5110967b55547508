"""Hybrid ranking on a hand-built index: fusion, language filter and confidence bounds."""

from __future__ import annotations

import numpy as np

from maitre.kb.bm25 import Bm25
from maitre.kb.embedding import DIM
from maitre.kb.index import KbIndex, index_text
from maitre.kb.retrieval import confidence, needs_vector, rank
from maitre.kb.text import tokens

DOCS = [
    ("Returns", "en", "You can return items within 30 days of delivery."),
    ("Shipping", "en", "Orders arrive about 5 days after they ship."),
    ("退货政策", "zh", "商品签收后 30 天内可以申请退货。"),
]


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _index(with_vectors: bool = True) -> KbIndex:
    vectors = np.stack([_unit(i) for i in range(len(DOCS))])
    return KbIndex(
        fingerprint=("test",),
        chunk_ids=[10, 11, 12],
        article_ids=[1, 2, 3],
        titles=[d[0] for d in DOCS],
        headings=["", "", ""],
        texts=[d[2] for d in DOCS],
        languages=[d[1] for d in DOCS],
        vectors=vectors,
        has_vector=np.full(len(DOCS), with_vectors),
        bm25=Bm25().fit([tokens(index_text(t, "", x)) for t, _lang, x in DOCS]),
    )


def test_bm25_and_vector_agreeing_rank_first_with_high_confidence() -> None:
    idx = _index()
    hits = rank(idx, query="return items", query_vector=_unit(0), language="en", limit=3)
    assert hits[0].article_id == 1 and hits[0].chunk_id == 10
    assert hits[0].confidence > 0.8
    assert all(0 <= h.confidence <= 1 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_language_filter_and_fallback() -> None:
    idx = _index()
    zh = rank(idx, query="退货", query_vector=None, language="zh", limit=5)
    assert [h.article_id for h in zh] == [3]
    anywhere = rank(idx, query="return", query_vector=None, language="fr", limit=5)
    assert anywhere and anywhere[0].article_id == 1


def test_without_vectors_bm25_alone_ranks() -> None:
    hits = rank(_index(False), query="ship days", query_vector=None, language=None, limit=2)
    assert hits[0].article_id == 2


def test_off_topic_query_has_low_confidence() -> None:
    hits = rank(_index(), query="pizza recipe", query_vector=_unit(99), language="en", limit=3)
    assert max((h.confidence for h in hits), default=0.0) < 0.2


def test_confidence_is_bounded_and_monotonic() -> None:
    assert confidence(0.9, 1.0) == 1.0
    assert confidence(-0.5, 0.0) == 0.0
    assert confidence(0.3, 0.5) > confidence(0.2, 0.5)
    assert confidence(0.3, 0.8) > confidence(0.3, 0.2)
    assert confidence(None, 1.0) < 1.0  # without a vector, BM25 alone is trusted a bit less
    assert confidence(0.5, 0.6, script="zh") == 0.6  # Chinese: BM25 coverage only


def test_chinese_queries_are_not_embedded() -> None:
    assert needs_vector("how long does shipping take")
    assert not needs_vector("快递几天能到")
