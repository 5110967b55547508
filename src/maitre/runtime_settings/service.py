"""Read and change the admin overrides; merge them over the environment's settings."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from maitre.common.crypto import DecryptionFailed, decrypt_field, encrypt_field
from maitre.config import Settings
from maitre.errors import Conflict, FieldError, ValidationFailed
from maitre.runtime_settings import fields
from maitre.runtime_settings.fields import FIELDS, Section
from maitre.runtime_settings.models import RuntimeSetting

log = logging.getLogger("maitre.runtime_settings")


@dataclass(frozen=True)
class SettingState:
    """One overridable key as an admin sees it; secrets show only whether they are set."""

    key: str
    section: Section
    secret: bool
    value: Any  # effective value in JSON form; None for a secret
    default: Any  # the environment's value in JSON form; None for a secret
    overridden: bool
    is_set: bool  # the effective value is not empty
    unreadable: bool  # an override is stored but cannot be read (secret key rotated, …)
    updated_by: str | None
    updated_at: datetime | None


def _load(key: str, stored: Any, base: Settings) -> Any:
    """Return a stored override as the Settings field's type; raise ValueError if unreadable."""
    spec = FIELDS.get(key)
    if spec is None:
        raise ValueError(f"{key!r} is not an overridable setting")
    if spec.secret:
        try:
            plain = decrypt_field(secret=base.resolved_secret_key(), token=str(stored))
        except DecryptionFailed as exc:
            raise ValueError(str(exc)) from exc
        return SecretStr(plain)
    return fields.from_json(key, stored)


def _merge(rows: Sequence[tuple[str, Any]], base: Settings) -> tuple[dict[str, Any], set[str]]:
    """Return the readable overrides by key, and the keys whose stored value is unreadable."""
    update: dict[str, Any] = {}
    unreadable: set[str] = set()
    for key, stored in rows:
        try:
            update[key] = _load(key, stored, base)
        except ValueError as exc:  # includes pydantic's ValidationError
            unreadable.add(key)
            log.warning("settings.runtime.unreadable", extra={"key": key, "error": str(exc)})
    return update, unreadable


def effective(*, session: Session, base: Settings) -> Settings:
    """Return ``base`` (the environment's settings) with the admin overrides applied."""
    rows = session.execute(select(RuntimeSetting.key, RuntimeSetting.value)).all()
    if not rows:
        return base
    update, _ = _merge(rows, base)
    return base.model_copy(update=update) if update else base


def _shown(key: str, value: Any) -> Any:
    return None if FIELDS[key].secret else fields.to_json(key, value)


def _filled(value: Any) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return value not in ("", None, [])


def list_(*, session: Session, base: Settings) -> list[SettingState]:
    """Return every overridable key: effective value, default, and who last changed it."""
    rows = {row.key: row for row in session.scalars(select(RuntimeSetting))}
    update, unreadable = _merge([(k, r.value) for k, r in rows.items()], base)
    states = []
    for key, spec in FIELDS.items():
        value = update.get(key, getattr(base, key))
        row = rows.get(key)
        states.append(
            SettingState(
                key=key,
                section=spec.section,
                secret=spec.secret,
                value=_shown(key, value),
                default=_shown(key, getattr(base, key)),
                overridden=key in update,
                is_set=_filled(value),
                unreadable=key in unreadable,
                updated_by=row.updated_by if row else None,
                updated_at=row.updated_at if row else None,
            )
        )
    return states


def _message(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        return str(exc.errors()[0]["msg"])
    return str(exc)


def _check(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return the changes validated (None kept: it resets); raise ValidationFailed listing all."""
    checked: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, value in changes.items():
        if key not in FIELDS:
            errors.append(
                FieldError(["body", key], "Not a setting an administrator may change.", "extra")
            )
        elif value is None:
            checked[key] = None
        else:
            try:
                checked[key] = fields.validate(key, value)
            except ValueError as exc:
                errors.append(FieldError(["body", key], _message(exc)))
    if errors:
        names = ", ".join(str(e.loc[-1]) for e in errors)
        raise ValidationFailed(f"Invalid settings: {names}.", errors=errors)
    return checked


def _same(key: str, old: Any, new: Any) -> bool:
    if isinstance(old, SecretStr) and isinstance(new, SecretStr):
        return old.get_secret_value() == new.get_secret_value()
    return bool(fields.to_json(key, old) == fields.to_json(key, new))


def update(
    *, session: Session, base: Settings, changes: Mapping[str, Any], actor: str
) -> list[str]:
    """Set or (value None) reset overrides; return the keys that changed (flushes)."""
    checked = _check(changes)
    rows = {
        row.key: row
        for row in session.scalars(select(RuntimeSetting).where(RuntimeSetting.key.in_(checked)))
    }
    current, _ = _merge([(k, r.value) for k, r in rows.items()], base)
    changed: list[str] = []
    for key, value in checked.items():
        row = rows.get(key)
        if value is None:
            if row is not None:
                session.delete(row)
                changed.append(key)
            continue
        # Saving the value already in force changes nothing (an unreadable override is replaced).
        readable = key in current or row is None
        if readable and _same(key, current.get(key, getattr(base, key)), value):
            continue
        stored = (
            encrypt_field(secret=base.resolved_secret_key(), plaintext=value.get_secret_value())
            if FIELDS[key].secret
            else fields.to_json(key, value)
        )
        if row is None:
            session.add(RuntimeSetting(key=key, value=stored, updated_by=actor))
        else:
            row.value, row.updated_by = stored, actor
        changed.append(key)
    try:
        session.flush()
    except IntegrityError as exc:  # two admins saving the same new key at once
        raise Conflict("Settings were changed at the same time; reload and try again.") from exc
    if changed:
        log.info("settings.runtime.updated", extra={"keys": changed, "actor": actor})
    return changed


def reset_section(*, session: Session, base: Settings, section: Section, actor: str) -> list[str]:
    """Remove every override of one page section; return the keys that were overridden."""
    keys = {key: None for key, spec in FIELDS.items() if spec.section is section}
    return update(session=session, base=base, changes=keys, actor=actor)
