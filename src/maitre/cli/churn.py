"""``maitre churn``: churn models with reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from maitre.cli.common import (
    HEADER_OPTION,
    JSON_OPTION,
    Report,
    console,
    run_evaluation,
    write_report,
)

app = typer.Typer(help="Churn prediction with reasons.", no_args_is_help=True)


@app.command("evaluate")
def evaluate(
    csv: Path = typer.Option(
        ..., "--csv", help="Customer table (CSV/TSV/whitespace), one row each."
    ),
    target: str = typer.Option(..., help="Churn label column: name or 0-based position."),
    id_column: str | None = typer.Option(None, "--id", help="Customer id column to ignore."),
    positive: str | None = typer.Option(
        None, help="Target value meaning 'churned' (default: guessed, e.g. Yes/1/True/churned)."
    ),
    lost_cost: float = typer.Option(500.0, help="Value lost with a churned customer."),
    offer_cost: float = typer.Option(50.0, help="Cost of one retention offer."),
    offer_success: float = typer.Option(0.3, help="Share of would-be churners an offer keeps."),
    seed: int = typer.Option(42, help="Seed of the stratified 80/20 split."),
    header: bool | None = HEADER_OPTION,
    json_out: Path | None = JSON_OPTION,
) -> None:
    """Train on a stratified 80% of a labelled table and report metrics on the other 20%."""
    from maitre.ml.churn_eval import Costs, evaluate_churn_table
    from maitre.ml.tabular import read_table

    def work() -> Report:
        table = read_table(csv, header=header)
        with console.status("Training churn models…"):
            return evaluate_churn_table(
                table,
                target=target,
                id_column=id_column,
                positive=positive,
                costs=Costs(lost_customer=lost_cost, offer=offer_cost, offer_success=offer_success),
                seed=seed,
            )

    run_evaluation(work, _print_summary, json_out)


def _print_summary(report: dict[str, Any]) -> None:
    data = report["data"]
    console.print(
        f"{data['rows_used']} customers, target [bold]{data['target']}[/] "
        f"(positive = {data['positive_label']!r}, rate {data['positive_rate']:.1%}); "
        f"model: {' + '.join(report['model']['blend'])}"
    )
    table = Table("model", "ROC-AUC", "PR-AUC", "Brier", f"F1 @ {report['threshold']:.2f}")
    rows = {"churn model": report, **report["baselines"]}
    for name, m in rows.items():
        table.add_row(
            name,
            f"{m['roc_auc']:.4f}",
            f"{m['pr_auc']:.4f}",
            f"{m['brier']:.4f}",
            f"{m['f1_at_threshold']:.4f}",
        )
    console.print(table)
    top = ", ".join(f["feature"] for f in report["top_features"][:5])
    console.print(f"Top features: {top}")
    for ex in report["examples"][:3]:
        reasons = "; ".join(r["text"] for r in ex["reasons"]) or "no strong reason"
        who = ex["id"] or f"line {ex['line']}"
        console.print(f"  {who}: {ex['churn_probability']:.0%} — {reasons}", highlight=False)


@app.command("bias")
def bias(
    json_out: Path | None = typer.Option(None, "--json", help="Also write the report here."),
) -> None:
    """Show the active churn model's recall, precision and AUC per language, country, segment."""
    from maitre.analytics import scores
    from maitre.cli.common import session_scope

    with session_scope() as session:
        found = scores.bias(session=session)
    report = found.report
    if json_out is not None:
        write_report(json_out, report)
    overall = report.get("overall", {})
    console.print(
        f"churn v{found.version}: threshold {report.get('threshold')}, overall recall "
        f"{overall.get('recall')}, flag when recall trails by more than "
        f"{report.get('max_recall_gap')}"
    )
    table = Table("by", "group", "n", "positives", "recall", "precision", "AUC", "flag rate", "")
    for by, groups in report.get("groups", {}).items():
        for name, stats in groups.items():
            table.add_row(
                by,
                name,
                str(stats["n"]),
                str(stats["positives"]),
                str(stats["recall"]),
                str(stats["precision"]),
                str(stats["roc_auc"]),
                str(stats["positive_rate"]),
                "[red]FLAG[/]" if stats.get("flagged") else "",
            )
    console.print(table)
