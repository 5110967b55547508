"""UI text in English and Chinese: one flat YAML catalogue per language, English the fallback."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}
DEFAULT = "en"
_DIR = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the message catalogue of ``lang`` (read once)."""
    data: Any = yaml.safe_load((_DIR / f"{lang}.yaml").read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def translator(lang: str) -> Callable[..., str]:
    """Return ``t(key, **values)`` for ``lang``, falling back to English, then to the key."""
    own = catalogue(lang if lang in LANGUAGES else DEFAULT)
    fallback = catalogue(DEFAULT)

    def t(key: str, **values: Any) -> str:
        text = own.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return t
