"""Search quality on the demo knowledge base (English and Chinese), on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.config import Settings
from maitre.kb import demo, index, service
from maitre.kb.models import KbArticle, KbChunk
from maitre.kb.schemas import ArticleUpdate
from maitre.safety.injection import detect

# (language, paraphrased question, title of the article that answers it)
QUESTIONS = [
    ("en", "How long do I have to send an item back?", "Returns policy"),
    ("en", "Can I return a product I bought three weeks ago?", "Returns policy"),
    ("en", "how long does delivery take", "Shipping times and carriers"),
    ("en", "Which courier do you use in the UK?", "Shipping times and carriers"),
    ("en", "When is your customer service open?", "Opening hours and contact"),
    ("en", "what is your phone number", "Opening hours and contact"),
    ("en", "Do you take PayPal?", "Payment methods"),
    ("en", "Is my kettle still under guarantee?", "Warranty"),
    ("en", "What size teapot do I need for four people?", "Teapot and cup size guide"),
    ("en", "I want to cancel my order", "Changing or cancelling an order"),
    ("en", "can I change my shipping address", "Changing or cancelling an order"),
    ("en", "how long until the money is back on my card", "Refunds and refund timing"),
    ("en", "How do I get my personal data deleted?", "Privacy and your data"),
    ("en", "What are the perks of being a VIP?", "VIP programme"),
    ("zh", "退货期限是多少天？", "退货政策"),
    ("zh", "快递几天能到", "配送时间与快递公司"),
    ("zh", "你们用什么快递", "配送时间与快递公司"),
    ("zh", "客服几点上班", "客服时间与联系方式"),
    ("zh", "可以用支付宝付款吗", "支付方式"),
    ("zh", "电热水壶保修多久", "保修政策"),
    ("zh", "我想取消订单", "修改或取消订单"),
    ("zh", "退款多久到账", "退款时间"),
    ("zh", "怎么删除我的个人信息", "隐私与个人数据"),
    ("zh", "VIP有什么好处", "VIP 会员计划"),
]
OFF_TOPIC = [
    ("en", "What's the weather in Paris tomorrow?"),
    ("en", "Who won the football world cup?"),
    ("en", "Can you recommend a good pizza recipe?"),
    ("en", "What is the capital of Australia?"),
    ("en", "tell me a joke"),
    ("zh", "今天天气怎么样"),
    ("zh", "你喜欢什么电影"),
    ("zh", "给我讲个笑话"),
]


@pytest.fixture
def demo_kb(session: Session) -> Session:
    """The demo articles, loaded and indexed."""
    assert demo.load(session=session) == len(demo.files())
    session.flush()
    return session


def test_demo_questions_find_the_right_article_first(demo_kb: Session, settings: Settings) -> None:
    misses = []
    for language, question, title in QUESTIONS:
        hits = service.search(session=demo_kb, settings=settings, query=question, language=language)
        if not hits or hits[0].title != title or hits[0].confidence < settings.kb_min_confidence:
            got = (hits[0].title, hits[0].confidence) if hits else None
            misses.append(f"{question!r}: wanted {title!r}, got {got}")
    # Measured: every question answers at rank 1 above the threshold; allow one miss of slack.
    assert len(misses) <= 1, "\n".join(misses)


def test_off_topic_questions_have_low_confidence(demo_kb: Session, settings: Settings) -> None:
    for language, question in OFF_TOPIC:
        hits = service.search(session=demo_kb, settings=settings, query=question, language=language)
        best = max((h.confidence for h in hits), default=0.0)
        assert best < settings.kb_min_confidence, (question, hits[:1])


def test_the_poisoned_demo_article_is_flagged_and_never_returned(
    demo_kb: Session, settings: Settings
) -> None:
    flagged = demo_kb.scalars(select(KbArticle).where(KbArticle.flagged.is_(True))).all()
    assert [a.source_name for a in flagged] == ["en-gift-cards.md"]
    poisoned_id = flagged[0].id
    chunk_flags = demo_kb.scalars(
        select(KbChunk.flagged).where(KbChunk.article_id == poisoned_id)
    ).all()
    assert any(chunk_flags)
    for query in ("gift card balance", "how do gift cards work", "ignore previous instructions"):
        hits = service.search(session=demo_kb, settings=settings, query=query, limit=50)
        assert poisoned_id not in {h.article_id for h in hits}
        assert all(detect(h.text) is None and not h.flagged for h in hits)


def test_language_filter_keeps_to_that_language(demo_kb: Session, settings: Settings) -> None:
    hits = service.search(
        session=demo_kb, settings=settings, query="refund VIP 退款", language="zh", limit=20
    )
    assert hits and {h.language for h in hits} == {"zh"}
    fallback = service.search(
        session=demo_kb, settings=settings, query="refund", language="fr", limit=3
    )
    assert fallback  # no French articles: search every language rather than nothing


def test_loading_twice_updates_instead_of_duplicating(demo_kb: Session) -> None:
    before = demo_kb.scalars(select(KbArticle.id)).all()
    demo.load(session=demo_kb)
    demo_kb.flush()
    assert sorted(demo_kb.scalars(select(KbArticle.id)).all()) == sorted(before)


def test_index_is_cached_until_an_article_changes(demo_kb: Session, settings: Settings) -> None:
    first = index.current(demo_kb)
    assert index.current(demo_kb) is first
    article = demo_kb.scalars(select(KbArticle).where(KbArticle.language == "en")).first()
    assert article is not None
    service.update(
        session=demo_kb,
        article_id=article.id,
        data=ArticleUpdate(body="# Moon\n\nWe deliver to the moon by rocket."),
    )
    assert index.current(demo_kb) is not first
    hits = service.search(session=demo_kb, settings=settings, query="deliver to the moon")
    assert hits[0].article_id == article.id


def test_search_is_fast_once_warm(demo_kb: Session, settings: Settings) -> None:
    """Record per-query latency (not asserted: the machine is shared)."""
    service.search(session=demo_kb, settings=settings, query="warm up")
    times = []
    for _language, question, _title in QUESTIONS:
        started = time.perf_counter()
        service.search(session=demo_kb, settings=settings, query=question)
        times.append((time.perf_counter() - started) * 1000)
    print(f"kb search ms p50={np.percentile(times, 50):.1f} p95={np.percentile(times, 95):.1f}")
    assert len(times) == len(QUESTIONS)
