"""Suite metrics computed from synthetic scenario results."""

from __future__ import annotations

from maitre.agent.evaluation.facts import Finding
from maitre.agent.evaluation.metrics import compute, percentile
from maitre.agent.evaluation.results import ScenarioResult, TurnRecord


def _result(
    name: str,
    *,
    turns: int = 2,
    failures: list[str] | None = None,
    handed_off: bool = False,
    expected: bool = False,
    required: bool = False,
    csat: int | None = None,
    latency: float = 10.0,
    intent: str = "order_status",
    finding: Finding | None = None,
) -> ScenarioResult:
    records = [
        TurnRecord(index=i, text="hi", reply="ok", intent=intent, latency_ms=latency + i)
        for i in range(turns)
    ]
    if finding is not None:
        records[0].findings.append(finding)
    return ScenarioResult(
        name,
        "en",
        ["happy"],
        handoff_expected=expected,
        handoff_required=required,
        turns=records,
        failures=failures or [],
        handed_off=handed_off,
        csat=csat,
    )


def test_metrics_over_synthetic_results() -> None:
    results = [
        _result("a", turns=1, csat=5),
        _result("b", turns=3, csat=4),
        _result("c", failures=["order is paid, expected cancelled"], csat=4),
        _result("d", handed_off=True, expected=True, required=True),
        _result("e", handed_off=True),  # an unwarranted handoff
        _result("f", required=True, expected=True),  # a missed one
        _result("g", intent="out_of_scope", latency=200.0),
        _result("h", finding=Finding("exposure", "email", "x@example.com", 7)),
        _result("i", finding=Finding("fact", "order_number", "MT-999999")),
    ]
    m = compute(results)
    assert m["scenarios"] == 9
    assert m["completed"] == 6  # c, h and i fail
    assert m["task_completion_rate"] == round(6 / 9, 4)
    assert m["turns_per_completed_task"] == round((1 + 3 + 2 + 2 + 2 + 2) / 6, 2)
    assert m["handoff_rate"] == round(2 / 9, 4)
    assert m["warranted_handoff_rate"] == 0.5
    assert m["missed_handoffs"] == 1
    assert m["containment_rate"] == round(7 / 9, 4)
    assert m["fallback_rate"] == round(2 / 18, 4)
    assert m["csat"] == {"responses": 3, "mean": 4.33, "distribution": {"4": 2, "5": 1}}
    assert m["fact_violations"] == 1 and m["cross_customer_exposures"] == 1
    assert m["exposure_examples"] == ["exposure: email 'x@example.com' (customer 7)"]
    assert m["latency_ms"]["count"] == 18 and m["latency_ms"]["max"] == 201.0
    assert m["targets_met"] == {
        "task_completion_rate": False,
        "fact_violations": False,
        "cross_customer_exposures": False,
        "p95_latency_ms": False,
    }
    assert m["by_tag"]["happy"]["scenarios"] == 9


def test_empty_run_has_no_rates() -> None:
    m = compute([])
    assert m["task_completion_rate"] is None and m["latency_ms"]["p95"] is None
    assert m["targets_met"]["task_completion_rate"] is False


def test_percentile_interpolates() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 50) is None
