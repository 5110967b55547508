from __future__ import annotations

from maitre.agent.nlu.cleaning import clean


def test_exact_and_near_duplicates_are_dropped() -> None:
    texts, intents, report = clean(
        ["Where is my order?", "where is my order", "Where is my order?", "hello"],
        ["order_status", "order_status", "order_status", "greeting"],
    )
    assert texts == ["Where is my order?", "hello"]
    assert intents == ["order_status", "greeting"]
    assert report.exact_duplicates == 1
    assert report.near_duplicates == 1
    assert report.kept_rows == 2 and report.input_rows == 4


def test_label_conflicts_keep_the_majority_and_are_reported() -> None:
    texts, intents, report = clean(
        ["refund please", "Refund please!", "refund please", "cancel it", "cancel it"],
        ["refund_status", "refund_status", "cancel_order", "cancel_order", "refund_status"],
    )
    assert ("refund please", "refund_status") in zip(texts, intents, strict=True)
    assert "cancel it" not in texts  # a tie: nobody knows which is right
    assert len(report.conflicts) == 2
    assert report.conflicts[1].kept is None
    assert report.dropped_for_conflict == 3
    assert any("Label conflict" in line for line in report.summary())


def test_tiny_classes_are_reported_not_dropped() -> None:
    texts, _intents, report = clean(
        ["a b", "c d", "e f", "g h", "i j", "lonely one"],
        ["big", "big", "big", "big", "big", "tiny"],
    )
    assert "lonely one" in texts
    assert report.tiny_classes == {"tiny": 1}
    assert any("'tiny' has only 1 example" in line for line in report.summary())


def test_whitespace_and_unicode_are_normalised_and_empties_dropped() -> None:
    texts, _, report = clean(["  ｈｅｌｌｏ\tthere ", "   "], ["greeting", "greeting"])
    assert texts == ["hello there"]
    assert report.empty == 1
