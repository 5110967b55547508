"""Export endpoints: stream every customer, product or order as CSV or JSON Lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from maitre.api.deps import require
from maitre.errors import PermissionDenied
from maitre.exports.service import MEDIA_TYPES, ExportFormat, render
from maitre.imports.models import Entity
from maitre.users.roles import allows
from maitre.users.service import Principal

router = APIRouter(prefix="/exports", tags=["exports"])
Reader = Annotated[Principal, Depends(require("exports:read"))]


@router.get(
    "/{entity}",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}, "application/x-ndjson": {}},
            "description": "The export, streamed.",
        }
    },
)
def export(
    entity: Entity,
    request: Request,
    who: Reader,
    format: Annotated[ExportFormat, Query(description="csv or jsonl.")] = ExportFormat.CSV,
) -> StreamingResponse:
    """Stream all ``entity`` records; CSV columns are the API field names (re-importable)."""
    if not allows(who.role, f"{entity.value}:read"):
        raise PermissionDenied(f"Role {who.role.value!r} may not read {entity.value}.")
    factory: sessionmaker[Session] = request.app.state.sessionmaker

    def body() -> Iterator[str]:
        # Its own session: the request's closes before the response streams.
        with factory() as session:
            yield from render(session=session, entity=entity, fmt=format)

    suffix = "csv" if format is ExportFormat.CSV else "jsonl"
    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{entity.value}.{suffix}"'},
    )
