"""Recommendation endpoint: products for a customer, each with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from maitre.api.deps import SessionDep, SettingsDep, require
from maitre.common.ids import IdPath
from maitre.recommendations import service
from maitre.recommendations.schemas import RecommendationList, RecommendationRead
from maitre.users.service import Principal

router = APIRouter(tags=["recommendations"])
Reader = Annotated[Principal, Depends(require("customers:read"))]


@router.get("/customers/{customer_id}/recommendations", response_model=RecommendationList)
def recommendations(
    customer_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 10,
    category: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> RecommendationList:
    """Products the customer may like, best first; never inactive, out of stock or bought."""
    items = service.recommend_for_customer(
        session=session,
        settings=settings,
        customer_id=customer_id,
        limit=limit,
        category=category,
    )
    loaded = service.recs_cache(settings.models_dir).get(session)
    return RecommendationList(
        customer_id=customer_id,
        model_version=loaded[1] if loaded else None,
        items=[RecommendationRead.model_validate(i, from_attributes=True) for i in items],
    )
