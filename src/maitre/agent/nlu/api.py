"""NLU endpoints: parse, intents and examples, the review queue, training."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from maitre.agent.nlu import service
from maitre.agent.nlu.models import ReviewReason, ReviewStatus
from maitre.agent.nlu.schemas import (
    ExampleCreate,
    ExamplePage,
    ExampleRead,
    IntentRead,
    ParseRequest,
    ParseResponse,
    ReviewCreate,
    ReviewLabel,
    ReviewPage,
    ReviewRead,
    TrainRequest,
)
from maitre.agent.nlu.serving import server_for
from maitre.agent.nlu.tasks import TRAIN
from maitre.api.deps import PageDep, SessionDep, SettingsDep, actor_name, require
from maitre.common.ids import IdPath
from maitre.db.session import unit_of_work
from maitre.errors import Conflict
from maitre.ml import runs
from maitre.ml.registry_schemas import TrainingRunRead
from maitre.users.service import Principal

router = APIRouter(prefix="/nlu", tags=["nlu"])
# A run queued or running for longer than this is presumed lost (a worker died) and no longer
# blocks a new one.
STALE_RUN = timedelta(hours=2)
Reader = Annotated[Principal, Depends(require("nlu:read"))]
Writer = Annotated[Principal, Depends(require("nlu:write"))]


@router.post("/parse", response_model=ParseResponse)
def parse(body: ParseRequest, request: Request, settings: SettingsDep, _: Reader) -> dict[str, Any]:
    """Return the intent (or ``out_of_scope``), its confidence, the ranking and the entities."""
    # Parsing only reads (which version is active), so it uses a plain read session instead of
    # the write transaction every POST gets: parses never queue behind writers, or block them.
    factory = request.app.state.sessionmaker
    with factory() as session:
        result = service.parse(
            session=session, server=server_for(settings), text=body.text, expected=body.expected
        )
        session.rollback()
    return result.to_dict()


@router.get("/intents", response_model=list[IntentRead])
def list_intents(session: SessionDep, _: Reader) -> list[IntentRead]:
    return [
        IntentRead(name=i.name, description=i.description, builtin=i.builtin, examples=i.examples)
        for i in service.list_intents(session=session)
    ]


@router.get("/examples", response_model=ExamplePage)
def list_examples(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    intent: Annotated[str | None, Query(max_length=100)] = None,
    language: Annotated[str | None, Query(max_length=10)] = None,
) -> ExamplePage:
    result = service.list_examples(session=session, params=page, intent=intent, language=language)
    return result.serve(ExamplePage, ExampleRead.model_validate)


@router.post("/examples", response_model=ExampleRead, status_code=status.HTTP_201_CREATED)
def create_example(body: ExampleCreate, session: SessionDep, who: Writer) -> ExampleRead:
    example = service.create_example(
        session=session,
        intent=body.intent,
        text=body.text,
        language=body.language,
        actor=actor_name(who),
    )
    return ExampleRead.model_validate(example)


@router.delete("/examples/{example_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_example(example_id: IdPath, session: SessionDep, _: Writer) -> Response:
    service.delete_example(session=session, example_id=example_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/review", response_model=ReviewPage)
def list_review(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    status_: Annotated[ReviewStatus | None, Query(alias="status")] = ReviewStatus.PENDING,
    reason: ReviewReason | None = None,
) -> ReviewPage:
    """Return the review queue: utterances with low confidence, out of scope or handed off."""
    result = service.list_reviews(session=session, params=page, status=status_, reason=reason)
    return result.serve(ReviewPage, ReviewRead.model_validate)


@router.post("/review", response_model=ReviewRead, status_code=status.HTTP_201_CREATED)
def create_review(body: ReviewCreate, session: SessionDep, _: Writer) -> ReviewRead:
    item = service.enqueue_review(
        session=session, text=body.text, reason=body.reason, conversation_id=body.conversation_id
    )
    return ReviewRead.model_validate(item)


@router.post("/review/{item_id}/label", response_model=ReviewRead)
def label_review(
    item_id: IdPath, body: ReviewLabel, session: SessionDep, who: Writer
) -> ReviewRead:
    item = service.label_review(
        session=session, item_id=item_id, intent=body.intent, actor=actor_name(who)
    )
    return ReviewRead.model_validate(item)


@router.post("/review/{item_id}/dismiss", response_model=ReviewRead)
def dismiss_review(item_id: IdPath, session: SessionDep, who: Writer) -> ReviewRead:
    item = service.dismiss_review(session=session, item_id=item_id, actor=actor_name(who))
    return ReviewRead.model_validate(item)


@router.post("/train", response_model=TrainingRunRead, status_code=status.HTTP_202_ACCEPTED)
def train(
    body: TrainRequest, request: Request, settings: SettingsDep, who: Writer
) -> TrainingRunRead:
    """Queue a training run on the shipped and user examples; follow it at /training-runs/{id}."""
    factory = request.app.state.sessionmaker
    # Committed before enqueueing, so a worker (or the inline queue) finds the run.
    with unit_of_work(factory) as session:
        busy = runs.in_progress(session=session, model_name="nlu", within=STALE_RUN)
        if busy is not None:
            raise Conflict(
                f"Training run {busy.id} is already {busy.status}; "
                f"follow it at /api/v1/training-runs/{busy.id}."
            )
        run = runs.create(
            session=session, model_name="nlu", params=body.model_dump(), actor=actor_name(who)
        )
        run_id = run.id
    request.app.state.runtime.queue.enqueue(TRAIN, run_id)
    with unit_of_work(factory) as session:
        return TrainingRunRead.model_validate(runs.get(session=session, run_id=run_id))
