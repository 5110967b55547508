"""``maitre db``: migrations."""

from __future__ import annotations

import typer

from maitre.cli.common import console
from maitre.config import get_settings
from maitre.db import migrate

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the database schema (creates the SQLite file if needed)."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url, revision)
    console.print(f"[green]Database at revision {revision}.[/]")


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
) -> None:
    """Downgrade the database schema."""
    migrate.downgrade(get_settings().resolved_database_url, revision)
    console.print(f"[yellow]Database downgraded to {revision}.[/]")
