"""The lexicon sentiment scorer: polarity, negation, intensifiers, both languages."""

from __future__ import annotations

import pytest

from maitre.agent.dialogue.sentiment import priority, score


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("This is great, thank you!", 1),
        ("This is terrible", -1),
        ("not bad at all", 1),
        ("not good", -1),
        ("where is my order", 0),
        ("太棒了，谢谢", 1),
        ("太差了，我很生气", -1),
        ("不错", 1),
        ("不满意", -1),
        ("我的订单到哪了", 0),
    ],
)
def test_polarity(text: str, sign: int) -> None:
    value = score(text)
    assert -1 <= value <= 1
    if sign == 0:
        assert value == 0
    else:
        assert value * sign > 0


def test_intensifiers_and_shouting_make_it_stronger() -> None:
    assert score("very bad") < score("bad") < 0
    assert score("THIS IS TERRIBLE!!!") <= score("this is terrible") < 0
    assert score("非常生气") < score("生气") < 0


def test_priority_follows_sentiment() -> None:
    assert priority(-0.9) == "urgent"
    assert priority(-0.5) == "high"
    assert priority(-0.1) == "normal"
    assert priority(0.5) == "low"
