"""Customer search on PostgreSQL with and without the optional trigram indexes.

    python benchmarks/search_bench.py --customers 1000000 --import-rows 300000 \
        --json benchmarks/results/search_bench.json

In one fresh database: imports ``--customers`` generated customers (the import bench's file,
through ``run_import`` in a child process), times ``GET /customers?q=``'s query
(``customers.service.list_``: one page and its total) for a few search terms, builds the
indexes with ``maitre.customers.search_index.create`` (timed), times the searches again, and
then imports ``--import-rows`` more customers with the indexes in place, against the same
import into a second fresh database without them: the cost ``maitre db search-index`` puts on
bulk imports. PostgreSQL at 127.0.0.1:5432 as in ``import_bench``; databases are dropped after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, write_json
from import_bench import _admin, _create_schema, _db_url, generate, run_child

from maitre.common.pagination import PageParams
from maitre.customers import search_index
from maitre.customers import service as customers
from maitre.db.session import make_engine, make_sessionmaker

#: a rare part of an email, a common domain, a company, digits of a phone, a miss
TERMS = ("lovelace.12345", "@example.de", "knuth & co 42", "555 1234", "no such customer")
REPEATS = 5


def time_searches(url: str) -> dict[str, Any]:
    """Median milliseconds of one page (with its total) per search term."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    out: dict[str, Any] = {}
    with factory() as session:
        for term in TERMS:
            times, total = [], 0
            for _ in range(REPEATS):
                started = time.perf_counter()
                page = customers.list_(
                    session=session,
                    filters=customers.CustomerFilter(q=term),
                    params=PageParams(limit=50),
                )
                times.append((time.perf_counter() - started) * 1000)
                total = page.total
            out[term] = {"ms_median": round(statistics.median(times), 1), "total": total}
    engine.dispose()
    return out


def split(path: Path, first: int, rest: int, seed: int) -> None:
    """One generated file cut in two beside ``path`` (base.csv, more.csv): the second part
    holds new customers (its external ids and emails are not in the first)."""
    generate(path, first + rest, seed)
    with path.open(encoding="utf-8") as source:
        header = source.readline()
        with (path.parent / "base.csv").open("w", encoding="utf-8") as base:
            base.write(header)
            for _ in range(first):
                base.write(source.readline())
        with (path.parent / "more.csv").open("w", encoding="utf-8") as more:
            more.write(header)
            more.writelines(source)
    path.unlink()


def fresh_database(dsn: str) -> tuple[str, str]:
    name = f"maitre_bench_search_{uuid.uuid4().hex[:8]}"
    with _admin(dsn) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _db_url(dsn, name)
    _create_schema(url)
    return name, url


def drop_database(dsn: str, name: str) -> None:
    with _admin(dsn) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--pg-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args()

    names: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        base_csv, more_csv = Path(tmp) / "base.csv", Path(tmp) / "more.csv"
        split(Path(tmp) / "all.csv", args.customers, args.import_rows, args.seed)
        try:
            name, url = fresh_database(args.pg_dsn)
            names.append(name)
            print(f"importing {args.customers:,} customers…", file=sys.stderr)
            run_child(url, base_csv, 5000)
            engine = make_engine(url)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE customers")
            before = time_searches(url)
            started = time.perf_counter()
            search_index.create(engine)
            build_s = time.perf_counter() - started
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE customers")
            engine.dispose()
            after = time_searches(url)

            print(f"importing {args.import_rows:,} more, with and without…", file=sys.stderr)
            with_indexes = run_child(url, more_csv, 5000)
            plain_name, plain_url = fresh_database(args.pg_dsn)
            names.append(plain_name)
            run_child(plain_url, base_csv, 5000)
            without = run_child(plain_url, more_csv, 5000)
        finally:
            for name in names:
                drop_database(args.pg_dsn, name)

    rate = {
        "without_indexes": round(args.import_rows / without["seconds"]),
        "with_indexes": round(args.import_rows / with_indexes["seconds"]),
    }
    result = {
        "benchmark": "search_bench",
        "customers": args.customers,
        "search_without_indexes": before,
        "search_with_indexes": after,
        "index_build_seconds": round(build_s, 1),
        "import_rows": args.import_rows,
        "import_rows_per_s": rate,
        "import_slowdown": round(rate["without_indexes"] / rate["with_indexes"], 2),
        "machine": machine(),
    }
    write_json(args.json, result)


if __name__ == "__main__":
    main()
