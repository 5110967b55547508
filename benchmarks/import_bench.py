"""Import N customers from CSV into SQLite and PostgreSQL; compare with PostgreSQL's own COPY.

    python benchmarks/import_bench.py --rows 1000000 --json benchmarks/results/import_bench.json

Generates a deterministic CSV (seeded), then for each backend creates a fresh database, runs
``maitre.imports.runner.run_import`` in a child process (as ``maitre import customers`` does,
without the progress bar) and records rows/s of the import itself and the child's peak RSS.
The ceiling is the same file loaded with ``COPY … FROM STDIN (FORMAT csv)`` into a table with
the customers table's columns and indexes, in a fresh database, measured three times in the same
run (before, between and after the imports); ``ratio_to_copy`` compares with their median.
PostgreSQL is at 127.0.0.1:5432, user postgres (override with ``--pg-dsn``); the benchmark
creates and drops its own databases.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_json

from maitre.imports.runner import DEFAULT_BATCH

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.25
TARGET_RSS_MB = 500
COLUMNS = [
    "external_id",
    "name",
    "email",
    "phone",
    "company",
    "language",
    "address",
    "country",
    "tags",
]
FIRST = ["Ada", "Grace", "Alan", "Linus", "Margaret", "Edsger", "Barbara", "Donald", "Ken"]
FIRST += ["Dennis", "Frances", "Niklaus", "Li", "Wei"]
LAST = ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Dijkstra", "Liskov", "Knuth"]
LAST += ["Thompson", "Ritchie", "Allen", "Wirth", "Na", "Zhang"]
DOMAINS = [
    f"{w}.{tld}"
    for w in ("mail", "post", "shop", "example", "acme")
    for tld in ("com", "de", "cn", "io", "fr")
]
CITIES = [("London", "GB"), ("Berlin", "DE"), ("Shanghai", "CN"), ("Paris", "FR"), ("Austin", "US")]
TAGS = ["vip", "newsletter", "b2b", "wholesale", "returning"]


def generate(path: Path, rows: int, seed: int) -> None:
    """Write a deterministic customers CSV with ``rows`` data rows."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            city, country = rng.choice(CITIES)
            tags = rng.sample(TAGS, rng.randint(0, 2))
            phone = f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(10**6, 10**7 - 1)}"
            writer.writerow(
                [
                    f"C{i:08d}",
                    f"{first} {last}",
                    f"{first}.{last}.{i}@{rng.choice(DOMAINS)}".lower(),
                    phone,
                    f"{last} & Co {rng.randint(1, 500)}" if rng.random() < 0.4 else "",
                    "zh" if country == "CN" else rng.choice(["en", "en", "de", "fr"]),
                    f"{rng.randint(1, 300)} Long Street, {city}",
                    country,
                    json.dumps(tags),
                ]
            )


def _admin(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn, autocommit=True)


def _db_url(dsn: str, name: str, driver: str = "postgresql+psycopg") -> str:
    base = dsn.rsplit("/", 1)[0].split("://", 1)[1]
    return f"{driver}://{base}/{name}"


def _create_schema(url: str) -> None:
    from maitre.db import models  # noqa: F401  (registers every table)
    from maitre.db.base import Base
    from maitre.db.session import make_engine

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


_WHO = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)


def _usage() -> float:
    """CPU seconds of this process and its finished children (the import worker)."""
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, _WHO))


class _PeakMemory:
    """The largest RSS of this process and its children together, sampled every 0.25 s.

    ``ru_maxrss`` cannot say it: a child's starts at its parent's size when it was forked, and
    the children's is the largest single child's, not a sum of what was held at once. Finding
    the children scans /proc, so it is done once a second, not at every sample.
    """

    def __init__(self, every: float = 0.25, rescan: int = 4) -> None:
        import psutil

        self._process = psutil.Process()
        self._every, self._rescan = every, rescan
        self._children: list[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak_bytes = 0

    def _sample(self, tick: int = 0) -> None:
        import psutil

        if tick % self._rescan == 0:
            self._children = self._process.children(recursive=True)
        total = self._process.memory_info().rss
        for child in self._children:
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        self.peak_bytes = max(self.peak_bytes, total)

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(self._every):
            tick += 1
            self._sample(tick)

    def __enter__(self) -> _PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def child(url: str, csv_path: str, batch_size: int) -> None:
    """Run one import in this (child) process and print its measurements as JSON."""
    from maitre.db.session import make_engine, make_sessionmaker
    from maitre.imports.runner import ImportOptions, run_import

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    options = ImportOptions(entity="customers", actor="bench", batch_size=batch_size)
    report = Path(csv_path).with_suffix(".errors.csv")
    sampler = _PeakMemory()
    with open(csv_path, "rb") as stream, sampler:
        before = _usage()
        start = time.perf_counter()
        summary = run_import(factory=factory, stream=stream, options=options, report_path=report)
        seconds = time.perf_counter() - start
        after = _usage()
    engine.dispose()
    # The import's worker process (it checks rows on a second core) counts too: its CPU, and
    # its memory, sampled together with this process's (``_PeakMemory``).
    peak_kb = sampler.peak_bytes // 1024
    cpu = after - before
    print(
        json.dumps(
            {
                "seconds": seconds,
                "client_cpu_s": round(cpu, 2),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "counts": summary.counts.__dict__,
                "status": summary.status.value,
            }
        )
    )


def run_child(url: str, csv_path: Path, batch_size: int) -> dict[str, Any]:
    """Import in a fresh interpreter; return its measurements."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(csv_path), "--batch-size", str(batch_size)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def copy_baseline(dsn: str, csv_path: Path, rows: int) -> float:
    """Load the file with COPY into a customers-shaped table in a fresh database; rows/s."""
    name = f"maitre_bench_copy_{uuid.uuid4().hex[:8]}"
    with _admin(dsn) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _create_schema(_db_url(dsn, name))
        with psycopg.connect(_db_url(dsn, name, "postgresql")) as conn:
            conn.execute("CREATE TABLE copy_target (LIKE customers INCLUDING ALL)")
            for column, default in (
                ("custom_fields", "'{}'::jsonb"),
                ("marketing_consent", "false"),
                ("data_processing_consent", "true"),
                ("created_at", "now()"),
                ("updated_at", "now()"),
            ):
                conn.execute(f"ALTER TABLE copy_target ALTER COLUMN {column} SET DEFAULT {default}")
            conn.commit()
            with conn.cursor() as cur, csv_path.open("rb") as data:
                start = time.perf_counter()
                cols = ", ".join(COLUMNS)
                with cur.copy(
                    f"COPY copy_target ({cols}) FROM STDIN (FORMAT csv, HEADER true)"
                ) as cp:
                    while chunk := data.read(1 << 20):
                        cp.write(chunk)
                conn.commit()
                seconds = time.perf_counter() - start
            loaded = conn.execute("SELECT count(*) FROM copy_target").fetchone()
            assert loaded is not None and loaded[0] == rows, loaded
    finally:
        with _admin(dsn) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return rows / seconds


def bench_sqlite(csv_path: Path, workdir: Path, batch_size: int) -> dict[str, Any]:
    db = workdir / "bench.db"
    url = f"sqlite:///{db}"
    _create_schema(url)
    result = run_child(url, csv_path, batch_size)
    db.unlink()
    return result


def bench_postgres(dsn: str, csv_path: Path, batch_size: int) -> dict[str, Any]:
    name = f"maitre_bench_{uuid.uuid4().hex[:8]}"
    with _admin(dsn) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = _db_url(dsn, name)
        _create_schema(url)
        return run_child(url, csv_path, batch_size)
    finally:
        with _admin(dsn) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--json", type=Path, help="Write the results here.")
    parser.add_argument("--pg-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--child", nargs=2, metavar=("URL", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.batch_size)
        return

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="maitre-import-bench-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "customers.csv"
        generate(csv_path, args.rows, args.seed)
        print(
            f"generated {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB", file=sys.stderr
        )
        # COPY runs before, between and after the imports: on a shared machine the load drifts,
        # and the median of three is the ceiling each import is compared with.
        copy_runs = [copy_baseline(args.pg_dsn, csv_path, args.rows)]
        print(f"COPY: {copy_runs[-1]:,.0f} rows/s", file=sys.stderr)
        backends: dict[str, dict[str, Any]] = {}
        for backend in ("sqlite", "postgresql"):
            if backend == "sqlite":
                result = bench_sqlite(csv_path, workdir, args.batch_size)
            else:
                result = bench_postgres(args.pg_dsn, csv_path, args.batch_size)
            assert result["counts"]["created"] == args.rows, result
            result["rows_per_s"] = round(args.rows / result["seconds"])
            backends[backend] = result
            print(
                f"{backend}: {result['rows_per_s']:,} rows/s, {result['peak_rss_mb']} MB",
                file=sys.stderr,
            )
            copy_runs.append(copy_baseline(args.pg_dsn, csv_path, args.rows))
            print(f"COPY: {copy_runs[-1]:,.0f} rows/s", file=sys.stderr)
        file_mb = round(csv_path.stat().st_size / 1e6, 1)

    copy_rate = statistics.median(copy_runs)
    with psycopg.connect(args.pg_dsn) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg_version = row[0] if row else "?"
    results = {
        "benchmark": "import_bench",
        "rows": args.rows,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "file_mb": file_mb,
        **machine(),
        "sqlite_version": sqlite3.sqlite_version,
        "postgres_version": pg_version,
        "rows_per_s": {name: r["rows_per_s"] for name, r in backends.items()},
        "seconds": {name: round(r["seconds"], 2) for name, r in backends.items()},
        # CPU of the importing process alone (not the database server): a load-independent view.
        "client_cpu_us_per_row": {
            name: round(r["client_cpu_s"] / args.rows * 1e6, 1) for name, r in backends.items()
        },
        "copy_rows_per_s": round(copy_rate),
        "copy_runs_rows_per_s": [round(r) for r in copy_runs],
        "ratio_to_copy": {
            name: round(r["rows_per_s"] / copy_rate, 3) for name, r in backends.items()
        },
        "peak_rss_mb": {name: r["peak_rss_mb"] for name, r in backends.items()},
        # The machine may be shared: its 1-minute load average before and after the run.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "target": {"ratio_to_copy": TARGET_RATIO, "peak_rss_mb": TARGET_RSS_MB},
        "meets_target": all(
            r["rows_per_s"] / copy_rate >= TARGET_RATIO and r["peak_rss_mb"] < TARGET_RSS_MB
            for r in backends.values()
        ),
    }
    write_json(str(args.json) if args.json else None, results)


if __name__ == "__main__":
    main()
