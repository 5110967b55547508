"""``maitre models``: the model registry — list, activate, roll back, train the defaults."""

from __future__ import annotations

import typer
from rich.table import Table

from maitre.cli.common import console, fail, runtime, session_scope
from maitre.errors import MaitreError

app = typer.Typer(help="The model registry: versions, activation, rollback.", no_args_is_help=True)


def _metric(metrics: dict[str, object]) -> str:
    validation = metrics.get("validation")
    if isinstance(validation, dict) and "accuracy" in validation:
        return f"val acc {float(validation['accuracy']):.3f}"
    for key in ("accuracy", "roc_auc", "ndcg_at_10", "purchases_mae"):
        if key in metrics:
            return f"{key} {metrics[key]}"
    return ""


@app.command("list")
def list_(name: str | None = typer.Argument(None, help="Only this model (e.g. nlu).")) -> None:
    """List registered versions, newest first; * marks the active one."""
    from maitre.ml import registry

    with session_scope() as session:
        table = Table("", "model", "version", "created", "data", "metrics", "by")
        for mv in registry.list_(session=session, name=name):
            table.add_row(
                "*" if mv.is_active else "",
                mv.name,
                f"v{mv.version}",
                f"{mv.created_at:%Y-%m-%d %H:%M}",
                mv.data_hash[:10],
                _metric(mv.metrics),
                mv.created_by,
            )
        console.print(table)


@app.command("activate")
def activate(
    name: str = typer.Argument(..., help="Model name, e.g. nlu."),
    version: str = typer.Argument(..., help="Version number (3 or v3)."),
) -> None:
    """Serve VERSION of NAME; running servers pick it up on their next request."""
    from maitre.config import get_settings
    from maitre.ml import registry

    number = version.lower().lstrip("v")
    if not number.isdigit() or int(number) < 1:
        fail(f"version must be a number like 3 or v3, not {version!r}")
    with session_scope() as session:
        mv = registry.activate(
            session=session, models_dir=get_settings().models_dir, name=name, version=int(number)
        )
        console.print(f"[green]{mv.name} v{mv.version} is now active.[/]")


@app.command("rollback")
def rollback(name: str = typer.Argument(..., help="Model name, e.g. nlu.")) -> None:
    """Activate the version before the active one."""
    from maitre.config import get_settings
    from maitre.ml import registry

    with session_scope() as session:
        mv = registry.rollback(session=session, models_dir=get_settings().models_dir, name=name)
        console.print(f"[yellow]{mv.name} rolled back to v{mv.version}.[/]")


@app.command("train-defaults")
def train_defaults(
    if_missing: bool = typer.Option(
        False, "--if-missing", help="Only models that have no active version yet."
    ),
    only: list[str] = typer.Option([], "--only", help="Train only these models."),
) -> None:
    """Train the default models (NLU, and whatever else is registered) from shipped/CRM data."""
    from maitre.db.session import unit_of_work
    from maitre.ml import registry
    from maitre.ml.defaults import DEFAULT_TRAINERS

    known = {d.name for d in DEFAULT_TRAINERS}
    for name in only:
        if name not in known:
            fail(f"no default model {name!r}; known: {', '.join(sorted(known))}")
    with runtime() as rt:
        for default in DEFAULT_TRAINERS:
            if only and default.name not in only:
                continue
            if if_missing:
                with unit_of_work(rt.sessionmaker) as session:
                    active = registry.get_active(session=session, name=default.name)
                if active is not None:
                    console.print(f"[dim]{default.name}: v{active.version} is active, skipped.[/]")
                    continue
            try:
                with console.status(f"Training {default.name}: {default.description}…") as status:

                    def echo(fraction: float, message: str, name: str = default.name) -> None:
                        status.update(f"Training {name}: {message} ({fraction:.0%})")

                    summary = default.trainer()(rt, echo)
            except MaitreError as exc:
                fail(f"{default.name}: {exc}")
                return
            console.print(f"[green]{default.name}: trained {summary}.[/]")
