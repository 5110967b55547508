"""Runtime settings (admin only): read the LLM endpoint and business rules in force, change them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import SecretStr

from maitre.api.deps import SessionDep, SettingsDep, actor_name, require
from maitre.runtime_settings import service
from maitre.runtime_settings.schemas import (
    RuntimeSettingRead,
    RuntimeSettingsPatch,
    RuntimeSettingsRead,
)
from maitre.users.service import Principal

router = APIRouter(prefix="/settings/runtime", tags=["settings"])
Admin = Annotated[Principal, Depends(require("settings:write"))]


def _read(session: SessionDep, settings: SettingsDep) -> RuntimeSettingsRead:
    states = service.list_(session=session, base=settings)
    return RuntimeSettingsRead(
        items=[RuntimeSettingRead.model_validate(s, from_attributes=True) for s in states]
    )


@router.get("", response_model=RuntimeSettingsRead)
def get_runtime_settings(
    session: SessionDep, settings: SettingsDep, _: Admin
) -> RuntimeSettingsRead:
    return _read(session, settings)


@router.patch("", response_model=RuntimeSettingsRead)
def patch_runtime_settings(
    body: RuntimeSettingsPatch, session: SessionDep, settings: SettingsDep, who: Admin
) -> RuntimeSettingsRead:
    """Change the given keys; ``null`` resets a key to the environment's value."""
    changes: dict[str, Any] = {}
    for key in body.model_fields_set:
        value = getattr(body, key)
        changes[key] = value.get_secret_value() if isinstance(value, SecretStr) else value
    service.update(session=session, base=settings, changes=changes, actor=actor_name(who))
    return _read(session, settings)
