"""Who may see which conversation: staff see all they have permission for, a widget only its own."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from maitre.api.deps import PrincipalDep
from maitre.conversations import service
from maitre.conversations.models import Conversation
from maitre.errors import NotFound, PermissionDenied
from maitre.users.roles import Role, allows
from maitre.users.service import Principal

CHAT = "chat:use"


def is_widget(principal: Principal) -> bool:
    """Tell whether the caller is a chat widget (a customer's browser), not staff."""
    return principal.role == Role.WIDGET


def require_any(*permissions: str) -> Callable[[Principal], Principal]:
    """Return a dependency that lets the caller through if it holds any of ``permissions``."""

    def _check(principal: PrincipalDep) -> Principal:
        if not any(allows(principal.role, p) for p in permissions):
            raise PermissionDenied(f"Role {principal.role.value!r} may not use this endpoint.")
        return principal

    return _check


def owns(principal: Principal, conversation: Conversation) -> bool:
    """Tell whether a widget caller started ``conversation`` (staff own nothing here)."""
    return principal.kind == "api_key" and conversation.api_key_id == principal.id


def visible(*, session: Session, principal: Principal, conversation_id: int) -> Conversation:
    """Return the conversation if the caller may see it; a widget gets 404 for others' ones."""
    conversation = service.get(session=session, conversation_id=conversation_id)
    if is_widget(principal) and not owns(principal, conversation):
        # The same answer as for a missing id, so a widget cannot probe which ids exist.
        raise NotFound(f"Conversation {conversation_id} not found.")
    return conversation


def viewer() -> Callable[[Principal], Principal]:
    """Dependency for reading one conversation: staff readers and widgets."""
    return require_any("conversations:read", CHAT)


def chatter() -> Callable[[Principal], Principal]:
    """Dependency for the customer side of a chat: widgets and staff writers (trusted back ends)."""
    return require_any("conversations:write", CHAT)
