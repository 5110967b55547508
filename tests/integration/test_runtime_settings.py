"""Runtime settings on both backends: overrides merge over the environment, reset, secrets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.config import Settings
from maitre.errors import ValidationFailed
from maitre.runtime_settings import service
from maitre.runtime_settings.models import RuntimeSetting


def _states(session: Session, settings: Settings) -> dict[str, service.SettingState]:
    return {s.key: s for s in service.list_(session=session, base=settings)}


def test_effective_settings_are_the_environment_until_an_admin_overrides(
    session: Session, settings: Settings
) -> None:
    assert service.effective(session=session, base=settings) is settings
    service.update(
        session=session,
        base=settings,
        changes={"return_window_days": 14, "refund_handoff_limit": "75.5"},
        actor="user:admin",
    )
    session.commit()
    merged = service.effective(session=session, base=settings)
    assert merged.return_window_days == 14
    assert merged.refund_handoff_limit == Decimal("75.50")
    assert merged.delivery_estimate_days == settings.delivery_estimate_days
    assert settings.return_window_days == 30  # the environment's object is not changed
    state = _states(session, settings)["return_window_days"]
    assert (state.value, state.default, state.overridden) == (14, 30, True)
    assert state.updated_by == "user:admin" and state.updated_at is not None


def test_null_resets_a_key_to_the_environment_default(session: Session, settings: Settings) -> None:
    service.update(
        session=session, base=settings, changes={"return_window_days": 7}, actor="user:a"
    )
    changed = service.update(
        session=session, base=settings, changes={"return_window_days": None}, actor="user:a"
    )
    assert changed == ["return_window_days"]
    assert service.effective(session=session, base=settings).return_window_days == 30
    assert session.scalars(select(RuntimeSetting)).all() == []
    assert not _states(session, settings)["return_window_days"].overridden


def test_saving_the_value_in_force_stores_nothing(session: Session, settings: Settings) -> None:
    changed = service.update(
        session=session,
        base=settings,
        changes={"return_window_days": "30", "cancel_allowed_statuses": ["pending", "paid"]},
        actor="user:a",
    )
    assert changed == []
    assert session.scalars(select(RuntimeSetting)).all() == []


def test_invalid_and_unknown_keys_are_all_reported_and_nothing_is_stored(
    session: Session, settings: Settings
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.update(
            session=session,
            base=settings,
            changes={"return_window_days": 9999, "secret_key": "x", "delivery_estimate_days": 3},
            actor="user:a",
        )
    assert {e.loc[-1] for e in caught.value.errors} == {"return_window_days", "secret_key"}
    assert session.scalars(select(RuntimeSetting)).all() == []


def test_the_llm_key_is_stored_encrypted_and_shown_only_as_set(
    session: Session, settings: Settings
) -> None:
    service.update(
        session=session,
        base=settings,
        changes={"llm_api_key": "sk-very-secret", "llm_base_url": "http://127.0.0.1:9/v1"},
        actor="user:a",
    )
    session.commit()
    row = session.get(RuntimeSetting, "llm_api_key")
    assert row is not None and "sk-very-secret" not in str(row.value)
    merged = service.effective(session=session, base=settings)
    assert merged.llm_api_key.get_secret_value() == "sk-very-secret"
    assert merged.llm_base_url == "http://127.0.0.1:9/v1"
    state = _states(session, settings)["llm_api_key"]
    assert state.secret and state.is_set and state.value is None and state.default is None


def test_a_key_saved_under_another_secret_key_is_ignored_not_fatal(
    session: Session, settings: Settings
) -> None:
    service.update(
        session=session,
        base=settings,
        changes={"llm_api_key": "sk-old", "return_window_days": 10},
        actor="user:a",
    )
    rotated = settings.model_copy(update={"secret_key": SecretStr("another-secret-key")})
    merged = service.effective(session=session, base=rotated)
    assert merged.llm_api_key.get_secret_value() == ""  # the environment's (empty) key
    assert merged.return_window_days == 10
    state = _states(session, rotated)["llm_api_key"]
    assert state.unreadable and state.overridden is False
    service.update(session=session, base=rotated, changes={"llm_api_key": ""}, actor="user:a")
    assert not _states(session, rotated)["llm_api_key"].unreadable


def test_resetting_a_section_keeps_the_other_section(session: Session, settings: Settings) -> None:
    service.update(
        session=session,
        base=settings,
        changes={"llm_model": "llama3", "return_window_days": 5},
        actor="user:a",
    )
    reset = service.reset_section(
        session=session, base=settings, section=service.Section.LLM, actor="user:a"
    )
    assert reset == ["llm_model"]
    merged = service.effective(session=session, base=settings)
    assert merged.llm_model == settings.llm_model and merged.return_window_days == 5
