"""Batch scoring of N synthetic customers: rows/s, seconds and peak memory of a full refresh.

    python benchmarks/analytics_bench.py --json benchmarks/results/analytics_bench.json
    python benchmarks/analytics_bench.py --customers 100000 --database-url postgresql+psycopg://...
    python benchmarks/analytics_bench.py --workdir /tmp/bench  # keep the data, reuse it next time

For each backend (a fresh SQLite file, unless ``--workdir`` keeps one; PostgreSQL when
``--database-url`` names an empty database) the script bulk-inserts N customers with about
three orders each (one line each, over 50 products; seeded), trains the CRM churn model on a
sample of one cutoff's customers and registers it, then runs ``maitre.analytics.scoring``'s
refresh (profile features, RFM, clustering, BG/NBD + Gamma-Gamma, churn probability and
TreeSHAP reasons for everyone, streamed in chunks of ``--chunk`` customers in two passes) in a
child process, and records its seconds, customers/s, CPU seconds and the child's peak RSS.
Generation and training are timed too but are not the measured figure; with ``--workdir``
they run once, later runs reuse the database and model (marked ``"reused": true``) and the
stored scores are cleared, untimed, before scoring. Last, a fresh process (as an API server
after a restart) reads the segments overview and 20 random customers' profiles, as
``GET /api/v1/segments`` and ``GET /api/v1/customers/{id}/profile`` do: ``serve`` records their
times and that process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_json
from sqlalchemy import delete

from maitre.analytics.models import CustomerScore
from maitre.config import Settings
from maitre.customers.models import Customer
from maitre.db import models as _models  # noqa: F401
from maitre.db.base import Base
from maitre.db.bulk import insert_rows
from maitre.db.session import make_engine, make_sessionmaker, unit_of_work
from maitre.orders.models import Order, OrderLine
from maitre.products.models import Product

BATCH = 50_000
PRODUCTS = 50
LANGUAGES = np.array(["en", "en", "en", "zh", "de", "fr"])
COUNTRIES = np.array(["US", "GB", "CN", "DE", "FR", "AU"])
CATEGORIES = ["Tea", "Teaware", "Coffee", "Snacks", "Gifts"]


def generate(url: str, customers: int, seed: int) -> dict[str, Any]:
    """Bulk-insert customers, products, orders and lines; return counts and seconds."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        if session.query(Customer.id).limit(1).first() is not None:
            raise SystemExit(f"{url}: the customers table is not empty; give an empty database")
        product_rows = [
            (
                f"B-{i:04d}",
                f"Product {i}",
                CATEGORIES[i % 5],
                Decimal("12.50"),
                "USD",
                1000,
                True,
                now,
                now,
            )
            for i in range(PRODUCTS)
        ]
        cols = (
            "sku",
            "name",
            "category",
            "price",
            "currency",
            "stock",
            "is_active",
            "created_at",
            "updated_at",
        )
        product_ids = insert_rows(session, Product.__table__, cols, product_rows, return_ids=True)
    orders_total = 0
    cust_cols = (
        "name",
        "language",
        "country",
        "tags",
        "custom_fields",
        "marketing_consent",
        "data_processing_consent",
        "created_at",
        "updated_at",
    )
    order_cols = (
        "number",
        "customer_id",
        "status",
        "channel",
        "currency",
        "subtotal",
        "discount",
        "total",
        "placed_at",
        "stock_reserved",
        "created_at",
        "updated_at",
    )
    line_cols = ("order_id", "product_id", "sku", "name", "quantity", "unit_price")
    for start in range(0, customers, BATCH):
        n = min(BATCH, customers - start)
        age = rng.integers(30, 900, n)
        langs = rng.choice(LANGUAGES, n)
        countries = rng.choice(COUNTRIES, n)
        rows = [
            (
                f"Customer {start + i}",
                str(langs[i]),
                str(countries[i]),
                [],
                {},
                False,
                True,
                now - timedelta(days=int(age[i])),
                now,
            )
            for i in range(n)
        ]
        with unit_of_work(factory) as session:
            ids = insert_rows(session, Customer.__table__, cust_cols, rows, return_ids=True)
            counts = rng.poisson(3.0, n)
            order_rows: list[tuple[Any, ...]] = []
            picks: list[int] = []
            for i, cid in enumerate(ids):
                for _ in range(int(counts[i])):
                    placed = now - timedelta(days=int(rng.integers(0, int(age[i]))))
                    total = Decimal(int(rng.integers(5, 200)))
                    order_rows.append(
                        (
                            f"B{orders_total + len(order_rows):09d}",
                            cid,
                            "delivered",
                            "web",
                            "USD",
                            total,
                            Decimal(0),
                            total,
                            placed,
                            False,
                            placed,
                            placed,
                        )
                    )
                    picks.append(int(rng.integers(0, PRODUCTS)))
            order_ids = insert_rows(
                session, Order.__table__, order_cols, order_rows, return_ids=True
            )
            lines = [
                (oid, product_ids[p], f"B-{p:04d}", f"Product {p}", 1, row[5])
                for oid, p, row in zip(order_ids, picks, order_rows, strict=True)
            ]
            insert_rows(session, OrderLine.__table__, line_cols, lines)
            orders_total += len(order_rows)
    # Planner statistics, as autovacuum would gather them after a bulk load (where it runs:
    # without them PostgreSQL reads every order line to find one customer's).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {
        "customers": customers,
        "orders": orders_total,
        "seconds": round(time.perf_counter() - started, 2),
    }


def train(url: str, data_dir: Path, sample: int, seed: int) -> dict[str, Any]:
    """Fit the churn model on a sample of one cutoff's buyers and register it."""
    from maitre.ml import registry
    from maitre.ml.churn_crm_train import fit_bundle, labelled

    started = time.perf_counter()
    settings = Settings(data_dir=data_dir, database_url=url, secret_key="bench" * 8)  # type: ignore[arg-type]
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        cutoff = datetime.now(UTC) - timedelta(days=settings.churn_window_days)
        frame, y = labelled(session=session, cutoff=cutoff, window_days=settings.churn_window_days)
        rng = np.random.default_rng(seed)
        take = np.sort(rng.choice(len(y), min(sample, len(y)), replace=False))
        bundle = fit_bundle(frame.iloc[take], y[take], settings=settings, seed=seed)
        staging = registry.staging_dir(settings.models_dir, "churn")
        bundle.save(staging)
        registry.register(
            session=session,
            models_dir=settings.models_dir,
            name="churn",
            staging=staging,
            data_hash="bench",
            params={"threshold": bundle.threshold},
            metrics={},
        )
    engine.dispose()
    return {"sample": len(take), "seconds": round(time.perf_counter() - started, 2)}


CHILD = """
import json, resource, sys, time
from pathlib import Path
from maitre.analytics import scoring
from maitre.config import Settings
from maitre.db.session import make_engine, make_sessionmaker, unit_of_work
url, data_dir, chunk = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
settings = Settings(data_dir=data_dir, database_url=url, secret_key="bench" * 8,
                    analytics_score_chunk=chunk)
engine = make_engine(url)
started = time.perf_counter()
with unit_of_work(make_sessionmaker(engine)) as session:
    prepared = scoring.prepare(session=session, settings=settings)
    ready = time.perf_counter()
    result = scoring.store(session=session, settings=settings, prepared=prepared)
    stored = time.perf_counter()
seconds = time.perf_counter() - started
try:  # this process's own high-water mark: ru_maxrss keeps the parent's from before exec
    status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
    peak_kb = int(status.split()[0])
except (OSError, IndexError, ValueError):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({**result.as_dict(), "seconds": round(seconds, 2),
                  "prepare_seconds": round(ready - started, 2),
                  "score_and_write_seconds": round(stored - ready, 2),
                  "peak_rss_mb": round(peak_kb / 1024, 1)}))
"""


SERVE = """
import json, sys, time
from pathlib import Path
import numpy as np
from sqlalchemy import func, select
from maitre.analytics import service
from maitre.customers.models import Customer
from maitre.db.session import make_engine, make_sessionmaker, unit_of_work
url, samples = sys.argv[1], int(sys.argv[2])
engine = make_engine(url)
with unit_of_work(make_sessionmaker(engine)) as session:
    top = session.scalar(select(func.max(Customer.id))) or 0
    ids = np.random.default_rng(0).integers(1, top + 1, size=samples).tolist()
    started = time.perf_counter()
    overview = service.segments(session=session)
    segments_s = time.perf_counter() - started
    times = []
    for cid in ids:
        t0 = time.perf_counter()
        service.profile(session=session, customer_id=int(cid))
        times.append((time.perf_counter() - t0) * 1000)
status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
print(json.dumps({"customers": overview.customers, "segments_seconds": round(segments_s, 3),
                  "profiles": len(times), "profile_ms_p50": round(float(np.median(times)), 1),
                  "profile_ms_max": round(max(times), 1),
                  "peak_rss_mb": round(int(status.split()[0]) / 1024, 1)}))
"""


def serve(url: str, samples: int = 20) -> dict[str, Any]:
    """After the refresh, time GET-segments and GET-profile work in a fresh process (cold)."""
    done = subprocess.run(
        [sys.executable, "-c", SERVE, url, str(samples)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"serving failed:\n{done.stderr[-4000:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def score(url: str, data_dir: Path, chunk: int) -> dict[str, Any]:
    """Run a full refresh in a child process; return its timing, CPU time and peak RSS."""
    start = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(data_dir), str(chunk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"scoring failed:\n{done.stderr[-4000:]}")
    end = resource.getrusage(resource.RUSAGE_CHILDREN)
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out["rows_per_s"] = round(out["customers"] / max(out["seconds"], 1e-9), 1)
    # The machine may be shared: CPU time and the load average put the wall time in context.
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    out["child_cpu_seconds"] = round(cpu, 1)
    out["load_avg_1m_at_start"] = round(load, 2)
    # The child reports its own peak (VmHWM): RUSAGE_CHILDREN's is the largest of every child
    # so far, and a child's own ru_maxrss starts at this process's size when it was forked.
    return out


def _once(marker: Path | None, step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``step``, or reuse its recorded result when ``marker`` (a kept work dir) has one."""
    if marker is not None and marker.exists():
        return {**json.loads(marker.read_text()), "reused": True}
    out = step()
    if marker is not None:
        marker.write_text(json.dumps(out))
    return out


def run_backend(
    name: str, url: str, data_dir: Path, args: argparse.Namespace, keep: Path | None
) -> dict[str, Any]:
    """Generate, train (both reused from a kept work dir when done before) and score."""
    print(f"[{name}] generating {args.customers:,} customers…", file=sys.stderr)
    marker = keep / f"{name}-{args.customers}-generate.json" if keep else None
    generated = _once(marker, lambda: generate(url, args.customers, args.seed))
    print(f"[{name}] training on a sample…", file=sys.stderr)
    marker = keep / f"{name}-{args.customers}-train.json" if keep else None
    trained = _once(marker, lambda: train(url, data_dir, args.train_sample, args.seed))
    if generated.get("reused"):
        # Score into an empty table, as on a fresh database, so runs compare (not timed).
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            session.execute(delete(CustomerScore))
        engine.dispose()
    print(f"[{name}] scoring everyone…", file=sys.stderr)
    scored = score(url, data_dir, args.chunk)
    print(f"[{name}] reading segments and profiles…", file=sys.stderr)
    return {"generate": generated, "train": trained, "refresh": scored, "serve": serve(url)}


def main() -> None:
    """Parse arguments, run each backend, write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=20_000, help="Customers per chunk.")
    parser.add_argument("--train-sample", type=int, default=20_000)
    parser.add_argument("--database-url", default="", help="An empty PostgreSQL database.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None)
    parser.add_argument(
        "--workdir",
        default=None,
        help="Keep the SQLite file, models and data here, and reuse a database generated and "
        "a model trained by an earlier run with the same --customers (scoring always reruns).",
    )
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": machine(),
        "customers": args.customers,
        "chunk": args.chunk,
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="maitre-analytics-bench-") as tmp:
        keep = Path(args.workdir) if args.workdir else None
        root = keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        sqlite_url = f"sqlite:///{root / f'bench-{args.customers}.db'}"
        results["backends"]["sqlite"] = run_backend(
            "sqlite", sqlite_url, root / f"sqlite-{args.customers}", args, keep
        )
        if args.database_url:
            results["backends"]["postgresql"] = run_backend(
                "postgresql", args.database_url, root / f"pg-{args.customers}", args, keep
            )
    write_json(args.json, results)


if __name__ == "__main__":
    main()
