"""Schemathesis generates requests from the OpenAPI document; none may produce a 500."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from maitre.api.app import create_app
from maitre.bootstrap import build_runtime
from maitre.config import Settings
from maitre.db.base import Base
from maitre.db.session import unit_of_work
from maitre.users import service as users
from maitre.users.roles import Role
from tests.factories import make_customer

_state: dict[str, Any] = {}
STREAMING_PATHS = ("/conversations/stream", "/conversations/{conversation_id}/events")


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    cfg = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'fuzz.db'}",
        queue_immediate=True,
        secret_key="fuzz-secret",
    )  # type: ignore[arg-type]
    runtime = build_runtime(cfg)
    Base.metadata.create_all(runtime.engine)
    with unit_of_work(runtime.sessionmaker) as session:
        _key, token = users.create_api_key(session=session, name="fuzz", role=Role.ADMIN)
        for _ in range(3):
            make_customer(session)
    _state["token"] = token
    app = create_app(cfg, runtime=runtime)
    yield app
    runtime.close()


def test_no_request_gets_a_server_error(fuzz_app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {_state['token']}"}
    failures: list[str] = []
    # Server-sent event streams run until their timeout: covered by their own tests instead.
    only = os.environ.get("MAITRE_FUZZ_ONLY", "")  # e.g. "/safety": fuzz just those paths
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if not op.path.endswith(STREAMING_PATHS) and only in op.path
    ]
    assert len(operations) >= (1 if only else 5)

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{case.as_curl_command()}"
                )

        fuzz()
    assert not failures, "\n".join(failures[:20])
