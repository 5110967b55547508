"""``maitre clv``: customer lifetime value and next purchases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from maitre.cli.common import HEADER_OPTION, JSON_OPTION, Report, console, run_evaluation

app = typer.Typer(help="Customer lifetime value and next purchases.", no_args_is_help=True)


@app.command("evaluate")
def evaluate(
    transactions: Path = typer.Option(
        ..., help="Transaction log (CSV/TSV/whitespace), one row per transaction."
    ),
    customer_col: str = typer.Option(..., help="Customer column: name or 0-based position."),
    date_col: str = typer.Option(..., help="Date column (ISO or YYYYMMDD): name or position."),
    amount_col: str = typer.Option(..., help="Amount column: name or 0-based position."),
    calibration_end: str = typer.Option(
        ..., help="Last day of the calibration period (e.g. 1997-09-30); the rest is holdout."
    ),
    header: bool | None = HEADER_OPTION,
    json_out: Path | None = JSON_OPTION,
) -> None:
    """Fit on the calibration period and score holdout purchase and value forecasts."""
    from maitre.ml.clv_eval import evaluate_clv_table
    from maitre.ml.tabular import read_table

    def work() -> Report:
        table = read_table(transactions, header=header)
        with console.status("Fitting CLV models…"):
            return evaluate_clv_table(
                table,
                customer_col=customer_col,
                date_col=date_col,
                amount_col=amount_col,
                calibration_end=calibration_end,
            )

    run_evaluation(work, _print_summary, json_out)


def _print_summary(report: dict[str, Any]) -> None:
    data = report["data"]
    console.print(
        f"{data['customers']} customers; calibration {data['first_date']} to "
        f"{data['calibration_end']}, holdout {data['holdout_days']} days to {data['last_date']}"
    )
    table = Table("forecast", "purchases MAE", "RMSE", "value MAE", "total vs actual")
    rows = {**report["models"], **{f"baseline: {k}": v for k, v in report["baselines"].items()}}
    for name, m in rows.items():
        table.add_row(
            name,
            f"{m['purchases_mae']:.4f}",
            f"{m['purchases_rmse']:.4f}",
            f"{m['value_mae']:.2f}",
            f"{m['total_predicted']:.0f} / {m['total_actual']:.0f} ({m['total_error_pct']:+.1f}%)",
        )
    console.print(table)
    console.print(
        f"Reported forecast: {report['model']}; mean p(alive) {report['p_alive']['mean']:.2f}"
    )
