"""Check a large import's rows in a worker process, on a second core, beside the writes.

Reading, converting and validating a row costs about as much CPU as writing it, and in two
threads of one process both share a single core (the GIL). For a large file on disk, a
worker process reads and checks the batches and sends them over a pipe, packed compactly: a
checked row travels as its field values and a bitmask of the fields it set, and is rebuilt in
the writing process through the schema's pickle protocol, at a quarter of what validating it
again would cost. The rows, their order, the checks and the messages are exactly those of the
in-process reader: both run ``checked_batches``.

Only kinds whose checked items need nothing but their lines, raw cells, rejection and
validated model (``Kind.parallel``) are sent; small files, files without a path (uploads),
single-core machines and daemonic processes (which may not start children) keep the thread.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, BinaryIO

from pydantic import BaseModel

from maitre.imports.kinds import Item, Kind, Rejection
from maitre.imports.mapping import CellError, ColumnMapping, Plan, build_plan
from maitre.imports.reader import CsvSource, ImportFileError

# Starting a worker (a fresh interpreter importing the domain) costs about a second.
WORKER_MIN_BYTES = 16 << 20
GC_THRESHOLD = 1_000_000


@dataclass
class Batch:
    """Checked items, with the data rows and bytes read up to the end of the batch."""

    items: list[Item]
    rows: int
    bytes_read: int


def items_of(source: CsvSource, plan: Plan) -> Iterator[Item]:
    """Yield one item per record: converted values, or the rejection of the record."""
    for record in source.records():
        if record.error is not None:
            yield Item([record.line], [record.values], {}, Rejection("", record.error))
            continue
        try:
            values = plan.convert(record.values)
        except CellError as exc:
            yield Item([record.line], [record.values], {}, Rejection(exc.column, exc.reason))
            continue
        yield Item([record.line], [record.values], values)


def checked_batches(source: CsvSource, kind: Kind, plan: Plan, size: int) -> Iterator[Batch]:
    """Read, convert, group and check ``source`` in batches of ``size`` items."""
    rows = 0

    def counted() -> Iterator[Item]:
        nonlocal rows
        for item in items_of(source, plan):
            rows += 1
            yield item

    batch: list[Item] = []
    for item in kind.group(counted(), plan):
        if item.error is None:
            kind.check(item, plan)
        batch.append(item)
        if len(batch) >= size:
            yield Batch(batch, rows, source.bytes_read)
            batch = []
    if batch:
        yield Batch(batch, rows, source.bytes_read)


def cores() -> int:
    """Return the cores this process may run on."""
    return len(os.sched_getaffinity(0))


def worker_path(stream: BinaryIO, kind: Kind) -> str | None:
    """Return the file a worker process should read, or ``None`` to check in a thread."""
    if not kind.parallel or multiprocessing.current_process().daemon:
        return None
    if cores() < 2:
        return None
    name = getattr(stream, "name", None)
    if not isinstance(name, str) or not os.path.isfile(name):
        return None
    return name if os.path.getsize(name) >= WORKER_MIN_BYTES else None


# -- packing ----------------------------------------------------------------------------------

Packed = tuple[type[BaseModel] | None, tuple[str, ...], list[tuple[Any, ...]]]


def pack(items: list[Item]) -> Packed:
    """Return ``items`` as plain tuples: a flat model as its values and a fields-set bitmask."""
    cls: type[BaseModel] | None = None
    keys: tuple[str, ...] = ()
    bits: dict[str, int] = {}
    rows: list[tuple[Any, ...]] = []
    for item in items:
        model = item.model
        head = (item.lines, item.raws, item.error)
        if model is None:
            rows.append((*head, None, 0))
            continue
        if cls is None and isinstance(model, BaseModel):
            cls, keys = type(model), tuple(model.__dict__)
            bits = {name: 1 << i for i, name in enumerate(keys)}
        if (
            type(model) is cls
            and model.__pydantic_extra__ is None
            and model.__pydantic_private__ is None
            and len(model.__dict__) == len(keys)
        ):
            mask = 0
            for name in model.__pydantic_fields_set__:
                mask |= bits[name]
            rows.append((*head, tuple(model.__dict__.values()), mask))
        else:
            rows.append((*head, model, -1))  # pickled whole
    return cls, keys, rows


def unpack(packed: Packed) -> list[Item]:
    """Rebuild the items ``pack`` packed (models through their pickle protocol, unvalidated)."""
    cls, keys, rows = packed
    sets: dict[int, frozenset[str]] = {}
    items: list[Item] = []
    for lines, raws, error, values, mask in rows:
        model = values
        if mask >= 0 and values is not None and cls is not None:
            fields = sets.get(mask)
            if fields is None:
                fields = sets[mask] = frozenset(k for i, k in enumerate(keys) if mask >> i & 1)
            model = cls.__new__(cls)
            model.__setstate__(
                {
                    "__dict__": dict(zip(keys, values, strict=True)),
                    "__pydantic_fields_set__": set(fields),
                    "__pydantic_extra__": None,
                    "__pydantic_private__": None,
                }
            )
        items.append(Item(lines, raws, {}, error, model))
    return items


# -- the two ends of the pipe -----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """What a worker reads and how: the file, the entity and the import's reading options."""

    path: str
    entity: str
    encoding: str
    mapping: ColumnMapping | None
    batch_size: int


def work(conn: Connection, job: Job) -> None:
    """The worker process: check the job's file and send its batches, then ``done``/the error."""
    from maitre.imports.runner import kind_for  # the kinds, imported in the fresh interpreter

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # see runner._fewer_gc_passes
    try:
        kind = kind_for(job.entity)
        with open(job.path, "rb") as stream:
            source = CsvSource(stream, encoding=job.encoding)
            plan = build_plan(kind.spec, source.header, job.mapping)
            for batch in checked_batches(source, kind, plan, job.batch_size):
                message = ("batch", batch.rows, batch.bytes_read, pack(batch.items))
                conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        conn.send_bytes(pickle.dumps(("done",)))
    except (BrokenPipeError, KeyboardInterrupt):
        return  # the writer has gone
    except BaseException as exc:
        # Sent as text: an exception with keyword-only fields need not unpickle.
        file_error = isinstance(exc, ImportFileError)
        try:
            conn.send_bytes(pickle.dumps(("error", file_error, str(exc) or repr(exc))))
        except OSError:
            return
    finally:
        conn.close()


class Worker:
    """The writing process's end: start the worker, receive its batches, stop it."""

    def __init__(self, job: Job) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self._conn, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=work,
            args=(child_end, job),
            name="maitre-import-worker",
            daemon=True,
        )
        self._process.start()
        child_end.close()  # so that the worker's death reads as the end of the pipe

    def batches(self) -> Iterator[Batch]:
        """Yield the worker's batches in file order; raise its error if it failed."""
        try:
            while True:
                try:
                    message = pickle.loads(self._conn.recv_bytes())
                except (EOFError, OSError):
                    self._process.join(timeout=5)
                    raise RuntimeError(
                        f"the import worker process stopped (exit code {self._process.exitcode})"
                    ) from None
                if message[0] == "done":
                    return
                if message[0] == "error":
                    _, file_error, text = message
                    raise ImportFileError(text) if file_error else RuntimeError(text)
                _, rows, bytes_read, packed = message
                yield Batch(unpack(packed), rows, bytes_read)
        finally:
            self._conn.close()  # by the thread that reads it, never under a blocked read

    def stop(self) -> None:
        """End the worker (at once if it is still reading); its pipe then reads as ended."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
