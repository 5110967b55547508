"""Content flags (admin only): text in tickets and notes that tries to instruct the assistant."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from maitre.api.deps import PageDep, SessionDep, actor_name, require
from maitre.common.ids import IdPath, IdQuery
from maitre.safety import service
from maitre.safety.models import FlagStatus
from maitre.safety.schemas import FlagPage, FlagRead, FlagReview
from maitre.users.service import Principal

router = APIRouter(prefix="/safety", tags=["safety"])
Reader = Annotated[Principal, Depends(require("safety:read"))]
Writer = Annotated[Principal, Depends(require("safety:write"))]


@router.get("/flags", response_model=FlagPage)
def list_flags(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    status: FlagStatus | None = None,
    subject_type: Literal["ticket", "note"] | None = None,
    customer_id: IdQuery = None,
    kind: Annotated[str | None, Query(max_length=60)] = None,
) -> FlagPage:
    filters = service.FlagFilter(
        status=status, subject_type=subject_type, customer_id=customer_id, kind=kind
    )
    result = service.list_(session=session, filters=filters, params=page)
    return result.serve(FlagPage, FlagRead.model_validate)


@router.post("/flags/{flag_id}/review", response_model=FlagRead)
def review_flag(
    flag_id: IdPath, body: FlagReview, session: SessionDep, principal: Writer
) -> FlagRead:
    flag = service.review(
        session=session,
        flag_id=flag_id,
        status=FlagStatus(body.status),
        actor=actor_name(principal),
    )
    return FlagRead.model_validate(flag)
