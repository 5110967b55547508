"""Chat text cleaning: what is stripped, what is refused."""

from __future__ import annotations

import pytest

from maitre.conversations.text import clean_text


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  hello  ", "hello"),
        ("a\x00b\x07c", "abc"),
        ("line one\r\nline two\rthree", "line one\nline two\nthree"),
        ("tab\tkept", "tab\tkept"),
        ("订单 1043 在哪里？", "订单 1043 在哪里？"),
        ("👍🏽 thanks", "👍🏽 thanks"),
        ("bad \ud800 surrogate", "bad  surrogate"),
        ("x\x7f\x85y", "xy"),
    ],
)
def test_control_characters_are_stripped(raw: str, cleaned: str) -> None:
    assert clean_text(raw) == cleaned


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "\n\t\n",
        "\u200b\u200d",
        "\x00\x01\x02\x03",
        "\x00\x01\x02ab\x03\x04",
        "\ufffd\ufffd\ufffd?",
        "\ue000\ue001\ue002a",
    ],
)
def test_empty_or_binary_text_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        clean_text(raw)
