"""Tokens for BM25, chunking by heading and paragraph, and the BM25 scorer."""

from __future__ import annotations

import itertools

import numpy as np

from maitre.kb.bm25 import Bm25
from maitre.kb.chunking import chunk
from maitre.kb.text import count_tokens, is_chinese, stem, tokens


def test_english_tokens_drop_stopwords_and_meet_across_inflections() -> None:
    assert tokens("How do I return my orders?") == ["return", "order"]
    assert stem("returned") == stem("returning") == stem("returns") == "return"
    assert stem("shipping") == stem("ships") == "ship"
    assert stem("deliveries") == "delivery"


def test_chinese_tokens_hold_words_and_characters() -> None:
    found = tokens("退货期限是多少天？")
    assert "退货" in found and "期限" in found
    assert "退" in found  # a one-character query word still meets 退货 / 退款
    assert "的" not in tokens("我的订单")


def test_full_width_text_is_normalised() -> None:
    assert tokens("ＲＥＴＵＲＮ") == ["return"]


def test_language_guess() -> None:
    assert is_chinese("退货政策说明")
    assert is_chinese("VIP 会员计划的权益")
    assert not is_chinese("Returns policy for VIP members")


def test_chunks_follow_headings() -> None:
    body = "# Returns\n\nWithin 30 days.\n\n## Labels\n\nWe email a label.\n\nPrint it."
    chunks = chunk(body)
    assert [c.heading for c in chunks] == ["Returns", "Labels"]
    assert chunks[1].text == "We email a label.\n\nPrint it."
    assert [c.ordinal for c in chunks] == [0, 1]
    assert all(c.token_count == count_tokens(c.text) for c in chunks)


def test_long_sections_are_capped_with_overlap() -> None:
    sentences = [f"Sentence number {i} talks about tea." for i in range(60)]
    chunks = chunk("# Tea\n\n" + " ".join(sentences), max_tokens=40, overlap=12)
    assert len(chunks) > 5
    assert all(c.token_count <= 40 for c in chunks)
    for first, second in itertools.pairwise(chunks):
        last_sentence = first.text.rsplit(". ", 1)[-1]
        assert last_sentence in second.text  # the overlap carries context over
        assert not second.text.startswith(first.text[:30])
    assert "\n\n" not in chunks[0].text  # sentences of one paragraph stay one paragraph


def test_chinese_text_is_chunked_by_character_count() -> None:
    body = "# 说明\n\n" + "。".join(["这是一句关于茶叶保存方法的说明"] * 40) + "。"
    chunks = chunk(body, max_tokens=60, overlap=10)
    assert len(chunks) > 3
    assert all(c.token_count <= 60 for c in chunks)


def test_a_single_huge_word_run_is_hard_cut() -> None:
    chunks = chunk("word " * 1000, max_tokens=100, overlap=0)
    assert all(c.token_count <= 100 for c in chunks)
    assert sum(c.token_count for c in chunks) == 1000


def test_empty_body_has_no_chunks() -> None:
    assert chunk("   \n\n  ") == []


def test_bm25_prefers_the_document_with_the_rare_term() -> None:
    docs = [["return", "window", "day"], ["ship", "day"], ["pay", "card", "day"]]
    model = Bm25().fit(docs)
    scores = model.scores(["return", "day"])
    assert int(np.argmax(scores)) == 0
    assert scores[1] > 0 and scores[0] > scores[1]


def test_bm25_coverage_is_pulled_down_by_unknown_words() -> None:
    model = Bm25().fit([["return", "window"], ["ship", "time"]])
    assert model.coverage(["return", "window"])[0] == 1.0
    partial = model.coverage(["return", "pizza"])[0]
    assert 0 < partial < 0.6
    assert model.coverage([])[0] == 0.0
