"""The worker process's packing of checked items, and when a worker is used at all."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from maitre.customers.schemas import CustomerCreate
from maitre.imports import worker
from maitre.imports.kinds import Item, Rejection
from maitre.imports.runner import kind_for


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


def _items() -> list[Item]:
    full = CustomerCreate.model_validate(
        {"name": "Ada", "email": "ada@example.com", "tags": ["vip"], "custom_fields": {"t": 1}}
    )
    bare = CustomerCreate.model_validate({"name": "Bo", "external_id": "B1"})
    return [
        Item([2], [["Ada", "ada@example.com"]], {}, None, full),
        Item([3], [["", "x"]], {}, Rejection("email", "not an email")),
        Item([4, 5], [["Bo", ""], ["Bo", ""]], {}, None, bare),
        Item([6], [["Cy"]], {}, None, _Open(name="Cy", colour="red")),  # type: ignore[call-arg]
    ]


def test_packed_items_come_back_equal_with_their_fields_set() -> None:
    items = _items()
    back = worker.unpack(pickle.loads(pickle.dumps(worker.pack(items))))
    assert [(i.lines, i.raws, i.error) for i in back] == [(i.lines, i.raws, i.error) for i in items]
    for before, after in zip(items, back, strict=True):
        assert after.model == before.model
        if before.model is not None:
            assert type(after.model) is type(before.model)
            assert after.model.model_fields_set == before.model.model_fields_set
    assert back[0].model.model_fields_set == {"name", "email", "tags", "custom_fields"}
    assert back[2].model.model_fields_set == {"name", "external_id"}
    # A model with extra fields travels whole, extras included.
    assert back[3].model.model_extra == {"colour": "red"}
    # Each rebuilt model owns its fields set: changing one leaves the others alone.
    back[0].model.model_fields_set.add("phone")
    assert "phone" not in back[2].model.model_fields_set


def test_flat_models_travel_as_values_not_as_objects() -> None:
    cls, keys, rows = worker.pack(_items()[:1])
    assert cls is CustomerCreate and keys == tuple(CustomerCreate.model_fields)
    values, mask = rows[0][3], rows[0][4]
    assert isinstance(values, tuple) and mask > 0


@pytest.fixture
def big_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "big.csv"
    path.write_text("name,email\n" + "Ada,ada@example.com\n" * 10)
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", path.stat().st_size)
    monkeypatch.setattr(worker, "cores", lambda: 2)
    return path


def test_a_large_file_on_disk_is_checked_by_a_worker(big_file: Path) -> None:
    with big_file.open("rb") as stream:
        assert worker.worker_path(stream, kind_for("customers")) == str(big_file)
        assert worker.worker_path(stream, kind_for("products")) == str(big_file)
        # Orders group rows by their values, which the packed items do not carry.
        assert worker.worker_path(stream, kind_for("orders")) is None


def test_small_files_uploads_and_single_cores_keep_the_thread(
    big_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = kind_for("customers")
    assert worker.worker_path(io.BufferedReader(io.BytesIO(b"name\n")), customers) is None
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", big_file.stat().st_size + 1)
    with big_file.open("rb") as stream:
        assert worker.worker_path(stream, customers) is None
        monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
        monkeypatch.setattr(worker, "cores", lambda: 1)
        assert worker.worker_path(stream, customers) is None
