"""``maitre user`` and ``maitre apikey``: staff accounts and API keys."""

from __future__ import annotations

import typer
from rich.table import Table

from maitre.cli.common import console, fail, session_scope
from maitre.users import service
from maitre.users.roles import Role

user_app = typer.Typer(help="Staff users.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)


@user_app.command("create")
def create_user(
    email: str = typer.Option(..., help="Login email."),
    name: str = typer.Option("", help="Display name."),
    role: Role = typer.Option(Role.AGENT, help="Role."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create a staff user who can log in to the web UI."""
    if len(password) < 8:
        fail("The password must have at least 8 characters.")
    with session_scope() as session:
        user = service.create_user(
            session=session, email=email, name=name, role=role, password=password
        )
        console.print(f"[green]Created user {user.email} ({user.role}) with id {user.id}.[/]")


@apikey_app.command("create")
def create_key(
    name: str = typer.Option(..., help="What the key is for."),
    role: Role = typer.Option(..., help="Role the key acts as."),
) -> None:
    """Create an API key and print it once; only its hash is stored."""
    with session_scope() as session:
        key, token = service.create_api_key(session=session, name=name, role=role)
        console.print(
            f"[dim]API key {key.id} ({key.role}) '{key.name}' — shown once:[/]", highlight=False
        )
        typer.echo(token)


@apikey_app.command("list")
def list_keys() -> None:
    """List API keys (never their secrets)."""
    with session_scope() as session:
        table = Table("id", "name", "role", "prefix", "created", "last used", "revoked")
        for key in service.list_api_keys(session=session):
            table.add_row(
                str(key.id),
                key.name,
                key.role,
                key.prefix,
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "-",
                "yes" if key.revoked_at else "",
            )
        console.print(table)


@apikey_app.command("revoke")
def revoke_key(key_id: int = typer.Argument(..., help="Key id from `maitre apikey list`.")) -> None:
    """Revoke an API key."""
    with session_scope() as session:
        service.revoke_api_key(session=session, key_id=key_id)
        console.print(f"[yellow]Revoked API key {key_id}.[/]")
