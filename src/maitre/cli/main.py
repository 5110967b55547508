"""The ``maitre`` command: one Typer app per topic, assembled here."""

from __future__ import annotations

import os

import typer

from maitre.cli import (
    agent,
    analytics,
    churn,
    clv,
    db,
    demo,
    doctor,
    io,
    kb,
    models,
    nlu,
    recs,
    serve,
    users,
    widget,
    worker,
)

app = typer.Typer(
    name="maitre",
    help="Maitre, the self-hosted AI CRM.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db.app, name="db")
app.add_typer(agent.app, name="agent")
app.add_typer(analytics.app, name="analytics")
app.add_typer(churn.app, name="churn")
app.add_typer(clv.app, name="clv")
app.add_typer(recs.app, name="recs")
app.add_typer(demo.app, name="demo")
app.add_typer(kb.app, name="kb")
app.add_typer(nlu.app, name="nlu")
app.add_typer(models.app, name="models")
app.add_typer(users.user_app, name="user")
app.add_typer(users.apikey_app, name="apikey")
app.add_typer(widget.app, name="widget")
app.command("serve")(serve.serve)
app.command("doctor")(doctor.doctor)
app.command("worker")(worker.worker)
app.command("import")(io.import_)
app.command("export")(io.export)


def main() -> None:
    """Entry point of the ``maitre`` script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()
