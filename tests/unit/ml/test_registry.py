"""The model registry: versions on disk + rows, activation, rollback, reload on change."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from maitre.db.session import unit_of_work
from maitre.errors import Conflict, NotFound, ValidationFailed
from maitre.ml import registry, runs
from maitre.ml.models import ModelVersion, RunStatus


def add_version(session: Session, models_dir: Path, name: str = "nlu", marker: str = "") -> int:
    staging = registry.staging_dir(models_dir, name)
    (staging / "model.txt").write_text(marker or "weights")
    mv = registry.register(
        session=session,
        models_dir=models_dir,
        name=name,
        staging=staging,
        data_hash=registry.data_hash([("hello", "greeting")]),
        params={"c": 1},
        metrics={"accuracy": 0.9},
    )
    return mv.version


def test_register_moves_files_and_activates(session: Session, tmp_path: Path) -> None:
    v1 = add_version(session, tmp_path, marker="one")
    v2 = add_version(session, tmp_path, marker="two")
    assert (v1, v2) == (1, 2)
    active = registry.get_active(session=session, name="nlu")
    assert active is not None and active.version == 2
    assert (tmp_path / "nlu" / "v2" / "model.txt").read_text() == "two"
    assert not list((tmp_path / "nlu").glob(".staging-*"))
    assert [mv.version for mv in registry.list_(session=session, name="nlu")] == [2, 1]
    assert registry.active_version(session=session, name="nlu") == (active.id, 2)


def test_activate_and_rollback(session: Session, tmp_path: Path) -> None:
    for _ in range(3):
        add_version(session, tmp_path)
    registry.activate(session=session, models_dir=tmp_path, name="nlu", version=1)
    assert [mv.version for mv in registry.list_(session=session) if mv.is_active] == [1]
    registry.activate(session=session, models_dir=tmp_path, name="nlu", version=3)
    assert registry.rollback(session=session, models_dir=tmp_path, name="nlu").version == 2
    assert registry.rollback(session=session, models_dir=tmp_path, name="nlu").version == 1
    with pytest.raises(Conflict, match="no version older than v1"):
        registry.rollback(session=session, models_dir=tmp_path, name="nlu")


def test_rollback_skips_versions_whose_files_are_gone(session: Session, tmp_path: Path) -> None:
    for _ in range(3):
        add_version(session, tmp_path)
    (tmp_path / "nlu" / "v2" / "model.txt").unlink()
    (tmp_path / "nlu" / "v2").rmdir()
    assert registry.rollback(session=session, models_dir=tmp_path, name="nlu").version == 1
    with pytest.raises(Conflict, match="missing"):
        registry.activate(session=session, models_dir=tmp_path, name="nlu", version=2)


def test_errors(session: Session, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        registry.activate(session=session, models_dir=tmp_path, name="nlu", version=7)
    with pytest.raises(Conflict, match="no active version"):
        registry.rollback(session=session, models_dir=tmp_path, name="nlu")
    with pytest.raises(ValidationFailed, match="Invalid model name"):
        registry.staging_dir(tmp_path, "../etc")


def test_names_are_independent(session: Session, tmp_path: Path) -> None:
    add_version(session, tmp_path, "nlu")
    add_version(session, tmp_path, "churn")
    assert registry.names(session=session) == ["churn", "nlu"]
    assert sum(mv.is_active for mv in registry.list_(session=session)) == 2


def test_database_allows_one_active_version_per_name(session: Session, tmp_path: Path) -> None:
    add_version(session, tmp_path)
    add_version(session, tmp_path)
    old = registry.get(session=session, name="nlu", version=1)
    old.is_active = True
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_data_hash_ignores_row_order() -> None:
    a = registry.data_hash([("a", "x"), ("b", "y")])
    assert a == registry.data_hash([("b", "y"), ("a", "x")])
    assert a != registry.data_hash([("a", "y"), ("b", "x")])


def test_cache_reloads_when_another_version_is_activated(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with unit_of_work(session_factory) as s:
        add_version(s, tmp_path, marker="one")
        add_version(s, tmp_path, marker="two")
    cache = registry.ActiveModelCache(
        "nlu", tmp_path, lambda path, _mv: (path / "model.txt").read_text()
    )
    with session_factory() as s:
        assert cache.get(s) == ("two", 2)
        assert cache.get(s) == ("two", 2)
    assert cache.loads == 1
    with unit_of_work(session_factory) as s:  # as another process would, e.g. the CLI
        registry.rollback(session=s, models_dir=tmp_path, name="nlu")
    with session_factory() as s:
        assert cache.get(s) == ("one", 1)
    assert cache.loads == 2


def test_concurrent_requests_during_a_reload_load_once(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with unit_of_work(session_factory) as s:
        add_version(s, tmp_path, marker="slow")
    calls: list[int] = []

    def slow_loader(path: Path, mv: ModelVersion) -> str:
        calls.append(mv.version)
        time.sleep(0.2)
        return (path / "model.txt").read_text()

    cache = registry.ActiveModelCache("nlu", tmp_path, slow_loader)
    results: list[object] = []

    def worker() -> None:
        with session_factory() as s:
            results.append(cache.get(s))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1]
    assert results == [("slow", 1)] * 6


def test_no_active_version_gives_none(session: Session, tmp_path: Path) -> None:
    cache = registry.ActiveModelCache("nlu", tmp_path, lambda p, m: "x")
    assert cache.get(session) is None


def test_training_run_lifecycle(session: Session) -> None:
    run = runs.create(session=session, model_name="nlu", params={"finetune": False}, actor="t")
    assert run.status is RunStatus.QUEUED or run.status == "queued"
    runs.start(session=session, run_id=run.id)
    runs.progress(session=session, run_id=run.id, fraction=1.7, message="x" * 900)
    got = runs.get(session=session, run_id=run.id)
    assert got.progress == 1.0 and len(got.message) == runs.MAX_MESSAGE
    runs.fail(session=session, run_id=run.id, error="bad file")
    assert runs.get(session=session, run_id=run.id).status == RunStatus.FAILED
    assert [r.id for r in runs.list_(session=session, model_name="nlu")] == [run.id]
    with pytest.raises(NotFound):
        runs.get(session=session, run_id=9999)


def test_stored_enum_values_are_pinned() -> None:
    assert [s.value for s in RunStatus] == ["queued", "running", "succeeded", "failed"]
