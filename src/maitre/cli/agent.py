"""``maitre agent evaluate``: run the scenario suite against the agent in a scratch world."""

from __future__ import annotations

from pathlib import Path

import typer

from maitre.cli.common import console, write_report

app = typer.Typer(help="The conversational agent: evaluation.", no_args_is_help=True)


@app.command("evaluate")
def evaluate(
    scenarios: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="A folder of scenario YAML files (default: shipped).",
    ),
    tag: list[str] = typer.Option([], help="Only scenarios with this tag (repeatable)."),
    language: str | None = typer.Option(None, help="Only scenarios in this language (en, zh)."),
    fast: bool = typer.Option(False, help="Train a lexical-only NLU (seconds, not minutes)."),
    seed: int = typer.Option(42, help="Seed of the demo shop and of customer selection."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the result document here."),
) -> None:
    """Run the scenario suite on a fresh demo shop (never on your data) and print the metrics."""
    from maitre.agent.evaluation.suite import SuiteOptions, print_summary, run_suite

    with console.status("building a scratch demo shop and running the scenarios…"):
        doc = run_suite(
            SuiteOptions(seed=seed, fast=fast, scenarios=scenarios, tags=tag, language=language)
        )
    if json_out is not None:
        write_report(json_out, doc)
    print_summary(doc, console)
    if not doc["results"]:
        raise typer.Exit(code=1)
