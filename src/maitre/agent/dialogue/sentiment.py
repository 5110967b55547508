"""A small lexicon sentiment scorer for English and Chinese, with negation and intensifiers.

It runs in microseconds and needs no model: good enough to rank a complaint's urgency and to
notice a customer getting angrier, which is all the dialogue policy asks of it.
"""

from __future__ import annotations

import math
import re

# Word → polarity in -1..1 (English, lower case).
EN_LEXICON: dict[str, float] = {
    "good": 0.5, "great": 0.8, "excellent": 0.9, "amazing": 0.9, "awesome": 0.8, "love": 0.8,
    "happy": 0.6, "thanks": 0.4, "thank": 0.4, "perfect": 0.9, "nice": 0.5, "helpful": 0.6,
    "fine": 0.2, "glad": 0.5, "fantastic": 0.9, "wonderful": 0.9, "pleased": 0.6, "fast": 0.3,
    "bad": -0.5, "terrible": -0.9, "awful": -0.9, "horrible": -0.9, "worst": -1.0,
    "hate": -0.8, "angry": -0.8, "furious": -1.0, "annoyed": -0.6, "upset": -0.6,
    "disappointed": -0.6, "disappointing": -0.6, "useless": -0.8, "broken": -0.6,
    "damaged": -0.6, "late": -0.4, "lost": -0.5, "wrong": -0.5, "never": -0.3, "poor": -0.6,
    "unacceptable": -0.9, "ridiculous": -0.8, "scam": -1.0, "fraud": -1.0, "rude": -0.7,
    "slow": -0.4, "problem": -0.3, "issue": -0.2, "complaint": -0.2, "disgusting": -0.9,
    "pathetic": -0.9, "incompetent": -0.9, "mad": -0.7, "frustrated": -0.7, "frustrating": -0.7,
    "sucks": -0.8, "crap": -0.8, "garbage": -0.8, "rubbish": -0.7, "waste": -0.6,
    "sue": -0.8, "lawyer": -0.6, "refund": -0.1, "defective": -0.6, "missing": -0.4,
    "cheated": -0.9, "stolen": -0.7, "nightmare": -0.9, "outraged": -1.0, "livid": -1.0,
}  # fmt: skip
EN_NEGATORS = frozenset(
    {"not", "no", "never", "don't", "dont", "doesn't", "isn't", "wasn't", "aren't", "won't",
     "didn't", "can't", "cannot", "nothing", "hardly"}
)  # fmt: skip
EN_INTENSIFIERS: dict[str, float] = {
    "very": 1.5, "really": 1.4, "so": 1.4, "extremely": 1.8, "totally": 1.5, "absolutely": 1.7,
    "completely": 1.6, "super": 1.5, "incredibly": 1.8, "too": 1.3, "most": 1.4,
    "slightly": 0.6, "somewhat": 0.7, "bit": 0.7, "little": 0.7,
}  # fmt: skip

# Chinese phrases → polarity; matched longest first on the raw text.
ZH_LEXICON: dict[str, float] = {
    "好": 0.4, "很好": 0.7, "不错": 0.6, "满意": 0.7, "喜欢": 0.7, "谢谢": 0.4, "感谢": 0.5,
    "太棒了": 0.9, "棒": 0.7, "完美": 0.9, "开心": 0.6, "高兴": 0.6, "快": 0.3, "赞": 0.7,
    "差": -0.6, "太差": -0.9, "糟糕": -0.8, "垃圾": -0.9, "生气": -0.8, "愤怒": -1.0,
    "失望": -0.7, "不满": -0.7, "投诉": -0.5, "坏": -0.6, "坏了": -0.6, "破": -0.5,
    "慢": -0.4, "骗": -0.9, "骗子": -1.0, "恶心": -0.9, "烦": -0.6, "气死": -1.0,
    "离谱": -0.8, "无语": -0.6, "讨厌": -0.8, "退款": -0.1, "丢": -0.5, "错": -0.5,
    "晚": -0.3, "问题": -0.3, "受够": -0.9, "欺骗": -1.0, "坑": -0.7, "差劲": -0.8,
    "恼火": -0.8, "无法接受": -0.9, "太慢": -0.7, "损坏": -0.6, "破损": -0.6,
}  # fmt: skip
ZH_NEGATORS = ("不", "没", "没有", "别", "无", "未", "非")
ZH_INTENSIFIERS: dict[str, float] = {
    "非常": 1.6, "很": 1.3, "太": 1.5, "特别": 1.5, "极其": 1.8, "超级": 1.6, "真": 1.3,
    "十分": 1.5, "相当": 1.4, "有点": 0.7, "稍微": 0.6, "最": 1.5,
}  # fmt: skip

_EN_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_ZH_KEYS = sorted(ZH_LEXICON, key=len, reverse=True)
_WINDOW = 3


def _squash(total: float, hits: int) -> float:
    if not hits:
        return 0.0
    value = total / max(1.0, math.sqrt(hits))
    return max(-1.0, min(1.0, value))


def _emphasis(text: str) -> float:
    """Shouting and exclamation marks make a message stronger either way."""
    letters = [c for c in text if c.isalpha() and c.isascii()]
    caps = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 8 else 0.0
    bangs = text.count("!") + text.count("！")
    return 1.0 + min(0.5, 0.15 * bangs) + (0.3 if caps > 0.6 else 0.0)


def score_en(text: str) -> float:
    """Return the polarity of English ``text`` in -1..1."""
    tokens = _EN_TOKEN.findall(text.lower().replace("’", "'"))
    total, hits = 0.0, 0
    for i, token in enumerate(tokens):
        polarity = EN_LEXICON.get(token)
        if polarity is None:
            continue
        window = tokens[max(0, i - _WINDOW) : i]
        factor = 1.0
        for word in window:
            factor *= EN_INTENSIFIERS.get(word, 1.0)
        if any(word in EN_NEGATORS for word in window):
            # "not good" is mildly negative; "not bad" mildly positive.
            factor *= -0.6
        total += polarity * factor
        hits += 1
    return _squash(total * _emphasis(text), hits)


def score_zh(text: str) -> float:
    """Return the polarity of Chinese ``text`` in -1..1."""
    total, hits = 0.0, 0
    taken = [False] * len(text)
    for key in _ZH_KEYS:
        start = text.find(key)
        while start != -1:
            end = start + len(key)
            if not any(taken[start:end]):
                for k in range(start, end):
                    taken[k] = True
                before = text[max(0, start - 4) : start]
                factor = 1.0
                for word, weight in ZH_INTENSIFIERS.items():
                    if word in before:
                        factor *= weight
                rest = before
                for word in ZH_INTENSIFIERS:
                    rest = rest.replace(word, "")
                if any(rest.endswith(n) for n in ZH_NEGATORS):
                    factor *= -0.6
                total += ZH_LEXICON[key] * factor
                hits += 1
            start = text.find(key, end)
    return _squash(total * _emphasis(text), hits)


def score(text: str, language: str | None = None) -> float:
    """Return the polarity of ``text`` in -1..1 (mixed text is scored in both languages)."""
    has_cjk = bool(_CJK.search(text))
    if language == "zh" or has_cjk:
        zh = score_zh(text)
        en = score_en(text)
        return max(-1.0, min(1.0, zh + en)) if zh and en else zh or en
    return score_en(text)


def priority(sentiment: float) -> str:
    """Return a ticket priority for a complaint of this sentiment."""
    if sentiment <= -0.7:
        return "urgent"
    if sentiment <= -0.4:
        return "high"
    if sentiment < 0:
        return "normal"
    return "low"
