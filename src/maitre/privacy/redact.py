"""Replace personal data with stable typed placeholders (``[EMAIL_1]``) and put it back later.

    >>> r = redact("Mail alice@example.com about MT-000123", extra_names=["Alice Martin"])
    >>> r.text
    'Mail [EMAIL_1] about MT-000123'
    >>> r.restore("Sent to [EMAIL_1].")
    'Sent to alice@example.com.'

Order numbers, amounts and dates are not personal data and stay in the text. One ``Redactor``
can redact several texts (a reply and its facts) with one consistent set of placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from maitre.privacy import detectors
from maitre.privacy.detectors import PiiKind, Span

# Detection order is priority: an e-mail wins over a name inside it, an IBAN or a card over
# the phone-like digits inside it.
_DETECTORS: tuple[tuple[PiiKind, Callable[[str], list[Span]]], ...] = (
    (PiiKind.EMAIL, detectors.find_emails),
    (PiiKind.IBAN, detectors.find_ibans),
    (PiiKind.CARD, detectors.find_cards),
    (PiiKind.CN_ID, detectors.find_cn_ids),
    (PiiKind.IP, detectors.find_ips),
    (PiiKind.PHONE, detectors.find_phones),
    (PiiKind.ADDRESS, detectors.find_addresses),
)
_KINDS = "|".join(sorted((k.value for k in PiiKind), key=len, reverse=True))
PLACEHOLDER = re.compile(rf"[\[【［]\s*({_KINDS})[ _]?([0-9]+)\s*[\]】］]", re.IGNORECASE)


def _canonical(match: re.Match[str]) -> str:
    return f"[{match.group(1).upper()}_{int(match.group(2))}]"


def placeholders_in(text: str) -> list[str]:
    """Return the placeholders in ``text`` in canonical form, also when a model re-spelled them."""
    return [_canonical(m) for m in PLACEHOLDER.finditer(text)]


def restore_with(mapping: dict[str, str], text: str) -> str:
    """Put the originals from ``mapping`` back in ``text``; unknown placeholders stay."""

    def put_back(match: re.Match[str]) -> str:
        return mapping.get(_canonical(match), match.group())

    return PLACEHOLDER.sub(put_back, text)


@dataclass(frozen=True)
class Redacted:
    """A redacted text and what each placeholder stands for."""

    text: str
    mapping: dict[str, str] = field(default_factory=dict)

    def restore(self, text: str) -> str:
        """Put the originals back in ``text`` (e.g. a model's answer to the redacted prompt)."""
        return restore_with(self.mapping, text)


class Redactor:
    """Redacts several texts with one shared, stable set of placeholders."""

    def __init__(self, *, extra_names: Iterable[str | None] = ()) -> None:
        self._names = [n for n in extra_names if n and n.strip()]
        self._mapping: dict[str, str] = {}
        self._by_key: dict[tuple[PiiKind, str], str] = {}
        self._counts: dict[PiiKind, int] = {}
        # Placeholder-like text already in the input is never issued, so restoring cannot turn
        # a literal "[EMAIL_1]" a customer typed into someone's address.
        self._reserved: set[str] = set()

    @property
    def mapping(self) -> dict[str, str]:
        """Return placeholder → original for everything redacted so far."""
        return dict(self._mapping)

    def redact(self, text: str) -> str:
        """Return ``text`` with each piece of personal data replaced by its placeholder."""
        self._reserved.update(placeholders_in(text))
        folded = detectors.fold_width(text)
        candidates: list[tuple[int, int, int, PiiKind]] = []
        for priority, (kind, find) in enumerate(_DETECTORS):
            candidates.extend((priority, s, e, kind) for s, e in find(folded))
        name_spans = detectors.find_names(folded, self._names)
        candidates.extend((len(_DETECTORS), s, e, PiiKind.NAME) for s, e in name_spans)
        candidates.sort(key=lambda c: (c[0], c[1], c[1] - c[2]))
        taken: list[tuple[int, int, PiiKind]] = []
        for _, start, end, kind in candidates:
            if end > start and all(end <= s or start >= e for s, e, _ in taken):
                taken.append((start, end, kind))
        out, pos = [], 0
        for start, end, kind in sorted(taken):
            out.append(text[pos:start])
            out.append(self._placeholder(kind, text[start:end]))
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def restore(self, text: str) -> str:
        """Put the originals back in ``text``."""
        return restore_with(self._mapping, text)

    def _placeholder(self, kind: PiiKind, original: str) -> str:
        key = (kind, original)
        if key not in self._by_key:
            placeholder = self._reserved_free(kind)
            self._by_key[key] = placeholder
            self._mapping[placeholder] = original
        return self._by_key[key]

    def _reserved_free(self, kind: PiiKind) -> str:
        while True:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            placeholder = f"[{kind.value}_{self._counts[kind]}]"
            if placeholder not in self._reserved:
                return placeholder


def redact(text: str, *, extra_names: Iterable[str | None] = ()) -> Redacted:
    """Replace emails, phones, cards, IBANs, ID numbers, IPs, addresses and names with placeholders.

    ``extra_names`` are people's names known from the CRM (e.g. the customer's); their parts
    ("Alice" of "Alice Martin", "小明" of "王小明") are hidden too.
    """
    redactor = Redactor(extra_names=extra_names)
    redacted = redactor.redact(text)
    return Redacted(text=redacted, mapping=redactor.mapping)
