"""The real OpenAI-compatible client against a local server that speaks the same API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from maitre.agent.llm import OpenAIChatClient, client_from_settings, endpoint_status
from maitre.agent.llm.grounding import compose_kb_answer, polish
from maitre.config import Settings
from maitre.errors import ExternalServiceError
from tests.integration.llm_server import Answer, LlmServer, completion, llm_server

MESSAGES = [{"role": "user", "content": "Say hi"}]


@pytest.fixture
def server() -> Iterator[LlmServer]:
    with llm_server() as s:
        yield s


def client(server: LlmServer, **kwargs: object) -> OpenAIChatClient:
    options: dict[str, object] = {"retry_delay": 0.0, "timeout": 5.0, **kwargs}
    return OpenAIChatClient(base_url=server.url, model="test-model", **options)  # type: ignore[arg-type]


def test_complete_posts_chat_completion_and_returns_content(server: LlmServer) -> None:
    server.script(Answer(body=completion("Hello there")))
    answer = client(server, api_key="sk-test").complete(MESSAGES, max_tokens=50, temperature=0.2)
    assert answer == "Hello there"
    [request] = server.seen
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer sk-test"
    body = request.json()
    assert body["model"] == "test-model"
    assert body["messages"] == MESSAGES
    assert body["max_tokens"] == 50
    assert body["temperature"] == 0.2
    assert body["stream"] is False


def test_no_authorization_header_without_key(server: LlmServer) -> None:
    server.script(Answer(body=completion("ok")))
    client(server).complete(MESSAGES, max_tokens=5, temperature=0)
    assert "authorization" not in server.seen[0].headers


def test_trailing_slash_in_base_url_is_tolerated(server: LlmServer) -> None:
    server.script(Answer(body=completion("ok")))
    c = OpenAIChatClient(base_url=server.url + "/", model="m", retry_delay=0)
    assert c.complete(MESSAGES, max_tokens=5, temperature=0) == "ok"
    assert server.seen[0].path == "/v1/chat/completions"


def test_server_error_is_retried_once_then_succeeds(server: LlmServer) -> None:
    server.script(Answer(503, {"error": "overloaded"}), Answer(body=completion("second try")))
    assert client(server).complete(MESSAGES, max_tokens=5, temperature=0) == "second try"
    assert len(server.seen) == 2


def test_repeated_server_error_becomes_external_service_error(server: LlmServer) -> None:
    server.script(Answer(500, {"error": "boom"}), Answer(500, {"error": "boom"}))
    with pytest.raises(ExternalServiceError) as info:
        client(server).complete(MESSAGES, max_tokens=5, temperature=0)
    assert "HTTP 500" in str(info.value)
    assert info.value.extra["status"] == 500
    assert len(server.seen) == 2


def test_client_error_is_not_retried(server: LlmServer) -> None:
    server.script(Answer(401, {"error": {"message": "bad key"}}))
    with pytest.raises(ExternalServiceError, match="HTTP 401"):
        client(server, api_key="wrong").complete(MESSAGES, max_tokens=5, temperature=0)
    assert len(server.seen) == 1


def test_timeout_is_retried_then_translated(server: LlmServer) -> None:
    server.script(
        Answer(body=completion("late"), delay=1.0), Answer(body=completion("late"), delay=1.0)
    )
    with pytest.raises(ExternalServiceError, match="timed out") as info:
        client(server, timeout=0.2).complete(MESSAGES, max_tokens=5, temperature=0)
    assert isinstance(info.value.__cause__, Exception)
    assert len(server.seen) == 2


def test_timeout_then_success(server: LlmServer) -> None:
    server.script(Answer(body=completion("late"), delay=1.0), Answer(body=completion("fast")))
    assert client(server, timeout=0.3).complete(MESSAGES, max_tokens=5, temperature=0) == "fast"


def test_malformed_json_is_translated(server: LlmServer) -> None:
    server.script(Answer(body=b"{not json"))
    with pytest.raises(ExternalServiceError, match="malformed JSON"):
        client(server).complete(MESSAGES, max_tokens=5, temperature=0)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"choices": []},
        {"choices": [{"message": {}}]},
        {"choices": [{"message": {"content": 3}}]},
    ],
)
def test_body_without_content_is_translated(server: LlmServer, body: dict[str, object]) -> None:
    server.script(Answer(body=body))
    with pytest.raises(ExternalServiceError):
        client(server).complete(MESSAGES, max_tokens=5, temperature=0)


def test_unreachable_endpoint_is_translated() -> None:
    with llm_server() as s:
        url = s.url
    c = OpenAIChatClient(base_url=url, model="m", timeout=1.0, retry_delay=0)
    with pytest.raises(ExternalServiceError, match="unreachable"):
        c.complete(MESSAGES, max_tokens=5, temperature=0)


def test_list_models(server: LlmServer) -> None:
    server.script(Answer(body={"object": "list", "data": [{"id": "qwen"}, {"id": "llama"}]}))
    assert client(server).list_models(timeout=1.0) == ["qwen", "llama"]
    assert (server.seen[0].method, server.seen[0].path) == ("GET", "/v1/models")


def test_client_from_settings_talks_to_the_configured_endpoint(server: LlmServer) -> None:
    settings = Settings(
        llm_base_url=server.url, llm_model="qwen-test", llm_api_key=SecretStr("k-1")
    )
    c = client_from_settings(settings)
    assert c is not None
    server.script(Answer(body=completion("hi")))
    assert c.complete(MESSAGES, max_tokens=5, temperature=0) == "hi"
    assert server.seen[0].json()["model"] == "qwen-test"
    assert server.seen[0].headers["authorization"] == "Bearer k-1"


def test_polish_end_to_end_over_http_redacts_and_restores(server: LlmServer) -> None:
    reply = "Hi Alice Martin, order MT-000123 shipped on 2024-05-03; we emailed alice@example.com."
    server.script(
        Answer(
            body=completion(
                "Good news, [NAME_1]! Order MT-000123 left us on 2024-05-03, "
                "and a confirmation went to [EMAIL_1]."
            )
        )
    )
    result = polish(
        client=client(server),
        reply=reply,
        facts=["MT-000123", "2024-05-03"],
        language="en",
        customer_name="Alice Martin",
    )
    assert result.used_llm, result.rejected_reason
    assert "Alice Martin" in result.text and "alice@example.com" in result.text
    sent = server.seen[0].body.decode()
    assert "alice@example.com" not in sent and "Alice" not in sent


def test_polish_over_http_falls_back_when_the_server_fails(server: LlmServer) -> None:
    server.script(Answer(500), Answer(502))
    result = polish(client=client(server), reply="Order MT-000123 shipped.", language="en")
    assert result.text == "Order MT-000123 shipped."
    assert not result.used_llm
    assert result.rejected_reason is not None and "ExternalServiceError" in result.rejected_reason


def test_compose_kb_answer_over_http(server: LlmServer) -> None:
    server.script(Answer(body=completion("You can return items within 30 days of delivery [1].")))
    answer = compose_kb_answer(
        client=client(server),
        question="How long do I have to return something?",
        chunks=[{"title": "Returns", "text": "Items can be returned within 30 days of delivery."}],
        language="en",
    )
    assert answer is not None
    assert answer.text == "You can return items within 30 days of delivery. (Source: Returns)"
    assert answer.citations == (0,)


# --- maitre doctor's endpoint check ---------------------------------------------------------


def test_endpoint_status_not_configured() -> None:
    assert endpoint_status(Settings(llm_base_url="")) == (True, "not configured (templates only)")


def test_endpoint_status_reachable_with_model(server: LlmServer) -> None:
    server.script(Answer(body={"data": [{"id": "qwen-test"}]}))
    ok, detail = endpoint_status(Settings(llm_base_url=server.url, llm_model="qwen-test"))
    assert ok and detail.startswith("reachable at http://127.0.0.1")
    assert server.seen[0].path == "/v1/models"


def test_endpoint_status_model_not_served(server: LlmServer) -> None:
    server.script(Answer(body={"data": [{"id": "llama3"}]}))
    ok, detail = endpoint_status(Settings(llm_base_url=server.url, llm_model="qwen-test"))
    assert not ok and "'qwen-test' is not served (llama3)" in detail


def test_endpoint_status_without_models_listing(server: LlmServer) -> None:
    server.script(Answer(404, {"error": "not found"}))
    ok, detail = endpoint_status(Settings(llm_base_url=server.url))
    assert ok and "does not list models" in detail


def test_endpoint_status_bad_key(server: LlmServer) -> None:
    server.script(Answer(401, {"error": "bad key"}))
    ok, detail = endpoint_status(Settings(llm_base_url=server.url, llm_api_key=SecretStr("x")))
    assert not ok and "MAITRE_LLM_API_KEY" in detail


def test_endpoint_status_unreachable_hides_credentials() -> None:
    with llm_server() as s:
        url = s.url.replace("http://", "http://user:pw@")
    ok, detail = endpoint_status(Settings(llm_base_url=url), timeout=1.0)
    assert not ok and "unreachable" in detail and "MAITRE_LLM_BASE_URL" in detail
    assert "pw" not in detail
