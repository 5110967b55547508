"""Analytics endpoints: profiles, segments, churn risk, the bias check and score refreshes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from maitre.analytics import scores, service
from maitre.analytics.schemas import BiasRead, ChurnRiskPage, ProfileRead, SegmentsRead
from maitre.api.deps import PrincipalDep, SessionDep, actor_name, require
from maitre.common.ids import IdPath
from maitre.db.session import unit_of_work
from maitre.errors import NotFound, PermissionDenied
from maitre.jobs import analytics as jobs
from maitre.ml import runs
from maitre.ml.registry_schemas import TrainingRunRead
from maitre.users.roles import Role
from maitre.users.service import Principal

router = APIRouter(tags=["analytics"])
Reader = Annotated[Principal, Depends(require("analytics:read"))]
REFRESH_ROLES = (Role.ADMIN, Role.ANALYST)


def _refresher(principal: PrincipalDep) -> Principal:
    if principal.role not in REFRESH_ROLES:
        raise PermissionDenied(f"Role {principal.role.value!r} may not refresh analytics.")
    return principal


Refresher = Annotated[Principal, Depends(_refresher)]


@router.get("/customers/{customer_id}/profile", response_model=ProfileRead)
def get_profile(customer_id: IdPath, session: SessionDep, _: Reader) -> ProfileRead:
    return service.profile(session=session, customer_id=customer_id)


@router.get("/segments", response_model=SegmentsRead)
def list_segments(session: SessionDep, _: Reader) -> SegmentsRead:
    return service.segments(session=session)


@router.get("/analytics/churn-risk", response_model=ChurnRiskPage)
def churn_risk(
    session: SessionDep,
    _: Reader,
    min_probability: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    segment: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ChurnRiskPage:
    """Scored customers at or above ``min_probability``, riskiest first (from the last refresh)."""
    return scores.list_churn_risk(
        session=session,
        min_probability=min_probability,
        segment=segment,
        limit=limit,
        offset=offset,
    )


@router.get("/analytics/bias", response_model=BiasRead)
def churn_bias(session: SessionDep, _: Reader) -> BiasRead:
    """The active churn model's held-out metrics per language, country and segment."""
    return scores.bias(session=session)


@router.post(
    "/analytics/refresh", response_model=TrainingRunRead, status_code=status.HTTP_202_ACCEPTED
)
def refresh(request: Request, who: Refresher) -> TrainingRunRead:
    """Queue a refresh of every customer's scores; follow it at /analytics/refresh/{id}."""
    factory = request.app.state.sessionmaker
    # Committed before enqueueing, so a worker (or the inline queue) finds the run.
    with unit_of_work(factory) as session:
        run_id = jobs.request_refresh(session=session, actor=actor_name(who))
    request.app.state.runtime.queue.enqueue(jobs.REFRESH, run_id)
    with unit_of_work(factory) as session:
        return TrainingRunRead.model_validate(runs.get(session=session, run_id=run_id))


@router.get("/analytics/refresh/{job_id}", response_model=TrainingRunRead)
def refresh_status(job_id: IdPath, session: SessionDep, _: Reader) -> TrainingRunRead:
    run = runs.get(session=session, run_id=job_id)
    if run.model_name != jobs.RUN_NAME:
        raise NotFound(f"Refresh {job_id} not found.")
    return TrainingRunRead.model_validate(run)
