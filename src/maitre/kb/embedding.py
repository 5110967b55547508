"""The knowledge base's sentence encoder: the bundled base MiniLM, int8, loaded once per process.

Chunks and queries are embedded by the same (quantized) encoder so their vectors are
comparable. Loading takes seconds (torch and the weights), so it happens on a background
thread: a request never waits longer than it chooses to (a search waits a few seconds, then
ranks by BM25 alone until the encoder is ready; writes wait a little, and chunks stored
without a vector get one in memory when the index is next built). When the weights cannot be
loaded at all, the knowledge base works on BM25 alone. Servers should call ``warm()`` at
start-up so the first customer question does not pay for the load.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import numpy as np

from maitre.agent.nlu.encoder import EncoderUnavailable, SentenceEncoder

MAX_TOKENS = 256  # MiniLM's position limit; chunks are capped near 180 word-ish tokens
DIM = 384
log = logging.getLogger("maitre.kb")

_lock = threading.Lock()
_done = threading.Event()
_loader: threading.Thread | None = None
_encoder: SentenceEncoder | None = None
QUERY_CACHE_SIZE = 1024
_queries: OrderedDict[str, np.ndarray] = OrderedDict()
_queries_lock = threading.Lock()


def _load() -> None:
    global _encoder
    try:
        encoder = SentenceEncoder(max_tokens=MAX_TOKENS)
        encoder.quantize(keep_float=False)
        _encoder = encoder
        log.info("kb.encoder.loaded")
    except EncoderUnavailable as exc:
        log.warning("kb.encoder.unavailable", extra={"error": str(exc)})
    except Exception:  # a broken install must not take search down with it
        log.exception("kb.encoder.failed")
    finally:
        _done.set()


def warm() -> None:
    """Start loading the encoder in the background (idempotent); call at service start-up."""
    global _loader
    if _loader is not None:
        return
    with _lock:
        if _loader is None:
            _loader = threading.Thread(target=_load, name="kb-encoder", daemon=True)
            _loader.start()


def get_encoder(*, wait: float | None = None) -> SentenceEncoder | None:
    """Return the encoder, waiting up to ``wait`` seconds (None: until loaded) for it to load."""
    if _encoder is None and not _done.is_set():
        warm()
        _done.wait(timeout=wait)
    return _encoder


def ready() -> bool:
    """Tell whether the encoder is loaded."""
    return _encoder is not None


def embed(texts: list[str], *, wait: float | None = None) -> np.ndarray | None:
    """Return unit-length float32 vectors for ``texts``, or None without a (ready) encoder."""
    encoder = get_encoder(wait=wait)
    if encoder is None:
        return None
    return encoder.encode(texts).astype(np.float32)


def embed_query(text: str) -> np.ndarray | None:
    """Return the vector of one search query without waiting for the encoder; cached (LRU).

    Customers ask the same few questions in the same words, and one embedding costs several
    milliseconds of the reply budget.
    """
    with _queries_lock:
        cached = _queries.get(text)
        if cached is not None:
            _queries.move_to_end(text)
            return cached
    vectors = embed([text], wait=0)
    if vectors is None:
        return None
    vector: np.ndarray = vectors[0]
    vector.setflags(write=False)
    with _queries_lock:
        _queries[text] = vector
        while len(_queries) > QUERY_CACHE_SIZE:
            _queries.popitem(last=False)
    return vector


def to_bytes(vector: np.ndarray) -> bytes:
    """Return a vector as little-endian float32 bytes (what the chunk table stores)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(raw: bytes | None) -> np.ndarray | None:
    """Return the vector stored as ``raw``, or None for a missing or malformed one."""
    if raw is None or len(raw) != DIM * 4:
        return None
    return np.frombuffer(raw, dtype="<f4")
