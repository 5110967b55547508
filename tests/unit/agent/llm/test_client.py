"""The fake chat client and picking a client from settings."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from maitre.agent.llm import ChatClient, FakeChatClient, OpenAIChatClient, client_from_settings
from maitre.config import Settings
from maitre.errors import ExternalServiceError


def test_fake_answers_in_order_and_records_prompts() -> None:
    fake = FakeChatClient.scripted("one", lambda messages: messages[-1]["content"].upper())
    assert isinstance(fake, ChatClient)
    assert fake.complete([{"role": "user", "content": "a"}], max_tokens=5, temperature=0) == "one"
    assert fake.complete([{"role": "user", "content": "b"}], max_tokens=7, temperature=1) == "B"
    assert fake.prompts == ["a", "b"]
    assert (fake.calls[1].max_tokens, fake.calls[1].temperature) == (7, 1)


def test_fake_raises_scripted_errors_and_runs_out() -> None:
    fake = FakeChatClient.scripted(ExternalServiceError("down"))
    with pytest.raises(ExternalServiceError, match="down"):
        fake.complete([], max_tokens=1, temperature=0)
    with pytest.raises(ExternalServiceError, match="no scripted reply"):
        fake.complete([], max_tokens=1, temperature=0)
    assert FakeChatClient(default="same").complete([], max_tokens=1, temperature=0) == "same"


def test_no_base_url_means_no_client() -> None:
    assert client_from_settings(Settings(llm_base_url="")) is None
    assert client_from_settings(Settings(llm_base_url="   ")) is None


def test_client_from_settings_uses_model_key_and_timeout() -> None:
    settings = Settings(
        llm_base_url="http://127.0.0.1:11434/v1/",
        llm_model="qwen2.5:7b",
        llm_api_key=SecretStr("sk-1"),
        llm_timeout_seconds=3.5,
    )
    client = client_from_settings(settings)
    assert isinstance(client, OpenAIChatClient)
    assert (client.base_url, client.model, client.timeout) == (
        "http://127.0.0.1:11434/v1",
        "qwen2.5:7b",
        3.5,
    )


def test_settings_read_the_documented_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAITRE_LLM_BASE_URL", "http://llm:8000/v1")
    monkeypatch.setenv("MAITRE_LLM_MODEL", "m-1")
    monkeypatch.setenv("MAITRE_LLM_API_KEY", "secret")
    monkeypatch.setenv("MAITRE_LLM_TIMEOUT_SECONDS", "2")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.llm_base_url == "http://llm:8000/v1"
    assert settings.llm_model == "m-1"
    assert settings.llm_api_key.get_secret_value() == "secret"
    assert settings.llm_timeout_seconds == 2


def test_llm_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAITRE_LLM_BASE_URL", "MAITRE_LLM_MODEL", "MAITRE_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert client_from_settings(settings) is None
    assert settings.llm_model
