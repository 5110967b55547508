"""Analytics endpoints: a customer's profile and the segment overview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from maitre.analytics import service
from maitre.analytics.schemas import ProfileRead, SegmentsRead
from maitre.api.deps import SessionDep, require
from maitre.common.ids import IdPath
from maitre.users.service import Principal

router = APIRouter(tags=["analytics"])
Reader = Annotated[Principal, Depends(require("analytics:read"))]


@router.get("/customers/{customer_id}/profile", response_model=ProfileRead)
def get_profile(customer_id: IdPath, session: SessionDep, _: Reader) -> ProfileRead:
    return service.profile(session=session, customer_id=customer_id)


@router.get("/segments", response_model=SegmentsRead)
def list_segments(session: SessionDep, _: Reader) -> SegmentsRead:
    return service.segments(session=session)
