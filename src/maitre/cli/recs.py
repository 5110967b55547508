"""``maitre recs``: personalised recommendations."""

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
    err_console,
    run_evaluation,
)
from maitre.errors import ValidationFailed

app = typer.Typer(help="Personalised recommendations.", no_args_is_help=True)


@app.command("evaluate")
def evaluate(
    interactions: Path = typer.Option(
        ..., "--interactions", help="Interaction log (CSV/TSV/whitespace), one row per event."
    ),
    user_col: str = typer.Option(..., "--user-col", help="User column: name or 0-based position."),
    item_col: str = typer.Option(..., "--item-col", help="Item column: name or 0-based position."),
    rating_col: str | None = typer.Option(
        None, "--rating-col", help="Rating column, used with --min-rating."
    ),
    min_rating: float | None = typer.Option(
        None, "--min-rating", help="Keep only interactions rated at least this."
    ),
    seed: int = typer.Option(42, help="Seed of the per-user 75/25 split."),
    header: bool | None = HEADER_OPTION,
    json_out: Path | None = JSON_OPTION,
) -> None:
    """Split each user's items 75/25, tune on the training part, report top-10 metrics."""
    from maitre.ml.recs_evaluate import evaluate_recommenders
    from maitre.ml.recs_input import read_interactions

    def work() -> Report:
        if min_rating is not None and rating_col is None:
            raise ValidationFailed("--min-rating needs --rating-col")
        log = read_interactions(
            interactions, user_col=user_col, item_col=item_col, rating_col=rating_col, header=header
        )
        with console.status("Tuning and training recommenders…") as status:
            return evaluate_recommenders(
                log.users,
                log.items,
                ratings=log.ratings,
                min_rating=min_rating,
                seed=seed,
                progress=lambda message: status.update(f"{message}…"),
            )

    run_evaluation(work, _print_summary, json_out)


def _print_summary(report: dict[str, Any]) -> None:
    data = report["data"]
    console.print(
        f"{data['interactions']} interactions ({data['users']} users, {data['items']} items); "
        f"{data['users_evaluated']} users evaluated, train {data['train_interactions']} / "
        f"test {data['test_interactions']}, seed {report['seed']}"
    )
    table = Table("model", "P@10", "R@10", "NDCG@10", "MAP@10", "coverage", "fit s")
    rows = {"maitre": report, **report["baselines"]}
    for name, m in rows.items():
        table.add_row(
            name,
            f"{m['precision_at_10']:.4f}",
            f"{m['recall_at_10']:.4f}",
            f"{m['ndcg_at_10']:.4f}",
            f"{m['map_at_10']:.4f}",
            f"{m['coverage']:.4f}",
            f"{report['fit_seconds'][name]:.1f}",
        )
    console.print(table)
    lift = report["ndcg_lift_over_als"]
    if lift is not None:
        console.print(f"NDCG@10 vs tuned ALS: {lift:+.1%}")
    if data["users_too_few_interactions"]:
        err_console.print(
            f"[dim]{data['users_too_few_interactions']} users with fewer than two distinct "
            "items were kept for training only.[/]"
        )
