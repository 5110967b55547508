"""The demo knowledge base: short shop articles in English and Chinese shipped in ``kb/data``.

One of them (gift cards) carries a deliberate prompt injection, so the flag review shows
something. Articles are matched by file name, so loading twice updates instead of duplicating.
"""

from __future__ import annotations

from importlib import resources

from sqlalchemy.orm import Session

from maitre.kb import embedding, service


def files() -> list[tuple[str, bytes]]:
    """Return (file name, content) of every demo article, sorted by name."""
    folder = resources.files("maitre.kb") / "data"
    found = [(entry.name, entry.read_bytes()) for entry in folder.iterdir() if entry.is_file()]
    return sorted((name, data) for name, data in found if name.endswith(".md"))


def load(*, session: Session) -> int:
    """Create or refresh the demo articles in the caller's transaction; return how many."""
    embedding.get_encoder()  # a one-off load: wait for the encoder so every chunk gets a vector
    count = 0
    for name, content in files():
        service.upsert_by_source(session=session, filename=name, content=content, actor="demo")
        count += 1
    return count
