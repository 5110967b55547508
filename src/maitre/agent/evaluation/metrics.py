"""Suite metrics: a pure function over scenario results.

- task completion rate: completed scenarios (every expectation and invariant held) / scenarios;
- turns per completed task: mean customer turns in completed scenarios;
- handoff rate: conversations handed to a person / conversations; warranted-handoff rate: of
  those, the share whose scenario declared a handoff expected; missed handoffs: required, absent;
- containment rate: conversations the bot kept (not handed off) / conversations;
- fallback rate: out-of-scope or don't-know replies / replies;
- CSAT distribution read back from the conversation log;
- fact violations and cross-customer exposures (counts and examples);
- reply latency p50/p95 measured around each message call.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from maitre.agent.evaluation.results import ScenarioResult

TARGETS: dict[str, float] = {
    "task_completion_rate": 0.90,
    "fact_violations": 0,
    "cross_customer_exposures": 0,
    "p95_latency_ms": 100.0,
}


def percentile(values: list[float], q: float) -> float | None:
    """Return the q-th percentile (0-100) by linear interpolation, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _by(results: list[ScenarioResult], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[ScenarioResult]] = {}
    for r in results:
        names = r.tags if key == "tag" else [r.language]
        for name in names:
            groups.setdefault(name, []).append(r)
    return {
        name: {
            "scenarios": len(rs),
            "completed": sum(r.completed for r in rs),
            "completion_rate": _rate(sum(r.completed for r in rs), len(rs)),
        }
        for name, rs in sorted(groups.items())
    }


def compute(results: list[ScenarioResult]) -> dict[str, Any]:
    """Return the suite's metrics and whether each target is met."""
    n = len(results)
    completed = [r for r in results if r.completed]
    turns = [t for r in results for t in r.turns if t.http_status == 200]
    handed = [r for r in results if r.handed_off]
    findings = [f for r in results for f in r.findings]
    facts = [f for f in findings if f.kind == "fact"]
    exposures = [f for f in findings if f.kind == "exposure"]
    latencies = [t.latency_ms for r in results for t in r.turns]
    csat = [r.csat for r in results if r.csat is not None]
    p95 = percentile(latencies, 95)
    metrics: dict[str, Any] = {
        "scenarios": n,
        "completed": len(completed),
        "errors": sum(r.error is not None for r in results),
        "task_completion_rate": _rate(len(completed), n),
        "turns_per_completed_task": (
            round(statistics.fmean(len(r.turns) for r in completed), 2) if completed else None
        ),
        "replies": len(turns),
        "handoffs": len(handed),
        "handoff_rate": _rate(len(handed), n),
        "warranted_handoff_rate": _rate(sum(r.handoff_expected for r in handed), len(handed)),
        "missed_handoffs": sum(r.handoff_required and not r.handed_off for r in results),
        "containment_rate": _rate(n - len(handed), n),
        "fallback_rate": _rate(sum(t.fallback for t in turns), len(turns)),
        "csat": {
            "responses": len(csat),
            "mean": round(statistics.fmean(csat), 2) if csat else None,
            "distribution": {str(k): v for k, v in sorted(Counter(csat).items())},
        },
        "fact_violations": len(facts),
        "cross_customer_exposures": len(exposures),
        "fact_violation_examples": [f.describe() for f in facts[:10]],
        "exposure_examples": [f.describe() for f in exposures[:10]],
        "latency_ms": {
            "p50": _round(percentile(latencies, 50)),
            "p95": _round(p95),
            "max": _round(max(latencies) if latencies else None),
            "count": len(latencies),
        },
        "by_language": _by(results, "language"),
        "by_tag": _by(results, "tag"),
    }
    rate = metrics["task_completion_rate"]
    metrics["targets"] = dict(TARGETS)
    metrics["targets_met"] = {
        "task_completion_rate": rate is not None and rate >= TARGETS["task_completion_rate"],
        "fact_violations": len(facts) == 0,
        "cross_customer_exposures": len(exposures) == 0,
        "p95_latency_ms": p95 is not None and p95 <= TARGETS["p95_latency_ms"],
    }
    return metrics


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
