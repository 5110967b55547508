"""Contract tests for /api/v1/imports and /api/v1/exports on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from maitre.imports.models import ImportStatus
from maitre.users.roles import Role
from tests.conftest import assert_problem

URL = "/api/v1/imports"
CSV = (
    "name,email,tags\n"
    "Ada Lovelace,ada@example.com,vip\n"
    "Grace Hopper,not-an-email,\n"
    "Alan Turing,alan@example.com,\n"
)


def upload(
    client: TestClient,
    data: str | bytes,
    entity: str = "customers",
    mapping: str | None = None,
    **form: Any,
) -> Any:
    files: dict[str, Any] = {
        "file": ("people.csv", data.encode() if isinstance(data, str) else data, "text/csv")
    }
    if mapping is not None:
        files["mapping"] = ("cols.yaml", mapping.encode(), "application/yaml")
    return client.post(URL, files=files, data={"entity": entity, **form})


def test_import_returns_summary_and_error_report(admin: TestClient) -> None:
    response = upload(admin, CSV)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == ImportStatus.COMPLETED
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (2, 0, 0, 1)
    assert body["rows"] == 3 and body["entity"] == "customers"
    assert body["filename"] == "people.csv" and body["encoding"] == "utf-8"
    assert body["errors_url"] == f"{URL}/{body['id']}/errors"

    report = admin.get(body["errors_url"])
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(report.text)))
    assert (row["line"], row["column"], row["email"]) == ("3", "email", "not-an-email")

    assert admin.get(f"{URL}/{body['id']}").json() == body
    customers = admin.get("/api/v1/customers", params={"email": "ada@example.com"}).json()
    assert customers["items"][0]["tags"] == ["vip"]


def test_reimport_is_idempotent(admin: TestClient) -> None:
    upload(admin, CSV)
    body = upload(admin, CSV).json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (0, 0, 2, 1)


def test_all_or_nothing_rolls_back(admin: TestClient) -> None:
    body = upload(admin, CSV, all_or_nothing="true").json()
    assert body["status"] == ImportStatus.ROLLED_BACK and body["rejected"] == 1
    assert body["created"] == 0 and body["all_or_nothing"] is True
    assert admin.get("/api/v1/customers").json()["total"] == 0


def test_an_empty_report_still_downloads(admin: TestClient) -> None:
    body = upload(admin, "name,email\nAda,ada@example.com\n").json()
    report = admin.get(body["errors_url"])
    assert report.status_code == 200
    assert report.text.strip() == "line,column,reason,name,email"


def test_mapping_upload_renames_columns(admin: TestClient) -> None:
    body = upload(
        admin, "Nom,E-Mail\nAda,ada@example.com\n", mapping="Nom: name\nE-Mail: email\n"
    ).json()
    assert body["created"] == 1


def test_file_level_problems_are_422_before_any_row(admin: TestClient) -> None:
    body = assert_problem(upload(admin, "email,fax\nada@example.com,1\n"), 422)
    assert (
        "unknown columns fax" in body["detail"]
        and "missing required columns: name" in body["detail"]
    )
    job = admin.get(f"{URL}/{body['import_id']}").json()
    assert job["status"] == ImportStatus.FAILED and job["error"] == body["detail"]
    assert_problem(admin.get(f"{URL}/{body['import_id']}/errors"), 404)

    assert "empty" in assert_problem(upload(admin, b""), 422)["detail"]
    bad_mapping = upload(admin, CSV, mapping="- not\n- a mapping\n")
    assert "must map column names" in assert_problem(bad_mapping, 422)["detail"]
    assert "Unknown encoding" in assert_problem(upload(admin, CSV, encoding="nope"), 422)["detail"]
    assert admin.get("/api/v1/customers").json()["total"] == 0


def test_bad_form_fields_are_422(admin: TestClient) -> None:
    assert_problem(upload(admin, CSV, entity="widgets"), 422)
    assert_problem(admin.post(URL, data={"entity": "customers"}), 422)


def test_import_permissions(anon: TestClient, client_for: Callable[[Role], TestClient]) -> None:
    assert_problem(upload(anon, CSV), 401)
    assert_problem(upload(client_for(Role.ANALYST), CSV), 403)
    assert_problem(upload(client_for(Role.WIDGET), CSV), 403)
    agent = client_for(Role.AGENT)
    assert upload(agent, CSV).status_code == 201
    assert_problem(upload(agent, "sku,name,price\nA-1,Mug,1\n", entity="products"), 403)
    assert_problem(client_for(Role.WIDGET).get(f"{URL}/1"), 403)


def test_unknown_import_is_404(admin: TestClient) -> None:
    assert_problem(admin.get(f"{URL}/999999"), 404)
    assert_problem(admin.get(f"{URL}/999999/errors"), 404)


def test_exports_stream_csv_and_jsonl(admin: TestClient) -> None:
    upload(admin, CSV)
    response = admin.get("/api/v1/exports/customers", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["email"] for r in rows) == ["ada@example.com", "alan@example.com"]
    assert json.loads(rows[0]["tags"]) in (["vip"], [])

    response = admin.get("/api/v1/exports/customers", params={"format": "jsonl"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in response.text.splitlines()]
    assert {r["email"] for r in records} == {"ada@example.com", "alan@example.com"}

    again = upload(admin, admin.get("/api/v1/exports/customers").text).json()
    assert (again["created"], again["unchanged"], again["rejected"]) == (0, 2, 0)
    for entity in ("products", "orders"):
        assert admin.get(f"/api/v1/exports/{entity}").status_code == 200


def test_export_rejects_bad_parameters_and_roles(
    admin: TestClient, anon: TestClient, client_for: Callable[[Role], TestClient]
) -> None:
    assert_problem(admin.get("/api/v1/exports/customers", params={"format": "xml"}), 422)
    assert_problem(admin.get("/api/v1/exports/widgets"), 422)
    assert_problem(anon.get("/api/v1/exports/customers"), 401)
    assert_problem(client_for(Role.WIDGET).get("/api/v1/exports/customers"), 403)
    assert client_for(Role.ANALYST).get("/api/v1/exports/customers").status_code == 200
