"""Model registry endpoints: list versions, activate, roll back, follow training runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from maitre.api.deps import SessionDep, SettingsDep, require
from maitre.common.ids import IdPath
from maitre.errors import NotFound
from maitre.ml import registry, runs
from maitre.ml.registry_schemas import ActivateRequest, ModelVersionRead, TrainingRunRead
from maitre.users.service import Principal

router = APIRouter(tags=["models"])
Reader = Annotated[Principal, Depends(require("models:read"))]
Writer = Annotated[Principal, Depends(require("models:write"))]
ModelName = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9_-]+$")]


@router.get("/models", response_model=list[ModelVersionRead])
def list_versions(
    session: SessionDep,
    _: Reader,
    name: Annotated[str | None, Query(max_length=60)] = None,
) -> list[ModelVersionRead]:
    return [ModelVersionRead.model_validate(v) for v in registry.list_(session=session, name=name)]


@router.get("/models/{name}/active", response_model=ModelVersionRead)
def get_active(name: ModelName, session: SessionDep, _: Reader) -> ModelVersionRead:
    mv = registry.get_active(session=session, name=name)
    if mv is None:
        raise NotFound(f"Model {name!r} has no active version.")
    return ModelVersionRead.model_validate(mv)


@router.post("/models/{name}/activate", response_model=ModelVersionRead)
def activate(
    name: ModelName, body: ActivateRequest, session: SessionDep, settings: SettingsDep, _: Writer
) -> ModelVersionRead:
    mv = registry.activate(
        session=session, models_dir=settings.models_dir, name=name, version=body.version
    )
    return ModelVersionRead.model_validate(mv)


@router.post("/models/{name}/rollback", response_model=ModelVersionRead)
def rollback(
    name: ModelName, session: SessionDep, settings: SettingsDep, _: Writer
) -> ModelVersionRead:
    mv = registry.rollback(session=session, models_dir=settings.models_dir, name=name)
    return ModelVersionRead.model_validate(mv)


@router.get("/training-runs", response_model=list[TrainingRunRead])
def list_runs(
    session: SessionDep,
    _: Reader,
    model: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[TrainingRunRead]:
    found = runs.list_(session=session, model_name=model, limit=limit)
    return [TrainingRunRead.model_validate(r) for r in found]


@router.get("/training-runs/{run_id}", response_model=TrainingRunRead)
def get_run(run_id: IdPath, session: SessionDep, _: Reader) -> TrainingRunRead:
    return TrainingRunRead.model_validate(runs.get(session=session, run_id=run_id))
