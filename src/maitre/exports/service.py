"""Render exports: page through each domain's service and write CSV or JSON Lines text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from maitre.common.pagination import PageParams
from maitre.customers import bulk as customers_bulk
from maitre.customers.schemas import CustomerRead
from maitre.imports.models import Entity
from maitre.orders import service as orders
from maitre.orders.schemas import OrderLineRead, OrderRead
from maitre.products import service as products
from maitre.products.schemas import ProductRead

PAGE = 1000
CHUNK = 64 * 1024


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


MEDIA_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSONL: "application/x-ndjson"}

_ORDER_COLUMNS = [f for f in OrderRead.model_fields if f != "lines"]
_LINE_COLUMNS = [f for f in OrderLineRead.model_fields if f not in ("id", "product_id")]
COLUMNS: dict[Entity, list[str]] = {
    Entity.CUSTOMERS: list(CustomerRead.model_fields),
    Entity.PRODUCTS: list(ProductRead.model_fields),
    # One row per order line: the order's columns, then the line's.
    Entity.ORDERS: [c for c in _ORDER_COLUMNS if c != "id"] + _LINE_COLUMNS + ["id"],
}


def _customers(session: Session) -> Iterator[dict[str, Any]]:
    after = 0
    while page := customers_bulk.scan(session=session, after_id=after, limit=PAGE):
        yield from page
        after = page[-1]["id"]
        session.expunge_all()


def _products(session: Session) -> Iterator[dict[str, Any]]:
    params = PageParams(limit=PAGE, sort="id")
    while True:
        page = products.list_(session=session, filters=products.ProductFilter(), params=params)
        yield from (products.public(p) for p in page.items)
        session.expunge_all()
        if not page.next_cursor:
            return
        params = PageParams(limit=PAGE, sort="id", cursor=page.next_cursor)


def _orders(session: Session) -> Iterator[dict[str, Any]]:
    params = PageParams(limit=PAGE, sort="id")
    while True:
        page = orders.list_(session=session, filters=orders.OrderFilter(), params=params)
        yield from (orders.public(o) for o in page.items)
        session.expunge_all()
        if not page.next_cursor:
            return
        params = PageParams(limit=PAGE, sort="id", cursor=page.next_cursor)


def records(*, session: Session, entity: Entity) -> Iterator[dict[str, Any]]:
    """Yield every record of ``entity`` in its API shape (JSON-ready), oldest id first."""
    source = {
        Entity.CUSTOMERS: _customers,
        Entity.PRODUCTS: _products,
        Entity.ORDERS: _orders,
    }[entity]
    return source(session)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def _csv_rows(entity: Entity, record: dict[str, Any]) -> Iterator[list[Any]]:
    columns = COLUMNS[entity]
    if entity is not Entity.ORDERS:
        yield [_cell(record.get(c)) for c in columns]
        return
    for line in record["lines"]:
        merged = {**record, **{c: line[c] for c in _LINE_COLUMNS}}
        yield [_cell(merged.get(c)) for c in columns]


def render(*, session: Session, entity: Entity, fmt: ExportFormat) -> Iterator[str]:
    """Yield the export as text chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt is ExportFormat.CSV:
        writer.writerow(COLUMNS[entity])
    for record in records(session=session, entity=entity):
        if fmt is ExportFormat.CSV:
            writer.writerows(_csv_rows(entity, record))
        else:
            buffer.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
