"""Saved segment endpoints: CRUD, live members, CSV export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from maitre.analytics import saved
from maitre.analytics.saved_schemas import (
    MemberPage,
    SavedSegmentCreate,
    SavedSegmentPage,
    SavedSegmentRead,
    SavedSegmentUpdate,
)
from maitre.api.deps import SessionDep, actor_name, require
from maitre.common.ids import IdPath
from maitre.users.service import Principal

router = APIRouter(prefix="/segments/saved", tags=["segments"])
Reader = Annotated[Principal, Depends(require("analytics:read"))]
Writer = Annotated[Principal, Depends(require("campaigns:write"))]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("", response_model=SavedSegmentPage)
def list_saved(
    session: SessionDep, _: Reader, limit: Limit = 50, offset: Offset = 0
) -> SavedSegmentPage:
    found, total = saved.list_(session=session, limit=limit, offset=offset)
    items = [SavedSegmentRead.model_validate(s) for s in found]
    return SavedSegmentPage(items=items, total=total, limit=limit, offset=offset)


@router.post("", response_model=SavedSegmentRead, status_code=status.HTTP_201_CREATED)
def create_saved(body: SavedSegmentCreate, session: SessionDep, who: Writer) -> SavedSegmentRead:
    segment = saved.create(session=session, data=body, actor=actor_name(who))
    return SavedSegmentRead.model_validate(segment)


@router.get("/{segment_id}", response_model=SavedSegmentRead)
def get_saved(segment_id: IdPath, session: SessionDep, _: Reader) -> SavedSegmentRead:
    return SavedSegmentRead.model_validate(saved.get(session=session, segment_id=segment_id))


@router.patch("/{segment_id}", response_model=SavedSegmentRead)
def update_saved(
    segment_id: IdPath, body: SavedSegmentUpdate, session: SessionDep, _: Writer
) -> SavedSegmentRead:
    segment = saved.update(session=session, segment_id=segment_id, data=body)
    return SavedSegmentRead.model_validate(segment)


@router.delete("/{segment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_saved(segment_id: IdPath, session: SessionDep, _: Writer) -> Response:
    saved.delete(session=session, segment_id=segment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{segment_id}/customers", response_model=MemberPage)
def segment_customers(
    segment_id: IdPath, session: SessionDep, _: Reader, limit: Limit = 50, offset: Offset = 0
) -> MemberPage:
    """The customers matching the segment's rule now."""
    return saved.members(session=session, segment_id=segment_id, limit=limit, offset=offset)


@router.get(
    "/{segment_id}/customers.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_segment(segment_id: IdPath, session: SessionDep, _: Reader) -> Response:
    """The segment's current members as CSV."""
    body = "".join(saved.export_csv(session=session, segment_id=segment_id))
    headers = {"Content-Disposition": f'attachment; filename="segment-{segment_id}.csv"'}
    return Response(content=body, media_type="text/csv", headers=headers)
