"""A trained NLU model as one object: classifier, encoder, entity extraction; saved as a folder.

<version folder>/
    manifest.json      format, intents, whether the encoder is fine-tuned, metrics
    classifier.joblib  the fitted IntentClassifier (heads, lexical features, fusion, threshold)
    encoder/           the fine-tuned sentence encoder (absent: the bundled base encoder)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import joblib

from maitre.agent.nlu.classifier import IntentClassifier
from maitre.agent.nlu.entities import Catalogue, Entity, EntityType, extract_entities
from maitre.agent.nlu.text import detect_language, normalize_text
from maitre.errors import MaitreError

FORMAT = "maitre-nlu/1"
MAX_PARSE_CHARS = 4_000
_base_lock = threading.Lock()
_base_encoders: dict[bool, Any] = {}


class ModelFilesError(MaitreError):
    """A model folder is missing files or was written by an incompatible version."""


def shared_base_encoder(*, quantized: bool) -> Any:
    """Return the process-wide, never fine-tuned base encoder (loaded once per precision)."""
    with _base_lock:
        if quantized not in _base_encoders:
            from maitre.agent.nlu.encoder import SentenceEncoder

            encoder = SentenceEncoder()
            if quantized:
                encoder.quantize(keep_float=False)
            _base_encoders[quantized] = encoder
        return _base_encoders[quantized]


@dataclass
class ParseResult:
    """What ``parse`` returns: the API and the agent read the same shape."""

    text: str
    intent: str
    confidence: float
    ranking: list[dict[str, Any]]
    entities: list[Entity]
    language: str
    out_of_scope: bool
    model_version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": self.confidence,
            "ranking": self.ranking,
            "entities": [e.to_dict() for e in self.entities],
            "language": self.language,
            "out_of_scope": self.out_of_scope,
            "model_version": self.model_version,
        }


class NluModel:
    """A fitted classifier and the encoder it was fitted with."""

    def __init__(self, classifier: IntentClassifier, *, finetuned: bool) -> None:
        self.classifier = classifier
        self.finetuned = finetuned

    @property
    def intents(self) -> list[str]:
        """Return the intents the model knows."""
        return [str(c) for c in self.classifier.classes_]

    def parse(
        self,
        text: str,
        *,
        catalogue: Catalogue | None = None,
        today: date | None = None,
        expected: Iterable[EntityType | str] = (),
        language: str | None = None,
    ) -> ParseResult:
        """Classify ``text`` and extract its entities."""
        clean = normalize_text(text)[:MAX_PARSE_CHARS]
        prediction = self.classifier.predict([clean])[0]
        return ParseResult(
            text=text,
            intent=prediction.intent,
            confidence=prediction.confidence,
            ranking=[{"intent": i, "confidence": c} for i, c in prediction.ranking],
            entities=extract_entities(clean, today=today, catalogue=catalogue, expected=expected),
            language=language or detect_language(clean),
            out_of_scope=prediction.out_of_scope,
        )

    def save(self, path: Path, *, extra: dict[str, Any] | None = None) -> None:
        """Write the model into the folder ``path`` (created if needed)."""
        path.mkdir(parents=True, exist_ok=True)
        encoder = self.classifier.encoder_
        self.classifier.encoder_ = None
        try:
            joblib.dump(self.classifier, path / "classifier.joblib", compress=3)
        finally:
            self.classifier.encoder_ = encoder
        if self.finetuned and encoder is not None:
            encoder.save(path / "encoder")
        manifest = {
            "format": FORMAT,
            "intents": self.intents,
            "finetuned_encoder": self.finetuned,
            "uses_encoder": encoder is not None,
            "quantized_encoder": bool(encoder is not None and encoder.quantized),
            **(extra or {}),
        }
        (path / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> NluModel:
        """Read a model folder written by ``save``."""
        try:
            manifest = json.loads((path / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise ModelFilesError(f"Cannot read the NLU model manifest in {path}: {exc}") from exc
        if manifest.get("format") != FORMAT:
            raise ModelFilesError(
                f"{path} holds an NLU model of format {manifest.get('format')!r}."
            )
        try:
            classifier: IntentClassifier = joblib.load(path / "classifier.joblib")
        except (OSError, ValueError, EOFError) as exc:
            raise ModelFilesError(f"Cannot read the NLU classifier in {path}: {exc}") from exc
        finetuned = bool(manifest.get("finetuned_encoder"))
        quantized = bool(manifest.get("quantized_encoder"))
        if manifest.get("uses_encoder"):
            if finetuned:
                from maitre.agent.nlu.encoder import SentenceEncoder

                encoder = SentenceEncoder(path / "encoder")
                if quantized:
                    encoder.quantize(keep_float=False)
                classifier.encoder_ = encoder
            else:
                classifier.encoder_ = shared_base_encoder(quantized=quantized)
        return cls(classifier, finetuned=finetuned)
