"""What every CLI command shares: settings, a runtime, a console, a unit of work."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from maitre.bootstrap import Runtime, build_runtime
from maitre.config import get_settings
from maitre.db.session import unit_of_work
from maitre.errors import MaitreError

console = Console()
err_console = Console(stderr=True)
Report = dict[str, Any]

#: the options every ``evaluate`` command over a user's file takes
HEADER_OPTION: Any = typer.Option(
    None, "--header/--no-header", help="Whether the first line names the columns (guessed)."
)
JSON_OPTION: Any = typer.Option(None, "--json", help="Write the full report here.")


@contextmanager
def runtime() -> Iterator[Runtime]:
    """Build the runtime from the environment and close it afterwards."""
    rt = build_runtime(get_settings())
    try:
        yield rt
    finally:
        rt.close()


@contextmanager
def session_scope() -> Iterator[Session]:
    """Open one transaction for a command; a ``MaitreError`` becomes a clean exit code 1."""
    with runtime() as rt:
        try:
            with unit_of_work(rt.sessionmaker) as session:
                yield session
        except MaitreError as exc:
            fail(str(exc))


def fail(message: str, code: int = 1) -> None:
    """Print an error line and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def write_report(path: Path, report: Any) -> None:
    """Write ``report`` as indented UTF-8 JSON to ``path`` (creating its folder) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
    path.write_text(text, encoding="utf-8")
    console.print(f"[dim]Report written to {path}[/]")


def run_evaluation(
    work: Callable[[], Report], summary: Callable[[Report], None], json_out: Path | None
) -> None:
    """Run an ``evaluate`` command: bad input is one error line; else summarise, then save."""
    try:
        report = work()
    except MaitreError as exc:
        fail(str(exc))
        return
    summary(report)
    if json_out is not None:
        write_report(json_out, report)
