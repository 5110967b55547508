"""``maitre doctor``: check the installation and say how to fix what is missing."""

from __future__ import annotations

import typer
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from rich.table import Table
from sqlalchemy import text

from maitre.cli.common import console, runtime
from maitre.db.migrate import alembic_config


def doctor() -> None:
    """Check the database, migrations, task queue and models; exit 1 if something is wrong."""
    checks: list[tuple[str, bool, str]] = []
    with runtime() as rt:
        url = rt.settings.resolved_database_url
        try:
            with rt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                current = MigrationContext.configure(conn).get_current_revision()
            checks.append(("database", True, rt.engine.url.render_as_string(hide_password=True)))
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            ok = current == head
            checks.append(
                (
                    "migrations",
                    ok,
                    f"at {current}"
                    if ok
                    else f"at {current}, head is {head}: run `maitre db upgrade`",
                )
            )
        except Exception as exc:  # doctor reports every failure instead of raising
            checks.append(
                (
                    "database",
                    False,
                    f"{type(exc).__name__}: {exc}. "
                    "Check MAITRE_DATABASE_URL or run `maitre db upgrade`.",
                )
            )
        checks.extend(rt.queue.checks())
    table = Table("check", "status", "detail")
    for name, ok, detail in checks:
        table.add_row(name, "[green]ok[/]" if ok else "[red]FAIL[/]", detail)
    console.print(table)
    if not all(ok for _, ok, _ in checks):
        raise typer.Exit(1)
