"""Text normalisation, language detection and word tokenisation (jieba for Chinese)."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# Runs of CJK characters, or of letters/digits (with inner apostrophes: "don't", "card's").
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W_]+(?:['’][^\W_]+)*")
_PUNCT_KEY = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff]+")

_jieba_lock = threading.Lock()
_jieba: Any = None


def normalize_text(text: str) -> str:
    """Return ``text`` in NFKC form with control characters removed and whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return _WS.sub(" ", text).strip()


def dedup_key(text: str) -> str:
    """Return the key under which two texts count as near duplicates (case, punctuation, spaces)."""
    return _PUNCT_KEY.sub(" ", normalize_text(text).casefold()).strip()


def cjk_ratio(text: str) -> float:
    """Return the share of CJK characters among the letters of ``text``."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return cjk / (cjk + latin) if cjk + latin else 0.0


def detect_language(text: str, default: str = "en") -> str:
    """Return ``zh`` for mostly-Chinese text, ``en`` for Latin text, else ``default``."""
    cjk = len(_CJK.findall(text))
    latin_words = len(_LATIN_WORD.findall(text))
    if cjk == 0 and latin_words == 0:
        return default
    # Compare words with words: a Chinese word is about 1.5 characters, so "我想买 Bluetooth
    # Earbuds" is Chinese and "I want to buy 西湖龙井" is English.
    return "zh" if cjk / 1.5 >= latin_words else "en"


def _segmenter() -> Any:
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


@lru_cache(maxsize=4096)
def _segment(run: str) -> tuple[str, ...]:
    return tuple(w for w in _segmenter().lcut(run) if w.strip())


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lower-cased words; Chinese runs are segmented with jieba."""
    words: list[str] = []
    for match in _TOKEN.finditer(text.casefold()):
        token = match.group(0)
        if _CJK.match(token):
            words.extend(_segment(token) if len(token) > 1 else (token,))
        else:
            words.append(token.replace("’", "'"))
    return words
