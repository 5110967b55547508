"""``maitre nlu``: train, evaluate and try the intent/entity model; manage examples and review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from maitre.cli.common import console, fail, runtime, session_scope, write_report
from maitre.errors import MaitreError

app = typer.Typer(
    help="Intents, entities and out-of-scope: train, evaluate, parse.", no_args_is_help=True
)


def _params(fast: bool, no_finetune: bool) -> dict[str, Any]:
    if fast:
        return {"use_encoder": False, "finetune": False}
    return {"finetune": not no_finetune}


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@app.command("train")
def train(
    data: Path | None = typer.Option(
        None, "--data", help="CSV/TSV/YAML file or folder (default: shipped + your examples)."
    ),
    activate: bool = typer.Option(True, "--activate/--no-activate", help="Serve the new version."),
    no_finetune: bool = typer.Option(False, "--no-finetune", help="Keep the encoder frozen."),
    fast: bool = typer.Option(False, "--fast", help="Lexical model only (seconds; less accurate)."),
) -> None:
    """Train a new NLU version and register it; a failed run leaves the active model as it is."""
    from maitre.agent.nlu.tasks import run_training
    from maitre.db.session import unit_of_work
    from maitre.ml import runs

    params = {**_params(fast, no_finetune), "activate": activate}
    with runtime() as rt:
        with unit_of_work(rt.sessionmaker) as session:
            run_id = runs.create(session=session, model_name="nlu", params=params, actor="cli").id
        with _progress_bar() as bar:
            task = bar.add_task("training", total=1.0)

            def echo(fraction: float, message: str) -> None:
                bar.update(task, completed=fraction, description=message[:60])

            ok = run_training(
                rt.sessionmaker, rt.settings.models_dir, run_id, data_path=data, echo=echo
            )
        with unit_of_work(rt.sessionmaker) as session:
            run = runs.get(session=session, run_id=run_id)
            error, result = run.error, dict(run.result)
    if not ok:
        fail(f"training failed: {error}")
        return
    for warning in result.get("warnings", [])[:20]:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    metrics = result.get("metrics", {})
    validation = metrics.get("validation", {})
    state = "active" if result.get("active") else "not active"
    console.print(
        f"[green]Registered nlu v{result.get('version')} ({state})[/]: {metrics.get('examples')} "
        f"examples, {metrics.get('intents')} intents, {metrics.get('train_seconds')} s; "
        f"validation accuracy {validation.get('accuracy', float('nan')):.3f}, "
        f"out-of-scope threshold {metrics.get('threshold', {}).get('threshold', 0):.3f}."
    )


@app.command("check")
def check(
    data: Path | None = typer.Option(
        None, "--data", help="CSV/TSV/YAML file or folder (default: shipped + your examples)."
    ),
) -> None:
    """Read and clean training data without training: duplicates, conflicts, tiny intents."""
    from maitre.agent.nlu import trainer
    from maitre.agent.nlu.cleaning import clean

    with session_scope() as session:
        loaded = trainer.gather(session=session, data_path=data)
    texts, intents, report = clean(loaded.texts, loaded.intents)
    for warning in loaded.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    for line in report.summary():
        console.print(line, highlight=False)
    try:
        trainer.check(texts, intents)
    except MaitreError as exc:
        fail(str(exc))
    console.print(f"[green]{len(set(intents))} intents, ready to train.[/]")


@app.command("evaluate")
def evaluate(
    train_file: Path = typer.Option(
        ..., "--train", help="Training CSV (text,intent or text,category)."
    ),
    test_file: Path = typer.Option(..., "--test", help="Test CSV with the same columns."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the full report here."),
    no_finetune: bool = typer.Option(False, "--no-finetune", help="Keep the encoder frozen."),
    fast: bool = typer.Option(False, "--fast", help="Lexical model only."),
) -> None:
    """Train on TRAIN only, predict TEST and report accuracy, macro-F1, latency and more."""
    from maitre.agent.nlu.evaluate import evaluate as run_evaluation
    from maitre.agent.nlu.tasks import classifier_params

    try:
        with _progress_bar() as bar:
            task = bar.add_task("training", total=1.0)
            report = run_evaluation(
                train_file,
                test_file,
                params=classifier_params(_params(fast, no_finetune)),
                progress=lambda f, m: bar.update(task, completed=f, description=m[:60]),
            )
    except MaitreError as exc:
        fail(str(exc))
        return
    for warning in report.get("warnings", [])[:10]:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    table = Table("metric", "value")
    keys = ["accuracy", "macro_f1", "in_scope_accuracy", "oos_recall", "oos_rate", "train_seconds"]
    keys += ["p50_ms", "p95_ms", "model_memory_mb", "n_train", "n_test"]
    for key in keys:
        if key in report:
            table.add_row(key, str(report[key]))
    console.print(table)
    pairs = ", ".join(
        f"{p['true']}→{p['predicted']} ×{p['count']}" for p in report["confusion_pairs"][:5]
    )
    if pairs:
        console.print(f"Most confused: {pairs}", highlight=False)
    if json_out is not None:
        write_report(json_out, report)


@app.command("parse")
def parse(
    text: str = typer.Argument(..., help="The utterance."),
    expected: list[str] = typer.Option([], "--expect", help="Entity type just asked for."),
) -> None:
    """Parse TEXT with the active model and print the JSON result."""
    from maitre.agent.nlu import service
    from maitre.agent.nlu.entities import EntityType
    from maitre.agent.nlu.serving import server_for
    from maitre.config import get_settings

    valid = {e.value for e in EntityType}
    for name in expected:
        if name not in valid:
            fail(f"unknown entity type {name!r}; choose from {', '.join(sorted(valid))}")
    with session_scope() as session:
        result = service.parse(
            session=session, server=server_for(get_settings()), text=text, expected=expected
        )
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))


@app.command("intents")
def intents() -> None:
    """List the intents with their example counts per language."""
    from maitre.agent.nlu import service

    with session_scope() as session:
        table = Table("intent", "built-in", "examples", "description")
        for i in service.list_intents(session=session):
            counts = ", ".join(f"{k} {v}" for k, v in sorted(i.examples.items()))
            table.add_row(i.name, "yes" if i.builtin else "", counts, i.description)
        console.print(table)


@app.command("add-example")
def add_example(
    intent: str = typer.Argument(..., help="Intent name (new or existing)."),
    text: str = typer.Argument(..., help="Example utterance."),
    language: str | None = typer.Option(None, help="Language (detected when omitted)."),
) -> None:
    """Add a training example (used by the next `maitre nlu train`)."""
    from maitre.agent.nlu import service

    with session_scope() as session:
        example = service.create_example(
            session=session, intent=intent, text=text, language=language, actor="cli"
        )
        console.print(f"[green]Added example {example.id} to {example.intent!r}.[/]")


@app.command("remove-example")
def remove_example(example_id: int = typer.Argument(..., help="Example id.")) -> None:
    """Remove a user-added training example."""
    from maitre.agent.nlu import service

    with session_scope() as session:
        service.delete_example(session=session, example_id=example_id)
        console.print(f"[yellow]Removed example {example_id}.[/]")


@app.command("review")
def review(limit: int = typer.Option(20, min=1, max=500, help="Items to show.")) -> None:
    """Show the pending review queue (low confidence, out of scope, handoffs)."""
    from maitre.agent.nlu import service
    from maitre.common.pagination import PageParams

    with session_scope() as session:
        page = service.list_reviews(session=session, params=PageParams(limit=limit))
        table = Table("id", "reason", "predicted", "conf.", "text")
        for item in page.items:
            conf = f"{item.confidence:.2f}" if item.confidence is not None else "-"
            table.add_row(str(item.id), item.reason, item.predicted_intent or "-", conf, item.text)
        console.print(table)
        console.print(f"[dim]{page.total} pending[/]")


@app.command("label")
def label(
    item_id: int = typer.Argument(..., help="Review item id."),
    intent: str = typer.Argument(..., help="The right intent."),
) -> None:
    """Label a review item; its text becomes a training example."""
    from maitre.agent.nlu import service

    with session_scope() as session:
        item = service.label_review(session=session, item_id=item_id, intent=intent, actor="cli")
        console.print(f"[green]Labelled {item.id} as {item.label!r}.[/]")
