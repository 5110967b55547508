"""Replies from templates per language, filled only from facts (tool results, KB hits, profile).

Templates live in ``templates/<language>.yaml`` as ``key: text``. ``{name}`` is a placeholder
that must be present in the facts — a missing fact raises ``MissingFact`` rather than inventing
one; text in ``[square brackets]`` is optional and dropped when a placeholder inside it has no
value (``Shipped[ with {carrier}].``). Templates are read once per file modification time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from maitre.errors import MaitreError

TEMPLATES_DIR = Path(__file__).parent / "templates"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


class MissingFact(MaitreError):
    """A template needs a fact the caller did not provide."""


class TemplateError(MaitreError):
    """A template file is unreadable or malformed."""


def reply_language(language: str | None) -> str:
    """Return the template language for ``language`` (unknown ones get English)."""
    base = (language or "").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def placeholders(text: str) -> tuple[set[str], set[str]]:
    """Return the (required, optional) placeholders of a template."""
    optional = {name for part in OPTIONAL.findall(text) for name in PLACEHOLDER.findall(part)}
    required = set(PLACEHOLDER.findall(OPTIONAL.sub("", text)))
    return required, optional - required


def _format_item(item: Any) -> str:
    if isinstance(item, Mapping):
        if "order_number" in item:
            status = item.get("status")
            return f"{item['order_number']} ({status})" if status else str(item["order_number"])
        name = item.get("name") or item.get("title") or item.get("sku") or ""
        quantity = item.get("quantity")
        if quantity and quantity != 1:
            return f"{quantity} × {name}"
        return str(name)
    return str(item)


def format_value(value: Any, language: str) -> str | None:
    """Return a fact as reply text (None when it has no value to state)."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return ("是" if value else "否") if language == "zh" else ("yes" if value else "no")
    if isinstance(value, list | tuple):
        sep = "、" if language == "zh" else ", "
        return sep.join(_format_item(v) for v in value)
    if isinstance(value, Mapping):
        return _format_item(value)
    return str(value)


def fill(template: str, facts: Mapping[str, Any], language: str, *, key: str = "") -> str:
    """Fill ``template`` from ``facts``; a required placeholder without a value is an error."""

    def optional(match: re.Match[str]) -> str:
        part = match.group(1)
        values = {n: format_value(facts.get(n), language) for n in PLACEHOLDER.findall(part)}
        if any(v is None for v in values.values()):
            return ""
        return PLACEHOLDER.sub(lambda m: values[m.group(1)] or "", part)

    def required(match: re.Match[str]) -> str:
        name = match.group(1)
        value = format_value(facts.get(name), language)
        if value is None:
            raise MissingFact(f"Template {key!r} ({language}) needs fact {name!r}.")
        return value

    return PLACEHOLDER.sub(required, OPTIONAL.sub(optional, template)).strip()


@dataclass(frozen=True)
class Templates:
    """Templates of every language, by key."""

    by_language: dict[str, dict[str, str]]

    def has(self, key: str, language: str = DEFAULT_LANGUAGE) -> bool:
        """Tell whether ``key`` exists in ``language``."""
        return key in self.by_language.get(reply_language(language), {})

    def pick(self, key: str, facts: Mapping[str, Any], variant: str | None) -> str:
        """Return ``key.<value of variant>`` when such a template exists, else ``key``."""
        if variant:
            value = facts.get(variant)
            if value is True:
                value = variant
            if value not in (None, "", False):
                specific = f"{key}.{value}"
                if self.has(specific):
                    return specific
        return key

    def render(self, key: str, language: str, facts: Mapping[str, Any]) -> str:
        """Return the reply for ``key`` in ``language`` filled from ``facts``."""
        lang = reply_language(language)
        table = self.by_language.get(lang) or self.by_language[DEFAULT_LANGUAGE]
        template = table.get(key)
        if template is None:
            raise MissingFact(f"No template {key!r} in {lang}.")
        return fill(template, facts, lang, key=key)


def _read(path: Path) -> dict[str, str]:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot read templates: {exc}") from exc
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise TemplateError(f"{path}: templates must be a mapping of key to text.")
    return raw


_lock = threading.Lock()
_cache: dict[tuple[tuple[str, int], ...], Templates] = {}


def load_templates(folder: Path = TEMPLATES_DIR) -> Templates:
    """Return the templates of ``folder``, read once per set of file modification times."""
    paths = [folder / f"{lang}.yaml" for lang in LANGUAGES]
    key = tuple((str(p), p.stat().st_mtime_ns) for p in paths)
    found = _cache.get(key)
    if found is None:
        with _lock:
            found = _cache.get(key)
            if found is None:
                found = Templates(
                    {lang: _read(p) for lang, p in zip(LANGUAGES, paths, strict=True)}
                )
                if len(_cache) > 8:
                    _cache.clear()
                _cache[key] = found
    return found
