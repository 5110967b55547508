"""Operations on users and API keys. Keys are shown once; only a SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from maitre.db.base import utcnow
from maitre.errors import Conflict, NotFound, Unauthenticated
from maitre.users.models import ApiKey, User
from maitre.users.roles import Role

_hasher = PasswordHasher()
KEY_PREFIX = "mtr"
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key or a logged-in user, with the role that decides access."""

    kind: str  # "api_key" | "user"
    id: int
    name: str
    role: Role
    user_id: int | None = None


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_user(
    *,
    session: Session,
    email: str,
    name: str = "",
    role: Role = Role.AGENT,
    password: str | None = None,
) -> User:
    """Create a staff user; the password, if any, is stored as an argon2 hash."""
    email = email.strip().lower()
    if get_user_by_email(session=session, email=email) is not None:
        raise Conflict(f"A user with email {email} already exists.")
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=_hasher.hash(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user_by_email(*, session: Session, email: str) -> User | None:
    """Return the user with ``email`` (case-insensitive), if any."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def set_password(*, session: Session, user: User, password: str) -> None:
    """Replace a user's password."""
    user.password_hash = _hasher.hash(password)
    session.flush()


def authenticate_user(*, session: Session, email: str, password: str) -> User:
    """Return the active user whose password matches, or raise ``Unauthenticated``."""
    user = get_user_by_email(session=session, email=email)
    if user is None or not user.is_active or not user.password_hash:
        _hasher.hash(password)  # spend the same time as a real check
        raise Unauthenticated("Wrong email or password.")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated("Wrong email or password.") from None
    user.last_login_at = utcnow()
    session.flush()
    return user


def create_api_key(
    *, session: Session, name: str, role: Role, user_id: int | None = None
) -> tuple[ApiKey, str]:
    """Create an API key and return it with its plaintext token (shown once, never stored)."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = f"{KEY_PREFIX}_{prefix}_{secret}"
    key = ApiKey(name=name, prefix=prefix, key_hash=_hash_key(token), role=role, user_id=user_id)
    session.add(key)
    session.flush()
    return key, token


def authenticate_api_key(*, session: Session, token: str) -> ApiKey:
    """Return the live API key for ``token``, or raise ``Unauthenticated``."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise Unauthenticated("Malformed API key.")
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("Unknown or revoked API key.")
    if not hmac.compare_digest(key.key_hash, _hash_key(token)):
        raise Unauthenticated("Unknown or revoked API key.")
    return key


def needs_touch(key: ApiKey) -> bool:
    """Tell whether ``last_used_at`` is stale enough to be worth a write (at most every minute)."""
    return key.last_used_at is None or utcnow() - key.last_used_at > TOUCH_INTERVAL


def touch_api_key(*, session: Session, key_id: int) -> None:
    """Set an API key's ``last_used_at`` to now."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))


def list_api_keys(*, session: Session) -> list[ApiKey]:
    """Return every API key, newest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def revoke_api_key(*, session: Session, key_id: int) -> ApiKey:
    """Revoke an API key so it no longer authenticates."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} not found.")
    key.revoked_at = utcnow()
    session.flush()
    return key


def principal_for_key(key: ApiKey) -> Principal:
    """Describe an API key as a principal."""
    return Principal(
        kind="api_key", id=key.id, name=key.name, role=Role(key.role), user_id=key.user_id
    )


def principal_for_user(user: User) -> Principal:
    """Describe a user as a principal."""
    return Principal(
        kind="user", id=user.id, name=user.name or user.email, role=Role(user.role), user_id=user.id
    )


def get_user(*, session: Session, user_id: int) -> User | None:
    """Return the user with ``user_id``, if any."""
    return session.get(User, user_id)


def list_users(*, session: Session) -> list[User]:
    """Return every staff user, by email."""
    return list(session.scalars(select(User).order_by(User.email)))


def update_user(
    *, session: Session, user_id: int, role: Role | None = None, is_active: bool | None = None
) -> User:
    """Change a user's role or active flag; the last active admin cannot be demoted or disabled."""
    user = get_user(session=session, user_id=user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    losing_admin = Role(user.role) is Role.ADMIN and (
        (role is not None and role is not Role.ADMIN) or is_active is False
    )
    if losing_admin and user.is_active:
        admins = session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.is_active.is_(True))
        )
        if (admins or 0) <= 1:
            raise Conflict("The last active administrator must stay an active administrator.")
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    session.flush()
    return user
