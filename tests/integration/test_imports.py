"""Importing and exporting CSV on SQLite and PostgreSQL: what lands, what is reported, reruns."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from maitre.config import get_settings
from maitre.customers.models import Customer
from maitre.events import DomainEvent, subscribe
from maitre.exports.service import ExportFormat, render
from maitre.imports import worker
from maitre.imports.mapping import parse_mapping
from maitre.imports.models import Entity, ImportJob, ImportStatus
from maitre.imports.reader import ImportFileError
from maitre.imports.runner import ImportOptions, ImportSummary, run_import
from maitre.orders.models import Order
from maitre.products.models import Product
from maitre.timeline.models import TimelineEvent
from tests.factories.customers import make_customer
from tests.factories.products import make_product

Factory = sessionmaker[Session]


@pytest.fixture(params=["thread", "worker"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Check the rows in a thread, or in a worker process as for a large file on disk."""
    if request.param == "worker":
        monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
        monkeypatch.setattr(worker, "cores", lambda: 2)
    return str(request.param)


def run(
    factory: Factory,
    data: bytes | str,
    tmp_path: Path,
    entity: str = "customers",
    **options: Any,
) -> ImportSummary:
    """Import ``data`` from a file (checked by a worker process when ``reader`` asks for one)."""
    raw = data.encode() if isinstance(data, str) else data
    path = tmp_path / f"import-{len(list(tmp_path.glob('import-*.csv')))}.csv"
    path.write_bytes(raw)
    return run_path(factory, path, entity, **options)


def run_path(
    factory: Factory,
    path: Path,
    entity: str = "customers",
    progress: Callable[[int], None] | None = None,
    **options: Any,
) -> ImportSummary:
    """Import the file at ``path``; the error report goes beside it."""
    with path.open("rb") as stream:
        return run_import(
            factory=factory,
            stream=stream,
            options=ImportOptions(entity=entity, actor="test", **options),
            report_path=path.with_name("errors.csv"),
            progress=progress,
        )


def counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    c = summary.counts
    return c.created, c.updated, c.unchanged, c.rejected


def report(summary: ImportSummary) -> list[dict[str, str]]:
    assert summary.report_path is not None
    with summary.report_path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def count(factory: Factory, model: Any) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


CUSTOMERS = (
    "name,email,phone,tags,custom_fields.tier\n"
    "Ada Lovelace,Ada@Example.com,+44 1,vip; b2b,gold\n"
    "Grace Hopper,not-an-email,,,\n"
    "Alan Turing,alan@example.com,,,\n"
)


def test_good_rows_land_and_bad_rows_are_reported(
    session_factory: Factory, tmp_path: Path, reader: str
) -> None:
    summary = run(session_factory, CUSTOMERS, tmp_path)
    assert summary.status is ImportStatus.COMPLETED
    assert counts(summary) == (2, 0, 0, 1)
    assert summary.counts.rows == 3
    (bad,) = report(summary)
    assert bad["line"] == "3" and bad["column"] == "email"
    assert "not a valid email" in bad["reason"]
    assert bad["name"] == "Grace Hopper" and bad["email"] == "not-an-email"
    with session_factory() as s:
        ada = s.scalar(select(Customer).where(Customer.email == "ada@example.com"))
        assert ada is not None
        assert ada.tags == ["vip", "b2b"] and ada.custom_fields == {"tier": "gold"}
        events = s.scalars(select(TimelineEvent).where(TimelineEvent.customer_id == ada.id))
        (event,) = events
        assert event.kind == "customer.created" and event.data == {"source": "import"}
        assert event.actor == "test"
        job = s.get(ImportJob, summary.import_id)
        assert job is not None and job.status == ImportStatus.COMPLETED
        assert (job.rows, job.created, job.rejected) == (3, 2, 1)


def test_rerunning_the_same_file_changes_nothing(
    session_factory: Factory, tmp_path: Path, reader: str
) -> None:
    run(session_factory, CUSTOMERS, tmp_path)
    events = count(session_factory, TimelineEvent)
    again = run(session_factory, CUSTOMERS, tmp_path)
    assert counts(again) == (0, 0, 2, 1)
    assert count(session_factory, Customer) == 2
    assert count(session_factory, TimelineEvent) == events


def test_changed_rows_update_only_the_columns_given(
    session_factory: Factory, tmp_path: Path
) -> None:
    with session_factory() as s:
        make_customer(s, email="ada@example.com", phone="+44 0", company="Engines")
        s.commit()
    summary = run(session_factory, "email,name,phone\nada@example.com,Ada L,\n", tmp_path)
    assert counts(summary) == (0, 1, 0, 0)
    with session_factory() as s:
        ada = s.scalar(select(Customer).where(Customer.email == "ada@example.com"))
        assert ada is not None
        assert (ada.name, ada.phone, ada.company) == ("Ada L", "+44 0", "Engines")
        event = s.scalars(
            select(TimelineEvent).where(TimelineEvent.kind == "customer.updated")
        ).one()
        assert event.summary == "Updated name" and event.data["source"] == "import"


def test_external_id_matches_first_and_may_change_the_email(
    session_factory: Factory, tmp_path: Path
) -> None:
    run(session_factory, "external_id,name,email\nC1,Ada,ada@example.com\n", tmp_path)
    summary = run(session_factory, "external_id,name,email\nC1,Ada,ada@new.example\n", tmp_path)
    assert counts(summary) == (0, 1, 0, 0)
    with session_factory() as s:
        assert s.scalar(select(Customer.email).where(Customer.external_id == "C1")) == (
            "ada@new.example"
        )


def test_keys_pointing_at_two_customers_are_rejected(
    session_factory: Factory, tmp_path: Path
) -> None:
    run(
        session_factory,
        "external_id,name,email\nC1,Ada,ada@example.com\nC2,Bo,bo@x.com\n",
        tmp_path,
    )
    summary = run(session_factory, "external_id,name,email\nC1,Ada,bo@x.com\n", tmp_path)
    assert counts(summary) == (0, 0, 0, 1)
    assert "belongs to customer" in report(summary)[0]["reason"]


@pytest.mark.parametrize("batch_size", [1000, 2])
def test_duplicate_keys_in_the_file_keep_the_first_and_report_the_rest(
    session_factory: Factory, tmp_path: Path, batch_size: int, reader: str
) -> None:
    data = (
        "name,email,external_id\n"
        "Ada,ada@example.com,\n"
        "Bo,bo@example.com,B1\n"
        "Cy,cy@example.com,\n"
        "Ada again,ADA@example.com,\n"
        "Bo again,other@example.com,B1\n"
    )
    summary = run(session_factory, data, tmp_path, batch_size=batch_size)
    assert counts(summary) == (3, 0, 0, 2)
    rows = report(summary)
    assert [(r["line"], r["column"]) for r in rows] == [("5", "email"), ("6", "external_id")]
    assert "already on line 2" in rows[0]["reason"]
    assert "already on line 3" in rows[1]["reason"]
    with session_factory() as s:
        assert s.scalar(select(Customer.name).where(Customer.email == "ada@example.com")) == "Ada"
    again = run(session_factory, data, tmp_path, batch_size=batch_size)
    assert counts(again) == (0, 0, 3, 2)


def test_all_or_nothing_lands_nothing_when_a_row_fails(
    session_factory: Factory, tmp_path: Path, reader: str
) -> None:
    summary = run(session_factory, CUSTOMERS, tmp_path, all_or_nothing=True, batch_size=1)
    assert summary.status is ImportStatus.ROLLED_BACK
    assert counts(summary) == (0, 0, 0, 1)
    assert count(session_factory, Customer) == 0
    assert count(session_factory, TimelineEvent) == 0
    with session_factory() as s:
        job = s.get(ImportJob, summary.import_id)
        assert job is not None and job.status == ImportStatus.ROLLED_BACK and job.rejected == 1


def test_all_or_nothing_lands_everything_when_all_rows_pass(
    session_factory: Factory, tmp_path: Path, reader: str
) -> None:
    data = "name,email\nAda,ada@example.com\nBo,bo@example.com\n"
    summary = run(session_factory, data, tmp_path, all_or_nothing=True)
    assert summary.status is ImportStatus.COMPLETED and summary.report_path is None
    assert counts(summary) == (2, 0, 0, 0)
    assert count(session_factory, Customer) == 2


class _Killed(Exception):
    pass


def test_a_killed_import_keeps_committed_batches_and_can_be_rerun(
    session_factory: Factory, tmp_path: Path, reader: str
) -> None:
    data = "name,email\n" + "".join(f"C{i},c{i}@example.com\n" for i in range(10))
    path = tmp_path / "killed.csv"
    path.write_text(data)
    calls = 0

    def die_after_two_batches(_done: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise _Killed

    with pytest.raises(_Killed):
        run_path(session_factory, path, batch_size=3, progress=die_after_two_batches)
    assert not multiprocessing.active_children()  # a worker process was stopped with it
    assert count(session_factory, Customer) == 6
    with session_factory() as s:
        job = s.scalars(select(ImportJob)).one()
        assert job.status == ImportStatus.FAILED and job.created == 6
        assert job.error is not None and "_Killed" in job.error
    again = run(session_factory, data, tmp_path, batch_size=3)
    assert counts(again) == (4, 0, 6, 0)


def test_a_dead_worker_fails_the_import_and_keeps_committed_batches(
    session_factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(worker, "cores", lambda: 2)
    path = tmp_path / "many.csv"
    path.write_text("name,email\n" + "".join(f"C{i},c{i}@example.com\n" for i in range(20_000)))

    def kill_the_worker(_done: int) -> None:
        for child in multiprocessing.active_children():
            child.kill()

    with pytest.raises(RuntimeError, match="import worker process stopped"):
        run_path(session_factory, path, batch_size=100, progress=kill_the_worker)
    with session_factory() as s:
        job = s.scalars(select(ImportJob)).one()
        assert job.status == ImportStatus.FAILED and "worker" in (job.error or "")
        assert 0 < job.created == count(session_factory, Customer) < 20_000


def test_a_file_error_midway_fails_the_import_clearly(
    session_factory: Factory, tmp_path: Path, reader: str
) -> None:
    # UTF-16 is decoded as a whole stream: a broken byte pair far past the header ends the
    # import where the reader meets it; the batches before it stay committed.
    good = "name,email\n" + "".join(f"C{i},c{i}@example.com\n" for i in range(2000))
    data = good.encode("utf-16") + b"\x00\xd8\x00\x00"  # a lone high surrogate
    with pytest.raises(ImportFileError, match="not valid utf-16 after line"):
        run(session_factory, data, tmp_path, batch_size=500)
    assert not multiprocessing.active_children()
    with session_factory() as s:
        job = s.scalars(select(ImportJob)).one()
        assert job.status == ImportStatus.FAILED
        assert job.error is not None and "not valid utf-16" in job.error
        assert 0 < job.created == count(session_factory, Customer)


def test_missing_columns_fail_before_any_row(session_factory: Factory, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="missing required columns: name"):
        run(session_factory, "email\nada@example.com\n", tmp_path)
    assert count(session_factory, Customer) == 0
    with session_factory() as s:
        job = s.scalars(select(ImportJob)).one()
        assert job.status == ImportStatus.FAILED and "name" in (job.error or "")


def test_empty_file_fails_clearly(session_factory: Factory, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="empty"):
        run(session_factory, b"", tmp_path)


def test_wrong_encoding_rejects_only_the_undecodable_rows(
    session_factory: Factory, tmp_path: Path, reader: str
) -> None:
    data = "name,email\nZoë,zoe@example.com\nAda,ada@example.com\n".encode("cp1252")
    summary = run(session_factory, data, tmp_path)
    assert counts(summary) == (1, 0, 0, 1)
    assert "not valid utf-8" in report(summary)[0]["reason"]
    fixed = run(session_factory, data, tmp_path, encoding="cp1252")
    assert counts(fixed) == (1, 0, 1, 0)
    assert fixed.encoding == "cp1252"


def test_ragged_rows_and_huge_fields_are_rejected(
    session_factory: Factory, tmp_path: Path, reader: str
) -> None:
    data = (
        "name,email\n"
        "Ada,ada@example.com,extra\n"
        f"{'x' * 300},long@example.com\n"
        f"{'y' * 200_000},huge@example.com\n"
        "Bo,bo@example.com\n"
    )
    summary = run(session_factory, data, tmp_path)
    assert counts(summary) == (1, 0, 0, 3)
    reasons = [(r["line"], r["column"], r["reason"]) for r in report(summary)]
    assert reasons[0] == ("2", "", "row has 3 fields; the header has 2")
    assert reasons[1][:2] == ("3", "name") and "at most 200 characters" in reasons[1][2]
    assert reasons[2][0] == "4" and "field limit" in reasons[2][2]


def test_mapping_renames_columns_and_adds_constants(
    session_factory: Factory, tmp_path: Path
) -> None:
    mapping = parse_mapping("columns:\n  Nom: name\n  E-Mail: email\nconstants:\n  language: fr\n")
    summary = run(session_factory, "Nom,E-Mail\nAda,ada@example.com\n", tmp_path, mapping=mapping)
    assert counts(summary) == (1, 0, 0, 0)
    with session_factory() as s:
        assert s.scalar(select(Customer.language)) == "fr"


def test_products_upsert_by_sku(session_factory: Factory, tmp_path: Path, reader: str) -> None:
    data = (
        "sku,name,price,stock\n"
        "MUG-1,Mug,12.50,10\n"
        "MUG-2,Big mug,-1,5\n"
        "MUG-1,Mug twice,12.50,10\n"
        "TEE-1,Tee,20,3\n"
    )
    summary = run(session_factory, data, tmp_path, entity="products")
    assert counts(summary) == (2, 0, 0, 2)
    rows = report(summary)
    assert (rows[0]["line"], rows[0]["column"]) == ("3", "price")
    assert "already on line 2" in rows[1]["reason"]
    again = run(session_factory, data, tmp_path, entity="products")
    assert counts(again) == (0, 0, 2, 2)
    changed = run(session_factory, "sku,name,price\nTEE-1,Tee,25.00\n", tmp_path, entity="products")
    assert counts(changed) == (0, 1, 0, 0)
    assert count(session_factory, Product) == 2


ORDERS = (
    "number,customer_email,status,placed_at,sku,quantity,unit_price\n"
    "1001,ada@example.com,delivered,2024-03-01T10:00:00Z,MUG-1,2,12.50\n"
    "1001,,,,TEE-1,1,\n"
    "1002,ada@example.com,paid,2024-03-02T09:30:00Z,MUG-1,1,\n"
    "1003,nobody@example.com,paid,2024-03-02T09:30:00Z,MUG-1,1,\n"
    "1004,ada@example.com,paid,2024-03-02T09:30:00Z,MUG-1,1,\n"
    "1004,ada@example.com,shipped,2024-03-02T09:30:00Z,TEE-1,1,\n"
    "1002,ada@example.com,paid,2024-03-02T09:30:00Z,MUG-1,1,\n"
)


def _shop(factory: Factory) -> None:
    with factory() as s:
        make_customer(s, email="ada@example.com")
        make_product(s, sku="MUG-1", price="10.00")
        make_product(s, sku="TEE-1", price="20.00")
        s.commit()


def test_orders_group_line_rows_and_reject_whole_orders(
    session_factory: Factory, tmp_path: Path
) -> None:
    _shop(session_factory)
    summary = run(session_factory, ORDERS, tmp_path, entity="orders")
    assert counts(summary) == (2, 0, 0, 3)
    rows = report(summary)
    assert [r["line"] for r in rows] == ["5", "6", "7", "8"]
    assert "no customer with email 'nobody@example.com'" in rows[0]["reason"]
    assert "disagree on status" in rows[1]["reason"] and rows[1]["column"] == "status"
    assert rows[1]["reason"] == rows[2]["reason"]
    assert "duplicate order number '1002'; already on line 4" in rows[3]["reason"]
    with session_factory() as s:
        order = s.scalars(select(Order).where(Order.number == "1001")).one()
        assert [(line.sku, line.quantity, str(line.unit_price)) for line in order.lines] == [
            ("MUG-1", 2, "12.50"),
            ("TEE-1", 1, "20.00"),
        ]
        assert order.status == "delivered"
    again = run(session_factory, ORDERS, tmp_path, entity="orders")
    assert counts(again) == (0, 0, 2, 3)


def test_export_then_import_changes_nothing(session_factory: Factory, tmp_path: Path) -> None:
    run(session_factory, CUSTOMERS, tmp_path)
    with session_factory() as s:
        make_customer(
            s, email="zh@example.com", name="李小龙", language="zh", custom_fields={"a": 1}
        )
        s.commit()
        text = "".join(render(session=s, entity=Entity.CUSTOMERS, fmt=ExportFormat.CSV))
    summary = run(session_factory, text, tmp_path)
    assert counts(summary) == (0, 0, 3, 0)


def test_exports_stream_every_record_as_csv_or_jsonl(
    session_factory: Factory, tmp_path: Path
) -> None:
    _shop(session_factory)
    run(session_factory, ORDERS, tmp_path, entity="orders")
    with session_factory() as s:
        lines = "".join(render(session=s, entity=Entity.ORDERS, fmt=ExportFormat.JSONL))
        table = "".join(render(session=s, entity=Entity.ORDERS, fmt=ExportFormat.CSV))
        products = "".join(render(session=s, entity=Entity.PRODUCTS, fmt=ExportFormat.CSV))
    orders = [json.loads(line) for line in lines.splitlines()]
    assert [o["number"] for o in orders] == ["1001", "1002"]
    assert len(orders[0]["lines"]) == 2
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [(r["number"], r["sku"]) for r in rows] == [
        ("1001", "MUG-1"),
        ("1001", "TEE-1"),
        ("1002", "MUG-1"),
    ]
    assert len(list(csv.DictReader(io.StringIO(products)))) == 2
    summary = run(session_factory, table, tmp_path, entity="orders")
    assert counts(summary) == (0, 0, 2, 0)


@pytest.mark.slow
def test_100k_rows_stream_in_batches(session_factory: Factory, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("name,email,external_id\n")
        for i in range(100_000):
            f.write(f"Customer {i},c{i}@example.com,X{i}\n")
    size = path.stat().st_size
    progress: list[int] = []
    with path.open("rb") as stream:
        summary = run_import(
            factory=session_factory,
            stream=stream,
            options=ImportOptions(entity="customers", batch_size=5000),
            report_path=tmp_path / "errors.csv",
            progress=progress.append,
        )
    assert counts(summary) == (100_000, 0, 0, 0)
    assert count(session_factory, Customer) == 100_000
    # Streamed: after the first committed batch only a small part of the file had been read.
    assert progress[0] < size / 5
    assert progress == sorted(progress) and progress[-1] == size
    assert len(progress) == 20


def test_cli_imports_with_progress_and_exports(
    db_url: str, engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maitre.cli.main import app

    monkeypatch.setenv("MAITRE_DATABASE_URL", db_url)
    monkeypatch.setenv("MAITRE_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    source = tmp_path / "customers.csv"
    source.write_text(CUSTOMERS, encoding="utf-8")
    runner = CliRunner()
    try:
        result = runner.invoke(app, ["import", "customers", str(source)])
        assert result.exit_code == 0, result.output
        assert "customers" in result.output and "Rejected rows are listed in" in result.output
        errors = tmp_path / "customers.csv.errors.csv"
        assert "not-an-email" in errors.read_text()

        result = runner.invoke(app, ["import", "customers", str(source), "--all-or-nothing"])
        assert result.exit_code == 1
        assert "nothing was imported" in result.output

        result = runner.invoke(app, ["import", "products", str(source)])
        assert result.exit_code == 1 and "missing required columns" in result.output

        out = tmp_path / "out.jsonl"
        result = runner.invoke(app, ["export", "customers", "--format", "jsonl", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert len(out.read_text().splitlines()) == 2
        result = runner.invoke(app, ["export", "customers"])
        assert result.exit_code == 0 and result.output.startswith("id,name,email")
    finally:
        get_settings.cache_clear()


def test_imported_customers_are_announced_to_subscribers(
    session_factory: Factory, tmp_path: Path
) -> None:
    seen: list[DomainEvent] = []
    subscribe(
        session_factory,
        lambda _session, event: seen.append(event),
        interest=lambda _session, kind: kind == "customer.created",
    )
    run(session_factory, CUSTOMERS, tmp_path)
    assert sorted(e.data["email"] for e in seen) == ["ada@example.com", "alan@example.com"]
    assert {e.type for e in seen} == {"customer.created"}
    assert all(isinstance(e.data["id"], int) for e in seen)
    run(session_factory, "email,name\nada@example.com,Ada Byron\n", tmp_path)
    assert len(seen) == 2  # nobody listens to customer.updated here


def test_a_large_import_refreshes_the_planner_statistics(
    session_factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL gets ``ANALYZE`` on the grown tables; SQLite is left to plan as it does."""
    from maitre.imports import runner

    analyzed: list[tuple[str, ...]] = []
    real = runner.refresh_statistics

    def spy(factory: Factory, tables: tuple[str, ...]) -> bool:
        analyzed.append(tables)
        return real(factory, tables)

    monkeypatch.setattr(runner, "refresh_statistics", spy)
    monkeypatch.setattr(runner, "ANALYZE_MIN_ROWS", 3)
    rows = "".join(f"Customer {i},c{i}@example.com\n" for i in range(2))
    run(session_factory, "name,email\n" + rows, tmp_path)
    assert analyzed == []  # two rows: below the threshold

    rows = "".join(f"Customer {i},c{i}@example.com\n" for i in range(2, 6))
    run(session_factory, "name,email\n" + rows, tmp_path)
    assert analyzed == [("customers",)]
    engine = session_factory.kw["bind"]
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # ANALYZE wrote the table's size to the catalogue (never analyzed: -1 or 0)
            reltuples = conn.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE relname = 'customers'"
            ).scalar_one()
            assert reltuples == 6
        else:
            assert not real(session_factory, ("customers",))
            names = conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
            assert "sqlite_stat1" not in names
