"""Latency and throughput of the customer list and customer 360 endpoints with 100k customers.

    python benchmarks/api_bench.py --customers 100000 --json benchmarks/results/api_bench.json

Seeds a fresh database (SQLite by default, ``--database postgresql`` for a throwaway PostgreSQL
database on 127.0.0.1:5432), starts ``uvicorn`` in a subprocess on a free loopback port, and drives
it with a bounded asyncio load generator (a fixed number of requests per endpoint, a fixed
concurrency, a time cap). Reports p50/p99 latency and requests/s per endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, percentile, write_json

from maitre.customers.bulk import bulk_upsert
from maitre.customers.schemas import CustomerCreate
from maitre.db import migrate
from maitre.db.session import make_engine, make_sessionmaker, unit_of_work
from maitre.users import service as users
from maitre.users.roles import Role

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
FIRST = ["Ada", "Grace", "Alan", "Linus", "Wei", "Mei", "Hannah", "Omar", "Lucia", "Kenji"]
LAST = ["Lovelace", "Hopper", "Turing", "Torvalds", "Li", "Wang", "Schmidt", "Haddad", "Rossi"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, customers: int, rng: random.Random) -> str:
    """Migrate, insert ``customers`` customers in batches, and return an admin API key."""
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    batch = 5000
    for start in range(0, customers, batch):
        rows = [
            CustomerCreate(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
                email=f"customer{i}@example.com",
                phone=f"+1 555 {i:07d}",
                company=rng.choice(["Acme", "Globex", "Initech", None]),
                language=rng.choice(["en", "en", "en", "zh"]),
                address=f"{i} Main Street",
                tags=rng.sample(["vip", "b2b", "newsletter", "wholesale"], k=rng.randint(0, 2)),
            )
            for i in range(start, min(customers, start + batch))
        ]
        with unit_of_work(factory) as session:
            bulk_upsert(session=session, rows=rows, actor="bench")
    with unit_of_work(factory) as session:
        _key, token = users.create_api_key(session=session, name="bench", role=Role.ADMIN)
    engine.dispose()
    return token


async def drive(
    base: str, token: str, paths: list[str], concurrency: int, time_cap: float
) -> dict[str, Any]:
    """Send every path once with ``concurrency`` workers; return latency stats."""
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    deadline = time.perf_counter() + time_cap
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as c:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty() and time.perf_counter() < deadline:
                path = queue.get_nowait()
                t0 = time.perf_counter()
                try:
                    r = await c.get(path)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += 0 if ok else 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "requests_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--time-cap", type=float, default=120.0, help="seconds per endpoint at most")
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="maitre-api-bench-"))
    pg_name = None
    if args.database == "postgresql":
        pg_name = f"maitre_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    server = None
    try:
        t0 = time.perf_counter()
        token = seed(url, args.customers, rng)
        seed_s = time.perf_counter() - t0
        port = _free_port()
        env = {
            **os.environ,
            "MAITRE_DATABASE_URL": url,
            "MAITRE_DATA_DIR": str(tmp),
            "MAITRE_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "maitre.api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        ids = [rng.randint(1, args.customers) for _ in range(args.requests)]
        terms = ["Ada", "Hopper", "acme", "customer12", "Wei", "555 00"]
        endpoints = {
            "customer_360": [f"/api/v1/customers/{i}/timeline" for i in ids],
            "customer_get": [f"/api/v1/customers/{i}" for i in ids],
            "customer_list": ["/api/v1/customers?limit=50&sort=-created_at"] * args.requests,
            "customer_list_offset": [
                f"/api/v1/customers?limit=50&offset={rng.randint(0, args.customers - 50)}&sort=id"
                for _ in range(args.requests)
            ],
            "customer_search": [
                f"/api/v1/customers?limit=20&q={rng.choice(terms)}"
                for _ in range(max(50, args.requests // 10))
            ],
        }
        results = {
            name: asyncio.run(drive(base, token, paths, args.concurrency, args.time_cap))
            for name, paths in endpoints.items()
        }
        write_json(
            args.json_out,
            {
                "benchmark": "api_bench",
                "command": " ".join(["python", *sys.argv]),
                "database": args.database,
                "customers": args.customers,
                "concurrency": args.concurrency,
                "server": "uvicorn, 1 worker",
                "seed_seconds": round(seed_s, 1),
                "endpoints": results,
                "machine": machine(),
            },
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
