"""A client for OpenAI-compatible chat completion endpoints (Ollama, vLLM, llama.cpp, OpenAI)."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from maitre.agent.llm.base import Message
from maitre.errors import ExternalServiceError

log = logging.getLogger("maitre.agent.llm")


class OpenAIChatClient:
    """POSTs ``{base_url}/chat/completions``; retries once on a 5xx, a timeout or a lost connection.

    Every failure surfaces as ``ExternalServiceError``. A fresh HTTP connection is made per call
    (the agent may build a client per turn; nothing is left open), unless ``transport`` is given.
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 10.0,
        retries: int = 1,
        retry_delay: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self._api_key = api_key or None
        self._transport = transport

    def complete(self, messages: list[Message], *, max_tokens: int, temperature: float) -> str:
        """Return the first choice's message content."""
        payload = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": False,
        }
        body = self._request("POST", "/chat/completions", json=payload, timeout=self.timeout)
        return _content(body)

    def list_models(self, *, timeout: float | None = None) -> list[str]:
        """Return the model ids the endpoint serves (``GET {base_url}/models``), without retry."""
        body = self._request("GET", "/models", timeout=timeout or self.timeout, retries=0)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise ExternalServiceError("LLM endpoint answered /models without a data list")
        return [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]

    def _request(
        self,
        method: str,
        path: str,
        *,
        timeout: float,
        json: dict[str, Any] | None = None,
        retries: int | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        attempts = 1 + (self.retries if retries is None else retries)
        url = f"{self.base_url}{path}"
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                with httpx.Client(timeout=timeout, transport=self._transport) as http:
                    response = http.request(method, url, json=json, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "unreachable"
                log.warning("llm.request.failed", extra={"attempt": attempt, "error": kind})
                if last:
                    raise ExternalServiceError(
                        f"LLM endpoint {kind}: {type(exc).__name__}", extra={"service": "llm"}
                    ) from exc
            else:
                if response.status_code >= 500 and not last:
                    log.warning(
                        "llm.request.failed",
                        extra={"attempt": attempt, "status": response.status_code},
                    )
                elif response.is_error:
                    raise ExternalServiceError(
                        f"LLM endpoint answered HTTP {response.status_code}",
                        extra={"service": "llm", "status": response.status_code},
                    )
                else:
                    try:
                        return response.json()
                    except ValueError as exc:
                        raise ExternalServiceError(
                            "LLM endpoint answered malformed JSON", extra={"service": "llm"}
                        ) from exc
            time.sleep(self.retry_delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _content(body: Any) -> str:
    """Pull ``choices[0].message.content`` out of a chat completion body."""
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ExternalServiceError(
            "LLM endpoint answered without choices[0].message.content", extra={"service": "llm"}
        ) from exc
    if isinstance(content, list):  # content parts: keep the text ones
        content = "".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    if not isinstance(content, str):
        raise ExternalServiceError("LLM reply content is not text", extra={"service": "llm"})
    return content
