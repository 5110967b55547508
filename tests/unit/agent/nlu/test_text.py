from __future__ import annotations

from maitre.agent.nlu.text import dedup_key, detect_language, normalize_text, tokenize


def test_normalize_collapses_whitespace_and_width() -> None:
    assert normalize_text("  Where\u3000is\tmy\n order？ ") == "Where is my order?"
    assert normalize_text("ｏｒｄｅｒ　１０４３") == "order 1043"
    assert normalize_text("a\u200bb\x00c") == "a b c"


def test_dedup_key_ignores_case_spacing_and_punctuation() -> None:
    assert dedup_key("Where is my order?!") == dedup_key("where  is my ORDER")
    assert dedup_key("我要退货。") == dedup_key("我要退货")


def test_language_is_detected_for_mixed_text() -> None:
    assert detect_language("where is my order") == "en"
    assert detect_language("我的订单到哪了") == "zh"
    assert detect_language("我想买 Bluetooth Earbuds") == "zh"
    assert detect_language("I want to buy 西湖龙井") == "en"
    assert detect_language("1043") == "en"
    assert detect_language("!!!", default="zh") == "zh"


def test_tokenize_segments_chinese_with_jieba() -> None:
    words = tokenize("我想取消订单 order 1043")
    assert "取消" in words and "订单" in words
    assert words[-2:] == ["order", "1043"]
    assert tokenize("Don't SHIP it") == ["don't", "ship", "it"]
