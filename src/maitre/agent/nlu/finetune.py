"""Fine-tune the sentence encoder on labelled intents (supervised contrastive + cosine softmax).

Batches hold a few examples of each of several intents, so every example has positives in its
batch: the supervised contrastive term pulls an intent's examples together (SetFit's idea without
building pairs), and a cosine-softmax head with label smoothing keeps intents apart. Only the
encoder is kept; the intent heads are refitted on its embeddings afterwards.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from maitre.agent.nlu.encoder import SentenceEncoder, batch_threads, threads

log = logging.getLogger("maitre.nlu.finetune")
Progress = Callable[[float, str], None]
BUDGET_PROBE_STEPS = 8


@dataclass(frozen=True)
class FinetuneParams:
    """Hyperparameters of encoder fine-tuning."""

    epochs: float = 1.0
    lr: float = 5e-5
    batch_size: int = 32
    per_class: int = 4
    temperature: float = 0.1
    scale: float = 20.0
    label_smoothing: float = 0.1
    supcon_weight: float = 1.0
    seed: int = 0
    time_budget_s: float | None = None


def _batches(
    labels: np.ndarray, params: FinetuneParams, rng: np.random.Generator
) -> list[list[int]]:
    """Return one epoch of batches, each ``per_class`` examples from several intents."""
    pools = [rng.permutation(np.flatnonzero(labels == c)).tolist() for c in np.unique(labels)]
    chunks: list[list[int]] = []
    for pool in pools:
        chunks.extend(pool[i : i + params.per_class] for i in range(0, len(pool), params.per_class))
    order = rng.permutation(len(chunks))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        current.extend(chunks[i])
        if len(current) >= params.batch_size:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


def finetune(
    encoder: SentenceEncoder,
    texts: list[str],
    labels: list[str],
    params: FinetuneParams,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Fine-tune ``encoder`` in place; return the steps taken, the last loss and the seconds."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(params.seed)
    torch.manual_seed(params.seed)
    classes, y = np.unique(np.asarray(labels), return_inverse=True)
    steps_per_epoch = len(_batches(y, params, rng))
    planned = max(1, math.ceil(steps_per_epoch * params.epochs))
    # ``plan[0]`` is the step count the schedule decays to; a time budget may shorten it once
    # the first steps show how fast this machine is, so the learning rate still ends at zero.
    plan = [planned]
    warmup = max(1, planned // 10)
    head = torch.nn.Parameter(torch.randn(len(classes), encoder.dim) * 0.01)
    optimizer = torch.optim.AdamW(
        [
            {"params": list(encoder.backbone.parameters()), "lr": params.lr},
            {"params": [head], "lr": params.lr * 100, "weight_decay": 0.0},
        ],
        weight_decay=0.01,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (plan[0] - s) / plan[0]),
    )
    started = time.monotonic()
    encoder.backbone.train()
    step, loss_value = 0, float("nan")
    with threads(batch_threads()):
        try:
            while step < plan[0]:
                for batch in _batches(y, params, rng):
                    if step >= plan[0]:
                        break
                    elapsed = time.monotonic() - started
                    if params.time_budget_s and step >= BUDGET_PROBE_STEPS and step % 8 == 0:
                        rate = elapsed / step
                        affordable = step + int((params.time_budget_s - elapsed) / rate)
                        # Re-planned as the machine's speed changes, never past the plan.
                        revised = min(planned, max(step + 1, affordable))
                        if revised != plan[0]:
                            plan[0] = revised
                            log.info("nlu.finetune.replanned", extra={"steps": revised})
                    if params.time_budget_s and elapsed > params.time_budget_s:
                        log.info("nlu.finetune.budget_reached", extra={"steps": step})
                        plan[0] = step
                        break
                    target = torch.as_tensor(y[batch])
                    emb = encoder.embed(encoder.features([texts[i] for i in batch]))
                    logits = params.scale * emb @ F.normalize(head, dim=-1).T
                    loss: Any = F.cross_entropy(
                        logits, target, label_smoothing=params.label_smoothing
                    )
                    if params.supcon_weight:
                        loss = loss + params.supcon_weight * _supcon(
                            emb, target, params.temperature
                        )
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(encoder.backbone.parameters(), 1.0)
                    optimizer.step()
                    schedule.step()
                    step += 1
                    loss_value = float(loss.detach())
                    if progress and (step % 10 == 0 or step == plan[0]):
                        progress(
                            step / plan[0],
                            f"fine-tuning step {step}/{plan[0]}, loss {loss_value:.3f}",
                        )
        finally:
            encoder.backbone.eval()
    return {
        "steps": float(step),
        "planned_steps": float(planned),
        "loss": loss_value,
        "seconds": time.monotonic() - started,
    }


def _supcon(emb: Any, target: Any, temperature: float) -> Any:
    """Supervised contrastive loss (Khosla et al. 2020) over one batch of unit vectors."""
    import torch

    n = emb.shape[0]
    eye = torch.eye(n, dtype=torch.bool)
    sim = (emb @ emb.T / temperature).masked_fill(eye, -1e9)
    log_prob = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    positives = (target[:, None] == target[None, :]) & ~eye
    count = positives.sum(1)
    has = count > 0
    if not bool(has.any()):
        return emb.sum() * 0.0
    mean_log = (log_prob * positives).sum(1)[has] / count[has]
    return -mean_log.mean()
