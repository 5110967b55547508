"""Small training sets and a fast trainer for NLU integration tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.nlu.tasks import classifier_params
from maitre.agent.nlu.trainer import Registered, train_and_register

ROWS = {
    "order_status": [
        "where is my order", "has my order shipped", "track my package",
        "when will my parcel arrive", "status of my order please", "is my order on its way",
        "where is my parcel", "track order 1043", "我的订单到哪了", "帮我查下物流",
    ],
    "refund_status": [
        "where is my refund", "when do I get my money back", "has my refund been processed",
        "refund status please", "I am still waiting for my refund", "did you refund me yet",
        "when will the refund arrive", "check my refund", "退款什么时候到账", "我的退款呢",
    ],
    "greeting": [
        "hello", "hi there", "good morning", "hey", "hello, anyone there", "hi, I have a question",
        "good evening", "hiya", "你好", "在吗",
    ],
    "out_of_scope": [
        "what is the weather today", "tell me a joke", "who won the football game",
        "what is the capital of france", "write me a poem", "play some music",
        "how tall is mount everest", "sing me a song", "今天天气怎么样", "给我讲个笑话",
    ],
}  # fmt: skip
FAST = {"use_encoder": False, "val_fraction": 0.3}


def write_csv(path: Path, rows: dict[str, list[str]] | None = None, label: str = "intent") -> Path:
    """Write ``rows`` as a ``text,<label>`` CSV and return its path."""
    lines = [f"text,{label}"]
    for intent, texts in (rows or ROWS).items():
        lines.extend(f'"{t}",{intent}' for t in texts)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train_fast(
    factory: sessionmaker[Session],
    models_dir: Path,
    data: Path,
    *,
    activate: bool = True,
) -> Registered:
    """Train a lexical-only model on ``data`` and register it."""
    return train_and_register(
        factory=factory,
        models_dir=models_dir,
        data_path=data,
        params=classifier_params(FAST),
        activate=activate,
    )
