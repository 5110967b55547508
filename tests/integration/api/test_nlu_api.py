"""/api/v1/nlu and /api/v1/models on SQLite and PostgreSQL, with fast lexical models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.nlu import service
from maitre.agent.nlu import trainer as nlu_trainer
from maitre.agent.nlu.dataio import TrainingDataError
from maitre.agent.nlu.models import ReviewReason
from maitre.config import Settings
from maitre.db.session import unit_of_work
from maitre.ml import registry
from maitre.users.roles import Role
from tests.conftest import assert_problem
from tests.integration.nlu_helpers import ROWS, train_fast, write_csv

PARSE = "/api/v1/nlu/parse"


@pytest.fixture
def trained(settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path) -> Path:
    train_fast(session_factory, settings.models_dir, write_csv(tmp_path / "train.csv"))
    return settings.models_dir


def test_parse_returns_intent_ranking_entities_and_language(
    admin: TestClient, trained: Path
) -> None:
    response = admin.post(PARSE, json={"text": "Where is my order #1043? I ordered last Tuesday"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["intent"] == "order_status"
    assert 0 < body["confidence"] <= 1
    assert body["ranking"][0]["intent"] == "order_status"
    assert {e["type"] for e in body["entities"]} == {"order_number", "date"}
    order = next(e for e in body["entities"] if e["type"] == "order_number")
    assert order["value"] == "1043" and order["source"] == "regex"
    assert body["text"][order["start"] : order["end"]] == order["text"]
    assert body["language"] == "en"
    assert body["model_version"] == 1
    zh = admin.post(PARSE, json={"text": "我的退款什么时候到账"}).json()
    assert (zh["intent"], zh["language"]) == ("refund_status", "zh")


def test_unrelated_text_is_out_of_scope(admin: TestClient, trained: Path) -> None:
    body = admin.post(PARSE, json={"text": "tell me a funny joke"}).json()
    assert body["intent"] == "out_of_scope" and body["out_of_scope"] is True


def test_a_bare_number_is_an_order_number_when_expected(admin: TestClient, trained: Path) -> None:
    body = admin.post(PARSE, json={"text": "1043", "expected": ["order_number"]}).json()
    assert [(e["type"], e["value"]) for e in body["entities"]] == [("order_number", "1043")]


@pytest.mark.parametrize(
    "payload",
    [
        {"text": ""},
        {"text": "x" * 4001},
        {"text": "hi", "extra": 1},
        {},
        {"text": "hi", "expected": ["nope"]},
    ],
)
def test_parse_rejects_bad_bodies(admin: TestClient, trained: Path, payload: object) -> None:
    assert_problem(admin.post(PARSE, json=payload), 422)


def test_whitespace_only_text_is_a_clear_422(admin: TestClient, trained: Path) -> None:
    body = assert_problem(admin.post(PARSE, json={"text": "   \t "}), 422)
    assert "empty" in body["detail"]


def test_parse_without_any_model_is_a_clear_409(admin: TestClient) -> None:
    body = assert_problem(admin.post(PARSE, json={"text": "hello"}), 409)
    assert "maitre nlu train" in body["detail"]


def test_parse_needs_credentials_and_permission(
    anon: TestClient, client_for: Callable[[Role], TestClient], trained: Path
) -> None:
    assert_problem(anon.post(PARSE, json={"text": "hello"}), 401)
    assert_problem(client_for(Role.WIDGET).post(PARSE, json={"text": "hello"}), 403)
    assert client_for(Role.AGENT).post(PARSE, json={"text": "hello"}).status_code == 200


def test_activate_and_rollback_are_served_without_restart(
    admin: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    train_fast(session_factory, settings.models_dir, write_csv(tmp_path / "a.csv"))
    assert admin.post(PARSE, json={"text": "hello"}).json()["intent"] == "greeting"
    renamed = {("salutation" if k == "greeting" else k): v for k, v in ROWS.items()}
    train_fast(session_factory, settings.models_dir, write_csv(tmp_path / "b.csv", renamed))
    body = admin.post(PARSE, json={"text": "hello"}).json()
    assert (body["intent"], body["model_version"]) == ("salutation", 2)

    rolled = admin.post("/api/v1/models/nlu/rollback")
    assert rolled.status_code == 200 and rolled.json()["version"] == 1
    body = admin.post(PARSE, json={"text": "hello"}).json()
    assert (body["intent"], body["model_version"]) == ("greeting", 1)

    assert admin.post("/api/v1/models/nlu/activate", json={"version": 2}).status_code == 200
    assert admin.post(PARSE, json={"text": "hello"}).json()["intent"] == "salutation"
    listed = admin.get("/api/v1/models", params={"name": "nlu"}).json()
    assert [(v["version"], v["is_active"]) for v in listed] == [(2, True), (1, False)]
    assert admin.get("/api/v1/models/nlu/active").json()["version"] == 2
    assert_problem(admin.post("/api/v1/models/nlu/activate", json={"version": 9}), 404)
    assert_problem(admin.post("/api/v1/models/nlu/activate", json={"version": 0}), 422)
    assert_problem(admin.get("/api/v1/models/churn/active"), 404)


def test_failed_training_leaves_the_active_model_untouched(
    admin: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    train_fast(session_factory, settings.models_dir, write_csv(tmp_path / "good.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("text,intent\nhello,greeting\nhi,greeting\n")
    with pytest.raises(TrainingDataError, match="single intent"):
        train_fast(session_factory, settings.models_dir, bad)
    with unit_of_work(session_factory) as s:
        assert [(v.version, v.is_active) for v in registry.list_(session=s)] == [(1, True)]
    assert sorted(p.name for p in (settings.models_dir / "nlu").iterdir()) == ["v1"]
    assert admin.post(PARSE, json={"text": "hello"}).json()["model_version"] == 1


def test_examples_and_intents(admin: TestClient) -> None:
    url = "/api/v1/nlu/examples"
    created = admin.post(url, json={"intent": "gift_wrap", "text": "Can you gift wrap it?"})
    assert created.status_code == 201, created.text
    assert created.json()["language"] == "en" and created.json()["source"] == "user"
    dup = admin.post(url, json={"intent": "gift_wrap", "text": "can you gift-wrap it"})
    assert_problem(dup, 409)
    assert_problem(admin.post(url, json={"intent": "x", "text": "   "}), 422)
    assert_problem(admin.post(url, json={"intent": "x", "text": "y", "bogus": 1}), 422)
    admin.post(url, json={"intent": "gift_wrap", "text": "能包装成礼物吗"})
    page = admin.get(url, params={"intent": "gift_wrap"}).json()
    assert page["total"] == 2
    intents = {i["name"]: i for i in admin.get("/api/v1/nlu/intents").json()}
    assert intents["gift_wrap"] == {
        "name": "gift_wrap",
        "description": "",
        "builtin": False,
        "examples": {"en": 1, "zh": 1},
    }
    assert intents["order_status"]["builtin"] and intents["order_status"]["examples"]["zh"] >= 20
    example_id = created.json()["id"]
    assert admin.delete(f"{url}/{example_id}").status_code == 204
    assert_problem(admin.delete(f"{url}/{example_id}"), 404)


def test_review_queue(admin: TestClient, session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as s:  # what the agent does after an unsure turn
        item = service.enqueue_review(
            session=s,
            text="Do you sell bicycles?",
            reason=ReviewReason.LOW_CONFIDENCE,
            predicted_intent="product_question",
            confidence=0.31,
        )
        again = service.enqueue_review(
            session=s, text="Do you sell bicycles?", reason=ReviewReason.HANDOFF
        )
        assert again.id == item.id
        item_id = item.id
    manual = admin.post("/api/v1/nlu/review", json={"text": "我的发票呢"})
    assert manual.status_code == 201 and manual.json()["language"] == "zh"

    queue = admin.get("/api/v1/nlu/review").json()
    assert queue["total"] == 2
    assert {i["reason"] for i in queue["items"]} == {"low_confidence", "manual"}

    labelled = admin.post(
        f"/api/v1/nlu/review/{item_id}/label", json={"intent": "product_question"}
    )
    assert labelled.status_code == 200, labelled.text
    assert labelled.json()["status"] == "labelled" and labelled.json()["reviewed_by"]
    assert_problem(admin.post(f"/api/v1/nlu/review/{item_id}/label", json={"intent": "x"}), 409)
    examples = admin.get("/api/v1/nlu/examples", params={"intent": "product_question"}).json()
    assert [e["source"] for e in examples["items"]] == ["review"]

    dismissed = admin.post(f"/api/v1/nlu/review/{manual.json()['id']}/dismiss")
    assert dismissed.json()["status"] == "dismissed"
    assert admin.get("/api/v1/nlu/review").json()["total"] == 0
    assert admin.get("/api/v1/nlu/review", params={"status": "labelled"}).json()["total"] == 1
    assert_problem(admin.post("/api/v1/nlu/review/99999/dismiss"), 404)
    assert_problem(admin.get("/api/v1/nlu/review", params={"status": "weird"}), 422)


def test_training_runs_in_the_background_with_progress(
    admin: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    write_csv(shipped / "intents.csv")
    monkeypatch.setattr(nlu_trainer, "SHIPPED_DATA", shipped)
    admin.post("/api/v1/nlu/examples", json={"intent": "greeting", "text": "yo yo yo"})
    response = admin.post("/api/v1/nlu/train", json={"use_encoder": False})
    assert response.status_code == 202, response.text
    run = admin.get(f"/api/v1/training-runs/{response.json()['id']}").json()
    assert run["status"] == "succeeded" and run["progress"] == 1.0, run
    assert run["result"]["version"] == 1 and run["result"]["metrics"]["examples"] == 41
    assert admin.post(PARSE, json={"text": "yo yo yo"}).json()["intent"] == "greeting"
    assert [r["id"] for r in admin.get("/api/v1/training-runs").json()] == [run["id"]]
    assert_problem(admin.get("/api/v1/training-runs/424242"), 404)


def test_a_failed_background_run_is_recorded(
    admin: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "one.csv").write_text("text,intent\nhello,greeting\nhi there,greeting\n")
    monkeypatch.setattr(nlu_trainer, "SHIPPED_DATA", shipped)
    response = admin.post("/api/v1/nlu/train", json={"use_encoder": False})
    run = admin.get(f"/api/v1/training-runs/{response.json()['id']}").json()
    assert run["status"] == "failed"
    assert "single intent" in run["error"]
    assert admin.get("/api/v1/models").json() == []
    assert_problem(admin.post("/api/v1/nlu/train", json={"nope": True}), 422)


def test_a_second_run_is_refused_while_one_is_in_progress(
    admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    from maitre.ml import runs

    with unit_of_work(session_factory) as s:
        busy = runs.create(session=s, model_name="nlu", params={})
        busy_id = busy.id
    body = assert_problem(admin.post("/api/v1/nlu/train", json={"use_encoder": False}), 409)
    assert f"/api/v1/training-runs/{busy_id}" in body["detail"]
