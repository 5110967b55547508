"""Products from a catalogue: exact SKUs, and names matched fuzzily (typos, plurals, word order).

The catalogue is passed in (the agent builds it from the products table and caches it); building
the index once makes each lookup a few dictionary probes rather than a scan of every product.
Names are compared on character bigrams with the Dice coefficient over windows of the text about
as long as the name, so "wireles earbud" finds "Wireless Earbuds" and "无线耳机" is found inside
"我想买无线耳机两副".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from maitre.agent.nlu.entities.base import Entity, EntityType, Source, make

MIN_SCORE = 0.78
PARTIAL_SCORE = 0.8
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")
_MEASURE = re.compile(r"(?:,.*$)|(?:\s+\d[\d.,/]*\s*[A-Za-z\u4e00-\u9fff\"]{0,4}\s*$)")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]|[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")
_STOP = frozenset({"the", "a", "an", "my", "your", "of", "for", "and", "with", "in", "on", "to"})


@dataclass(frozen=True)
class CatalogueItem:
    """One product as the extractor needs it."""

    sku: str
    name: str
    id: int | None = None
    aliases: tuple[str, ...] = ()


def _norm(text: str) -> str:
    return " ".join(t.lower() for t in _TOKEN.findall(text))


def _bigrams(text: str) -> Counter[str]:
    compact = text.replace(" ", "_")
    if len(compact) < 2:
        return Counter([compact])
    return Counter(compact[i : i + 2] for i in range(len(compact) - 1))


def _dice(a: Counter[str], b: Counter[str]) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 0.0


@dataclass
class Catalogue:
    """An indexed set of products; ``match`` finds them in a text."""

    items: list[CatalogueItem]
    min_score: float = MIN_SCORE
    _names: list[tuple[str, Counter[str], int, CatalogueItem]] = field(init=False, repr=False)
    _index: dict[str, set[int]] = field(init=False, repr=False)
    _skus: dict[str, CatalogueItem] = field(init=False, repr=False)
    _partial: dict[str, set[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._names = []
        self._index = defaultdict(set)
        self._skus = {}
        self._partial = defaultdict(set)
        for number, item in enumerate(self.items):
            if item.sku:
                self._skus[item.sku.upper()] = item
            names = [item.name, *item.aliases]
            # "Earl Grey Supreme 100 g" is asked for as "Earl Grey Supreme".
            names += [core for n in names if (core := _MEASURE.sub("", n).strip()) and core != n]
            for word in {w for n in names for w in _norm(n).split()}:
                if len(word) >= 4 and word.isalpha() and word not in _STOP:
                    self._partial[_singular(word)].add(number)
            for run in (r for n in names for r in _CJK_RUN.findall(n)):
                for size in range(2, min(len(run), 8) + 1):
                    for start in range(len(run) - size + 1):
                        self._partial[run[start : start + size]].add(number)
            for name in names:
                norm = _norm(name)
                if not norm:
                    continue
                grams = _bigrams(norm)
                position = len(self._names)
                self._names.append((norm, grams, len(norm.split()), item))
                for gram in grams:
                    self._index[gram].add(position)

    @classmethod
    def from_items(cls, items: Iterable[CatalogueItem]) -> Catalogue:
        """Build a catalogue from any iterable of items."""
        return cls(list(items))

    def __len__(self) -> int:
        return len(self.items)

    def by_sku(self, sku: str) -> CatalogueItem | None:
        """Return the item with ``sku`` (case-insensitive), if any."""
        return self._skus.get(sku.upper())

    def match(self, text: str) -> Iterator[Entity]:
        """Yield SKUs and product names found in ``text``."""
        yield from self._match_skus(text)
        yield from self._match_names(text)
        yield from self._match_partial(text)

    def _match_partial(self, text: str) -> Iterator[Entity]:
        """A word or Chinese phrase that only one product's name contains ("darjeeling", "龙井")."""
        for m in re.finditer(r"[A-Za-z]{4,}", text):
            owners = self._partial.get(_singular(m.group(0).lower()), set())
            if len(owners) == 1:
                item = self.items[next(iter(owners))]
                yield make(
                    EntityType.PRODUCT, text, m.start(), m.end(), _value(item, "partial"),
                    Source.CATALOGUE, PARTIAL_SCORE,
                )  # fmt: skip
        for run in _CJK_RUN.finditer(text):
            chars = run.group(0)
            for size in range(min(len(chars), 8), 1, -1):
                for start in range(len(chars) - size + 1):
                    owners = self._partial.get(chars[start : start + size], set())
                    if len(owners) == 1:
                        item = self.items[next(iter(owners))]
                        begin = run.start() + start
                        yield make(
                            EntityType.PRODUCT, text, begin, begin + size,
                            _value(item, "partial"), Source.CATALOGUE, PARTIAL_SCORE,
                        )  # fmt: skip

    def _match_skus(self, text: str) -> Iterator[Entity]:
        for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]", text):
            item = self._skus.get(m.group(0).upper())
            if item is not None:
                yield make(
                    EntityType.PRODUCT,
                    text,
                    m.start(),
                    m.end(),
                    _value(item, "sku"),
                    Source.CATALOGUE,
                )

    def _match_names(self, text: str) -> Iterator[Entity]:
        tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN.finditer(text)]
        if not tokens or not self._names:
            return
        longest = max(n for _, _, n, _ in self._names)
        for i in range(len(tokens)):
            if tokens[i][2] in _STOP:
                continue
            for j in range(i + 1, min(len(tokens), i + longest + 1) + 1):
                if tokens[j - 1][2] in _STOP:
                    continue
                window = " ".join(t for _, _, t in tokens[i:j])
                best = self._best(window, j - i)
                if best is not None:
                    score, item = best
                    value = _value(item, "name" if score >= 0.999 else "fuzzy")
                    start, end = tokens[i][0], tokens[j - 1][1]
                    yield make(EntityType.PRODUCT, text, start, end, value, Source.CATALOGUE, score)

    def _best(self, window: str, size: int) -> tuple[float, CatalogueItem] | None:
        grams = _bigrams(window)
        hits: Counter[int] = Counter()
        for gram in grams:
            for position in self._index.get(gram, ()):
                hits[position] += 1
        best: tuple[float, CatalogueItem] | None = None
        for position, _shared in hits.most_common(20):
            norm, name_grams, words, item = self._names[position]
            if abs(words - size) > 1:
                continue
            score = 1.0 if norm == window else _dice(grams, name_grams)
            # Short names must match closely: "cap" is not "car".
            needed = self.min_score if len(norm) > 5 else 0.999
            if score >= needed and (best is None or score > best[0]):
                best = (round(score, 3), item)
        return best


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 4:
        return word[:-1]
    return word


def _value(item: CatalogueItem, matched: str) -> dict[str, object]:
    return {"sku": item.sku, "name": item.name, "id": item.id, "matched": matched}
