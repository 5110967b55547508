"""``maitre doctor``: check the installation and say how to fix what is missing."""

from __future__ import annotations

import typer
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from rich.table import Table
from sqlalchemy import text

from maitre.agent.llm import endpoint_status
from maitre.bootstrap import Runtime
from maitre.cli.common import console, runtime
from maitre.config import Settings
from maitre.db.migrate import alembic_config
from maitre.db.session import unit_of_work
from maitre.ml import registry

DEFAULT_MODELS = ("nlu",)


def _model_checks(rt: Runtime) -> list[tuple[str, bool, str]]:
    """One row per default model: is a version active and are its files on disk."""
    rows: list[tuple[str, bool, str]] = []
    with rt.sessionmaker() as session:
        for name in DEFAULT_MODELS:
            mv = registry.get_active(session=session, name=name)
            if mv is None:
                rows.append(
                    (
                        f"model {name}",
                        False,
                        "no active version: run `maitre models train-defaults`",
                    )
                )
            elif not registry.absolute_path(rt.settings.models_dir, mv).exists():
                rows.append(
                    (
                        f"model {name}",
                        False,
                        f"v{mv.version} files missing: run `maitre models train-defaults`",
                    )
                )
            else:
                rows.append((f"model {name}", True, f"v{mv.version} active"))
    return rows


def _effective(rt: Runtime) -> Settings:
    """Return the settings with what an admin saved on the settings page (the LLM endpoint)."""
    from maitre.runtime_settings import service as runtime_settings

    with unit_of_work(rt.sessionmaker) as session:
        return runtime_settings.effective(session=session, base=rt.settings)


def doctor() -> None:
    """Check the database, migrations, queue, models and LLM endpoint; exit 1 if one is wrong."""
    checks: list[tuple[str, bool, str]] = []
    with runtime() as rt:
        llm_settings = rt.settings
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
            if ok:
                checks.extend(_model_checks(rt))
                llm_settings = _effective(rt)
        except Exception as exc:  # doctor reports every failure instead of raising
            checks.append(
                (
                    "database",
                    False,
                    f"{type(exc).__name__}: {str(exc).splitlines()[0]}. "
                    "Check MAITRE_DATABASE_URL or run `maitre db upgrade`.",
                )
            )
        checks.extend(rt.queue.checks())
        checks.append(("llm", *endpoint_status(llm_settings)))
    table = Table("check", "status", "detail")
    for name, ok, detail in checks:
        table.add_row(name, "[green]ok[/]" if ok else "[red]FAIL[/]", detail)
    console.print(table)
    if not all(ok for _, ok, _ in checks):
        raise typer.Exit(1)
