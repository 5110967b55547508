"""Live updates over server-sent events: the staff inbox stream and one conversation's stream."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from maitre.api.deps import SessionDep, SettingsDep, require
from maitre.common.ids import MAX_ID, IdPath
from maitre.conversations import access, stream
from maitre.conversations.live import broker_for
from maitre.users.service import Principal

router = APIRouter(prefix="/conversations", tags=["conversations"])
Viewer = Annotated[Principal, Depends(access.viewer())]
StaffReader = Annotated[Principal, Depends(require("conversations:read"))]
After = Annotated[
    int | None,
    Query(ge=0, le=MAX_ID, description="Send messages after this id (default: only new ones)."),
]
Timeout = Annotated[
    float, Query(gt=0, le=300, description="Seconds before the stream ends (clients reconnect).")
]
Limit = Annotated[int | None, Query(ge=1, le=1000, description="End after this many events.")]
LastEventId = Annotated[str | None, Header(max_length=20, include_in_schema=False)]
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "A stream of SSE frames."}
}


def _resume_from(after: int | None, last_event_id: str | None) -> int | None:
    if last_event_id and last_event_id.isascii() and last_event_id.isdigit():
        return min(int(last_event_id), MAX_ID)
    return after


def _respond(
    request: Request,
    settings: SettingsDep,
    scope: stream.StreamScope,
    timeout: float,
    limit: int | None,
) -> StreamingResponse:
    frames = stream.events(
        factory=request.app.state.sessionmaker,
        broker=broker_for(request.app.state),
        scope=scope,
        poll_s=settings.live_poll_s,
        timeout_s=timeout,
        limit=limit,
    )
    return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/stream", response_class=StreamingResponse, responses=SSE_DOC)
def inbox_stream(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: StaffReader,
    after: After = None,
    timeout: Timeout = 60.0,
    limit: Limit = None,
    last_event_id: LastEventId = None,
) -> StreamingResponse:
    scope = stream.scope_for(
        session=session,
        conversation_id=None,
        public=False,
        requested_after=_resume_from(after, last_event_id),
    )
    return _respond(request, settings, scope, timeout, limit)


@router.get("/{conversation_id}/events", response_class=StreamingResponse, responses=SSE_DOC)
def conversation_stream(
    conversation_id: IdPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: Viewer,
    after: After = None,
    timeout: Timeout = 60.0,
    limit: Limit = None,
    last_event_id: LastEventId = None,
) -> StreamingResponse:
    access.visible(session=session, principal=who, conversation_id=conversation_id)
    scope = stream.scope_for(
        session=session,
        conversation_id=conversation_id,
        public=access.is_widget(who),
        requested_after=_resume_from(after, last_event_id),
    )
    return _respond(request, settings, scope, timeout, limit)
