"""Optional chat model behind a small interface: the real HTTP client, a fake, grounding checks.

The agent works without a model; with ``MAITRE_LLM_BASE_URL`` set it may rephrase grounded
template replies and compose knowledge-base answers (``maitre.agent.llm.grounding``).
"""

from __future__ import annotations

import httpx

from maitre.agent.llm.base import ChatClient, Message
from maitre.agent.llm.fake import FakeChatClient
from maitre.agent.llm.openai import OpenAIChatClient
from maitre.config import Settings
from maitre.errors import ExternalServiceError

__all__ = [
    "ChatClient",
    "FakeChatClient",
    "Message",
    "OpenAIChatClient",
    "client_from_settings",
    "endpoint_status",
]


def client_from_settings(settings: Settings) -> ChatClient | None:
    """Return the configured chat client, or None when ``MAITRE_LLM_BASE_URL`` is unset."""
    base_url = (settings.llm_base_url or "").strip()
    if not base_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    return OpenAIChatClient(
        base_url=base_url,
        model=settings.llm_model,
        api_key=key or None,
        timeout=settings.llm_timeout_seconds,
    )


def endpoint_status(settings: Settings, *, timeout: float = 3.0) -> tuple[bool, str]:
    """Say whether the configured LLM endpoint answers ``GET /models`` (for ``maitre doctor``)."""
    client = client_from_settings(settings)
    if not isinstance(client, OpenAIChatClient):
        return True, "not configured (templates only)"
    shown = str(httpx.URL(client.base_url).copy_with(username=None, password=None))
    fix = "check MAITRE_LLM_BASE_URL or the settings page, or clear it to use templates only"
    try:
        served = client.list_models(timeout=min(timeout, settings.llm_timeout_seconds))
    except ExternalServiceError as exc:
        status = exc.extra.get("status")
        if status == 404:
            return True, f"reachable at {shown} (it does not list models)"
        if status in (401, 403):
            where = "MAITRE_LLM_API_KEY or the settings page"
            return False, f"{shown} refused the key (HTTP {status}): check {where}"
        return False, f"unreachable at {shown}: {exc}; {fix}"
    if served and client.model not in served:
        listed = ", ".join(served[:5])
        return False, f"reachable at {shown}, but model {client.model!r} is not served ({listed})"
    return True, f"reachable at {shown}, model {client.model}"
