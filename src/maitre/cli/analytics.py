"""``maitre analytics``: refresh every customer's stored scores."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from maitre.cli.common import console, fail, runtime
from maitre.errors import MaitreError

app = typer.Typer(help="Customer analytics: profiles, segments, scores.", no_args_is_help=True)


@app.command("refresh")
def refresh() -> None:
    """Recompute profiles and segments and score every customer (churn, CLV) now."""
    from maitre.analytics import scoring
    from maitre.db.session import unit_of_work

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with runtime() as rt, Progress(*columns, console=console) as bar:
        task = bar.add_task("starting", total=1.0)

        def report(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, description=message)

        try:
            with unit_of_work(rt.sessionmaker) as session:
                result = scoring.refresh(session=session, settings=rt.settings, progress=report)
        except MaitreError as exc:
            fail(str(exc))
            return
        bar.update(task, completed=1.0, description="done")
    churn = (
        f"churn model v{result.churn_model_version}"
        if result.churn_model_version
        else "no churn model (run `maitre models train-defaults`)"
    )
    clv = "CLV fitted" if result.clv else "too little history for CLV"
    console.print(
        f"[green]Scored {result.customers:,} customers in {result.seconds:.1f} s: "
        f"{churn}; {clv}.[/]"
    )
