"""The customer 360 endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from maitre.api.deps import SessionDep, require
from maitre.common.ids import IdPath
from maitre.timeline import view
from maitre.timeline.schemas import Customer360
from maitre.users.service import Principal

router = APIRouter(tags=["customers"])
Reader = Annotated[Principal, Depends(require("customers:read"))]


@router.get("/customers/{customer_id}/timeline", response_model=Customer360)
def customer_timeline(
    customer_id: IdPath,
    session: SessionDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Customer360:
    return view.customer_360(session=session, customer_id=customer_id, limit=limit)
