"""Tokens for BM25 and chunk sizing: English words (lightly stemmed) and jieba words for Chinese."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import Any

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
_COUNTABLE = re.compile(r"[A-Za-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_jieba: Any = None
_jieba_lock = threading.Lock()

EN_STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being
    do does did doing have has had i me my we our you your he she it its they them their this that
    these those what which who whom when where why how can could would should will shall may might
    must about into over than then there here so not no yes just also any all some up out please
    hi hello thanks thank am get got s t let know want need tell like use using""".split()  # noqa: SIM905
)
_ZH_STOPWORDS_TEXT = (
    "的 了 吗 呢 吧 啊 我 你 您 他 她 它 我们 你们 是 在 有 和 与 或 就 都 也 还 要 会 能 可以 "
    "这 那 这个 那个 什么 怎么 怎样 如何 多少 请问 请 一下 一个 想 知道 问 个 吗 嘛 呀 么 用"
)
ZH_STOPWORDS = frozenset(_ZH_STOPWORDS_TEXT.split())
# Single characters too common to tell articles apart (function words and pronouns).
ZH_STOP_CHARS = frozenset(
    "的了吗呢吧啊我你您他她它们是在有和与或就都也还要会能这那个么嘛呀请想用给一什怎样可以"
)


def _tokeniser() -> Any:
    """Return jieba, initialised once (its dictionary loads in about a second)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def stem(word: str) -> str:
    """Strip common English suffixes so 'returns', 'returned' and 'returning' meet."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix, min_len in (("ing", 6), ("ed", 5)):
        if word.endswith(suffix) and len(word) >= min_len:
            base = word[: -len(suffix)]
            if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            return base
    if (word.endswith("es") and word[-3:-2] in ("s", "x", "z")) or word.endswith(("ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalise(text: str) -> str:
    """Return ``text`` in NFKC form and lower case (full-width letters become ASCII)."""
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    """Split ``text`` into BM25 terms: stemmed English words and Chinese words, no stopwords."""
    text = normalise(text)
    out: list[str] = []
    pos = 0
    for m in _CJK.finditer(text):
        out.extend(_latin(text[pos : m.start()]))
        out.extend(_chinese(m.group()))
        pos = m.end()
    out.extend(_latin(text[pos:]))
    return out


def _latin(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text) if w not in EN_STOPWORDS]


def _chinese(text: str) -> list[str]:
    """Return jieba's search-mode words plus single characters.

    The characters let a short query word meet a longer document word ("退" and "退货").
    """
    words: list[str] = _tokeniser().lcut_for_search(text)
    out = [w for w in words if w.strip() and w not in ZH_STOPWORDS]
    out.extend(c for c in text if c not in ZH_STOP_CHARS and c not in out)
    return out


def count_tokens(text: str) -> int:
    """Return a cheap size estimate near the encoder's word pieces (one per Chinese character)."""
    return len(_COUNTABLE.findall(text))


def is_chinese(text: str) -> bool:
    """Tell whether most letters of ``text`` are Chinese characters."""
    cjk = sum(len(m) for m in _CJK.findall(text))
    latin = sum(len(m) for m in re.findall(r"[A-Za-z]+", text))
    return cjk > 0 and cjk >= latin / 4
