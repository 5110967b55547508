"""``maitre kb``: import articles into the knowledge base and try searches."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from maitre.cli.common import console, fail, session_scope

app = typer.Typer(help="The knowledge base the agent answers from.", no_args_is_help=True)
SUFFIXES = (".md", ".markdown", ".html", ".htm", ".pdf", ".txt", ".text")


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            fail(f"{path} does not exist.")
    return found


@app.command("import")
def import_(
    paths: list[Path] = typer.Argument(..., help="Files or folders (.md, .html, .pdf, .txt)."),
) -> None:
    """Import articles; a file imported before (same name) replaces its article."""
    from maitre.kb import embedding, service

    files = _files(paths)
    if not files:
        fail("No .md, .html, .pdf or .txt files found.")
    table = Table("file", "article", "language", "chunks", "status", title="Imported articles")
    embedding.get_encoder()  # wait for it once, so every chunk is stored with its vector
    with session_scope() as session:
        for path in files:
            article, created = service.upsert_by_source(
                session=session, filename=path.name, content=path.read_bytes(), actor="cli"
            )
            chunks = len(service.chunks_of(session=session, article_id=article.id))
            state = "[red]flagged[/]" if article.flagged else ("new" if created else "updated")
            table.add_row(
                path.name, f"#{article.id} {article.title}", article.language, str(chunks), state
            )
    console.print(table)


@app.command("search")
def search(
    query: str = typer.Argument(..., help="The question."),
    language: str | None = typer.Option(None, "--language", "-l", help="'en', 'zh', …"),
    limit: int = typer.Option(5, min=1, max=50, help="How many hits."),
) -> None:
    """Search the knowledge base as the agent does and show the hits with their confidence."""
    from maitre.config import get_settings
    from maitre.kb import embedding, service
    from maitre.runtime_settings import service as runtime_settings

    embedding.get_encoder()
    with session_scope() as session:
        settings = runtime_settings.effective(session=session, base=get_settings())
        hits = service.search(
            session=session, settings=settings, query=query, language=language, limit=limit
        )
    if not hits:
        console.print("[dim]No match.[/]")
        return
    table = Table("#", "article", "confidence", "score", "text", title=f"Search: {query}")
    for rank, hit in enumerate(hits, 1):
        style = "green" if hit.confidence >= settings.kb_min_confidence else "dim"
        text = hit.text if len(hit.text) <= 120 else hit.text[:119] + "…"
        table.add_row(
            str(rank),
            f"#{hit.article_id} {hit.title}",
            f"[{style}]{hit.confidence:.2f}[/]",
            f"{hit.score:.4f}",
            text,
        )
    console.print(table)
    if hits[0].confidence < settings.kb_min_confidence:
        console.print(
            f"[yellow]Best confidence {hits[0].confidence:.2f} is below kb_min_confidence "
            f"{settings.kb_min_confidence:.2f}: the agent would say it does not know.[/]"
        )
