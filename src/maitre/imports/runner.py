"""Run one import: read, convert, group, write in committed batches, report, keep the job row.

This is an entry-point coordinator like a job, so it owns the transactions: each batch of
``batch_size`` objects is written and committed together with the job's running counts, so a
killed import keeps every committed batch, its job row says how far it got, and running the
same file again continues where it stopped (rows already written come back ``unchanged``).
With ``all_or_nothing`` the whole file is one transaction, rolled back if any row is rejected.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from maitre.customers.bulk import Outcome
from maitre.db.session import unit_of_work
from maitre.imports import service
from maitre.imports.kinds import Customers, Kind, Products, WriteContext, Written
from maitre.imports.mapping import ColumnMapping, Plan, build_plan
from maitre.imports.models import Entity, ImportStatus
from maitre.imports.orders import Orders
from maitre.imports.reader import CsvSource, ImportFileError
from maitre.imports.report import ErrorReport
from maitre.imports.service import Counts
from maitre.imports.worker import Batch, Job, Worker, checked_batches, worker_path

log = logging.getLogger("maitre.imports")

KINDS: dict[str, Kind] = {
    Entity.CUSTOMERS: Customers(),
    Entity.PRODUCTS: Products(),
    Entity.ORDERS: Orders(),
}
ENTITIES = tuple(KINDS)
DEFAULT_BATCH = 5000
#: an import writing at least this many rows refreshes the planner statistics of its tables
ANALYZE_MIN_ROWS = 10_000


@dataclass
class ImportOptions:
    """How to read and write one file."""

    entity: str
    filename: str = ""
    mapping: ColumnMapping | None = None
    all_or_nothing: bool = False
    encoding: str = "auto"
    actor: str = "system"
    batch_size: int = DEFAULT_BATCH


@dataclass
class ImportSummary:
    """How an import ended; ``report_path`` is set when rows were rejected (or always asked)."""

    import_id: int
    entity: str
    status: ImportStatus
    encoding: str
    counts: Counts = field(default_factory=Counts)
    report_path: Path | None = None


def kind_for(entity: str) -> Kind:
    """Return the importer for ``entity`` or raise ``ImportFileError``."""
    try:
        return KINDS[entity]
    except KeyError:
        raise ImportFileError(
            f"Cannot import {entity!r}; choose one of: {', '.join(ENTITIES)}."
        ) from None


def start(*, factory: sessionmaker[Session], options: ImportOptions) -> int:
    """Record a new import job and return its id (committed at once, so it survives)."""
    kind_for(options.entity)
    with unit_of_work(factory) as session:
        job = service.create(
            session=session,
            entity=options.entity,
            filename=options.filename,
            all_or_nothing=options.all_or_nothing,
            actor=options.actor,
        )
        return job.id


def run_import(
    *,
    factory: sessionmaker[Session],
    stream: BinaryIO,
    options: ImportOptions,
    report_path: Path,
    import_id: int | None = None,
    always_report: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import ``stream`` as ``options.entity``; file-level problems raise ``ImportFileError``."""
    kind = kind_for(options.entity)
    if import_id is None:
        import_id = start(factory=factory, options=options)
    counts = Counts()
    encoding = ""
    try:
        source = CsvSource(stream, encoding=options.encoding)
        encoding = source.encoding
        plan = build_plan(kind.spec, source.header, options.mapping)
        report = ErrorReport(report_path, source.header, always=always_report)
        try:
            with _fewer_gc_passes():
                status = _run(
                    factory, kind, source, plan, options, report, counts, import_id, progress,
                    worker_path(stream, kind),
                )  # fmt: skip
        finally:
            report.close()
    except ImportFileError as exc:
        _finish(factory, import_id, counts, encoding, ImportStatus.FAILED, str(exc))
        raise
    except BaseException as exc:
        # Committed batches stay; the job row says where the import stopped.
        _finish(factory, import_id, counts, encoding, ImportStatus.FAILED, f"stopped: {exc!r}")
        raise
    log.info(
        "imports.finished",
        extra={"import_id": import_id, "status": status.value, **counts.__dict__},
    )
    if status is ImportStatus.COMPLETED and counts.created + counts.updated >= ANALYZE_MIN_ROWS:
        refresh_statistics(factory, kind.tables)
    return ImportSummary(
        import_id=import_id,
        entity=options.entity,
        status=status,
        encoding=encoding,
        counts=counts,
        report_path=report_path if report.rows or always_report else None,
    )


_gc_lock = threading.Lock()
_gc_imports = 0
_gc_default: tuple[int, int, int] = gc.get_threshold()
# Above the containers a few batches in flight hold (~30 per row, four batches of 5,000).
GC_THRESHOLD = 1_000_000


@contextlib.contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Run the cyclic garbage collector less often while an import runs.

    Every row allocates a dozen short-lived containers; at the default threshold (700
    allocations) the collector keeps re-scanning the batches in flight and takes a third of
    the import's CPU, and still a seventh at 50,000. The threshold counts containers allocated
    less those freed, so set above what the batches in flight hold, a pass comes only when
    something really accumulates: reference counting frees the rows, and cycles are still
    collected, in rare, larger passes. The threshold is restored when the last import ends.
    """
    global _gc_imports, _gc_default
    with _gc_lock:
        if _gc_imports == 0:
            _gc_default = gc.get_threshold()
            gc.set_threshold(max(GC_THRESHOLD, _gc_default[0]), *_gc_default[1:])
        _gc_imports += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_imports -= 1
            if _gc_imports == 0:
                gc.set_threshold(*_gc_default)


def refresh_statistics(factory: sessionmaker[Session], tables: tuple[str, ...]) -> bool:
    """``ANALYZE`` ``tables`` on PostgreSQL; return whether it ran.

    PostgreSQL plans from statistics that autovacuum refreshes in the background; where it is
    off or has not caught up, a query for one customer after a million-row import is planned
    as if the tables were still small (a full scan of the order lines instead of an index
    lookup). SQLite has no such background job and plans well without statistics, so it is
    left alone. A failure is logged, never raised: the import itself has landed.
    """
    engine = factory.kw.get("bind")
    if engine is None or engine.dialect.name != "postgresql":
        return False
    try:
        with engine.begin() as conn:
            for table in tables:
                conn.execute(text(f'ANALYZE "{table}"'))
    except Exception:
        log.exception("imports.analyze_failed", extra={"tables": list(tables)})
        return False
    log.info("imports.analyzed", extra={"tables": list(tables)})
    return True


def _finish(
    factory: sessionmaker[Session],
    import_id: int,
    counts: Counts,
    encoding: str,
    status: ImportStatus,
    error: str | None = None,
) -> None:
    try:
        with unit_of_work(factory) as session:
            service.save_progress(
                session=session,
                import_id=import_id,
                counts=counts,
                encoding=encoding,
                status=status,
                error=error,
            )
    except Exception:  # the database may be what failed; the original error matters more
        log.exception("imports.finish_failed", extra={"import_id": import_id})


_DONE = object()


class _Reader(threading.Thread):
    """Read, convert, group and check batches one or two ahead of the database writes.

    Parsing and validation are CPU work; writing is mostly waiting on the database. Doing them
    in another thread overlaps the two, and the bounded queue keeps memory flat. With a
    ``worker`` (a large file on disk), the checking runs in a worker process on another core
    and this thread only receives its batches.
    """

    def __init__(
        self, source: CsvSource, kind: Kind, plan: Plan, batch_size: int, worker: Worker | None
    ) -> None:
        super().__init__(name="maitre-import-reader", daemon=True)
        self._source, self._kind, self._plan, self._size = source, kind, plan, batch_size
        self._worker = worker
        self._queue: queue.Queue[object] = queue.Queue(maxsize=2)
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            if self._worker is not None:
                batches = self._worker.batches()
            else:
                batches = checked_batches(self._source, self._kind, self._plan, self._size)
            for batch in batches:
                self._put(batch)
            self._put(_DONE)
        except _Stopped:
            return
        except BaseException as exc:  # handed to the writer, which raises it
            with contextlib.suppress(_Stopped):
                self._put(exc)

    def _put(self, obj: object) -> None:
        while not self._stopping.is_set():
            try:
                self._queue.put(obj, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def batches(self) -> Iterator[Batch]:
        """Yield the checked batches in file order; re-raise the reader's error if it failed."""
        self.start()
        try:
            while (got := self._queue.get()) is not _DONE:
                if isinstance(got, BaseException):
                    raise got
                assert isinstance(got, Batch)
                yield got
        finally:
            self._stopping.set()
            if self._worker is not None:
                self._worker.stop()
            self.join(timeout=5)


class _Stopped(Exception):
    """The writer has stopped; the reader should too."""


def _run(
    factory: sessionmaker[Session],
    kind: Kind,
    source: CsvSource,
    plan: Plan,
    options: ImportOptions,
    report: ErrorReport,
    counts: Counts,
    import_id: int,
    progress: Callable[[int], None] | None,
    path: str | None,
) -> ImportStatus:
    ctx = WriteContext(plan=plan, actor=options.actor)
    worker = None
    if path is not None:
        job = Job(path, kind.name, options.encoding, options.mapping, options.batch_size)
        worker = Worker(job)
    batches = _Reader(source, kind, plan, options.batch_size, worker).batches()
    if options.all_or_nothing:
        with factory() as session:
            for batch in batches:
                _write(session, kind, batch, ctx, report, counts)
                session.flush()
                session.expunge_all()  # keep memory flat across a long transaction
                if progress:
                    progress(batch.bytes_read)
            if counts.rejected:
                session.rollback()
            else:
                service.save_progress(
                    session=session,
                    import_id=import_id,
                    counts=counts,
                    encoding=source.encoding,
                    status=ImportStatus.COMPLETED,
                )
                session.commit()
                return ImportStatus.COMPLETED
        landed = Counts(rows=counts.rows, rejected=counts.rejected)
        counts.created = counts.updated = counts.unchanged = 0
        _finish(factory, import_id, landed, source.encoding, ImportStatus.ROLLED_BACK)
        return ImportStatus.ROLLED_BACK
    for batch in batches:
        with unit_of_work(factory) as session:
            _write(session, kind, batch, ctx, report, counts)
            service.save_progress(
                session=session, import_id=import_id, counts=counts, encoding=source.encoding
            )
        if progress:
            progress(batch.bytes_read)
    _finish(factory, import_id, counts, source.encoding, ImportStatus.COMPLETED)
    return ImportStatus.COMPLETED


def _write(
    session: Session,
    kind: Kind,
    batch: Batch,
    ctx: WriteContext,
    report: ErrorReport,
    counts: Counts,
) -> None:
    counts.rows = batch.rows
    todo = [item for item in batch.items if item.error is None]
    written = kind.write(session, todo, ctx) if todo else []
    if len(written) != len(todo):
        raise RuntimeError(f"{kind.name}: {len(written)} results for {len(todo)} objects")
    results = iter(written)  # in the order of ``todo``, the unrejected items
    ledger = ctx.ledger
    for item in batch.items:
        result = item.error or next(results)
        if isinstance(result, Written):
            if result.object_id not in ledger:
                ledger.add(result.object_id, item.lines[0])
            if result.outcome is Outcome.CREATED:
                counts.created += 1
            elif result.outcome is Outcome.UPDATED:
                counts.updated += 1
            else:
                counts.unchanged += 1
            continue
        counts.rejected += 1
        raws = item.raws + [[]] * (len(item.lines) - len(item.raws))
        for line, raw in zip(item.lines, raws, strict=False):
            report.add(line, result.column, result.reason, raw)
