"""``maitre demo load``: fill the CRM with the demo shop (customers, orders, tickets, deals)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from maitre.cli.common import console, fail, session_scope
from maitre.demo import loader
from maitre.demo.generator import DEFAULT_CUSTOMERS, DemoConfig, DemoData, generate

app = typer.Typer(help="The demo company.", no_args_is_help=True)


def _parse_today(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        fail(f"--today must be a date like 2025-06-01, not {value!r}.")
        raise  # unreachable: fail() exits
    if day > datetime.now(UTC).date():
        fail(f"--today {value} is in the future; the demo's history must lie in the past.")
    return day


@app.command("load")
def load(
    seed: int = typer.Option(42, help="Random seed; the same seed and date give the same data."),
    today: str | None = typer.Option(
        None, help="Reference date of the data (YYYY-MM-DD); default: today, so it looks fresh."
    ),
    customers: int = typer.Option(
        DEFAULT_CUSTOMERS, min=1, max=100_000, help="How many customers (about 7 orders each)."
    ),
    leads: int | None = typer.Option(
        None, min=0, max=100_000, help="How many sales leads (default: customers / 9)."
    ),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when the database already has customers."
    ),
) -> None:
    """Create the demo shop: customers (English and Chinese), products, two years of orders,
    tickets, leads, deals and staff logins."""
    config = DemoConfig(seed=seed, today=_parse_today(today), customers=customers, leads=leads)
    started = time.perf_counter()
    with session_scope() as session:
        try:
            existing = loader.customer_count(session=session)
        except (OperationalError, ProgrammingError):
            fail("The database has no schema yet; run `maitre db upgrade` first.")
        if existing and if_empty:
            console.print(
                f"[dim]The database already has {existing} customers; demo not loaded.[/]"
            )
            return
        if existing:
            fail(
                f"The database already has {existing} customers; the demo loads into an empty "
                "database (use --if-empty to skip quietly)."
            )
        data = generate(config)
        try:
            result = _load_with_progress(session, data)
        except (OperationalError, ProgrammingError) as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
            fail(f"The database schema is out of date ({reason}); run `maitre db upgrade`.")
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{n:,} {kind}" for kind, n in result.counts.items())
    console.print(
        f"[green]Demo loaded in {elapsed:.1f} s[/] (seed {seed}, data as of {config.today}): "
        f"{summary}."
    )
    table = Table("login", "password", "role", title="Demo staff accounts")
    for person in result.staff_created:
        table.add_row(person.email, person.password, person.role)
    for person in result.staff_existing:
        table.add_row(person.email, "[dim](already existed, unchanged)[/]", person.role)
    console.print(table)


def _load_with_progress(session: Session, data: DemoData) -> loader.LoadResult:
    columns = (
        TextColumn("[bold]{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("demo", total=loader.steps(data))

        def advance(phase: str, n: int) -> None:
            bar.update(task, advance=n, description=phase)

        return loader.load(session=session, data=data, progress=advance)
