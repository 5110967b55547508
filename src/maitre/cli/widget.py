"""``maitre widget``: signed customer tokens for the chat widget."""

from __future__ import annotations

import typer

from maitre.cli.common import console, session_scope
from maitre.config import get_settings
from maitre.conversations import widget_tokens
from maitre.customers import service as customers

app = typer.Typer(help="The chat widget.", no_args_is_help=True)


@app.command("token")
def token(
    customer_id: int = typer.Option(..., min=1, help="The logged-in customer the token names."),
    ttl_seconds: int = typer.Option(3600, min=60, help="How long the token stays valid."),
) -> None:
    """Print a signed token that identifies a customer to the widget (shown once)."""
    with session_scope() as session:
        customers.get(session=session, customer_id=customer_id)
        facts, signed = widget_tokens.issue(
            settings=get_settings(), customer_id=customer_id, ttl_seconds=ttl_seconds
        )
    until = f"{facts.expires_at:%Y-%m-%d %H:%M}"
    console.print(
        f"[dim]Token for customer {facts.customer_id}, valid until {until} UTC:[/]",
        highlight=False,
    )
    typer.echo(signed)
