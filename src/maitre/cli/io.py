"""``maitre import`` and ``maitre export``: CSV in (with a progress bar), CSV or JSON Lines out."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from maitre.cli.common import console, err_console, fail, runtime
from maitre.errors import MaitreError
from maitre.exports.service import ExportFormat, render
from maitre.imports.mapping import load_mapping
from maitre.imports.models import Entity, ImportStatus
from maitre.imports.runner import DEFAULT_BATCH, ImportOptions, ImportSummary, run_import


def import_(
    entity: Entity = typer.Argument(..., help="What the file holds."),
    file: Path = typer.Argument(..., help="The CSV file (header row first)."),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="YAML file mapping file columns to fields."
    ),
    all_or_nothing: bool = typer.Option(
        False, "--all-or-nothing", help="Import nothing if any row is rejected."
    ),
    encoding: str = typer.Option(
        "auto", "--encoding", help="'auto' (UTF-8, BOM-aware) or a codec such as cp1252."
    ),
    errors: Path | None = typer.Option(
        None,
        "--errors",
        help="Where to write the error report (default: FILE.errors.csv beside the file).",
    ),
    batch_size: int = typer.Option(
        DEFAULT_BATCH, "--batch-size", min=1, max=50_000, help="Rows per committed batch."
    ),
) -> None:
    """Import customers, products or orders from CSV; re-running the same file changes nothing."""
    if not file.is_file():
        fail(f"No such file: {file}")
    report = errors or file.with_name(file.name + ".errors.csv")
    try:
        column_mapping = load_mapping(mapping) if mapping else None
        options = ImportOptions(
            entity=entity.value,
            filename=file.name,
            mapping=column_mapping,
            all_or_nothing=all_or_nothing,
            encoding=encoding,
            actor="cli",
            batch_size=batch_size,
        )
        report.unlink(missing_ok=True)  # a stale report would read as this run's
        with runtime() as rt, file.open("rb") as stream, _progress() as bar:
            task = bar.add_task(f"{entity.value}", total=file.stat().st_size)
            summary = run_import(
                factory=rt.sessionmaker,
                stream=stream,
                options=options,
                report_path=report,
                progress=lambda done: bar.update(task, completed=done),
            )
            bar.update(task, completed=file.stat().st_size)
    except MaitreError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"Cannot read or write a file: {exc}")
    _print_summary(summary)
    if summary.status is ImportStatus.ROLLED_BACK:
        fail("Rows were rejected, so nothing was imported (--all-or-nothing).")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


def _print_summary(summary: ImportSummary) -> None:
    counts = summary.counts
    table = Table("import", "rows", "created", "updated", "unchanged", "rejected")
    table.add_row(
        f"#{summary.import_id} {summary.entity}",
        f"{counts.rows:,}",
        f"{counts.created:,}",
        f"{counts.updated:,}",
        f"{counts.unchanged:,}",
        f"{counts.rejected:,}",
    )
    console.print(table)
    if summary.report_path is not None:
        console.print(f"[yellow]Rejected rows are listed in {summary.report_path}[/]")
    if summary.encoding not in ("utf-8", "utf-8-sig"):
        console.print(f"[dim]Read as {summary.encoding}.[/]")


def export(
    entity: Entity = typer.Argument(..., help="What to export."),
    format: ExportFormat = typer.Option(ExportFormat.CSV, "--format", help="csv or jsonl."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file instead of standard output."
    ),
) -> None:
    """Export every customer, product or order as CSV (re-importable) or JSON Lines."""
    try:
        with runtime() as rt, rt.sessionmaker() as session:
            chunks = render(session=session, entity=entity, fmt=format)
            if output is None:
                for chunk in chunks:
                    sys.stdout.write(chunk)
                sys.stdout.flush()
                return
            with output.open("w", encoding="utf-8", newline="") as out:
                for chunk in chunks:
                    out.write(chunk)
    except MaitreError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"Cannot write {output}: {exc.strerror}")
    err_console.print(f"[green]Exported {entity.value} to {output}.[/]")
