"""What an import writes: the per-entity pieces the runner drives (customers, products).

A *kind* knows its CSV fields (``spec``), how rows group into objects (``group``: one row
per object, except orders) and how to write a batch of objects (``write``), returning one
result per object. Validation uses the domain's own create schema; writes go through the
domain's service.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from maitre.customers import bulk as customers_bulk
from maitre.customers.bulk import Outcome
from maitre.customers.schemas import CustomerCreate
from maitre.errors import MaitreError
from maitre.imports.emails import fast_email
from maitre.imports.mapping import FieldSpec, Plan
from maitre.products import service as products
from maitre.products.schemas import ProductCreate

_BITMAP_MAX_ID = 1 << 28  # larger ids (never seen in practice) fall back to a set


@dataclass(slots=True)
class Item:
    """One object to write: the CSV lines it came from, their raw cells, its field values."""

    lines: list[int]
    raws: list[list[str]]
    values: dict[str, Any]
    error: Rejection | None = None
    model: Any = None  # the validated schema instance, once ``check`` has run


@dataclass(frozen=True)
class Rejection:
    """Why an object was not written; ``column`` is the file's column name (may be empty)."""

    column: str
    reason: str


class Written(NamedTuple):
    """An object that was created, updated or found unchanged (one per written row)."""

    outcome: Outcome
    object_id: int


Result = Written | Rejection


class Ledger:
    """The ids this import has already written and the line each came from.

    A later row matching one of them repeats a key of the file: it is a duplicate, reported
    with the first line. Membership is a bitmap; lines sit in two compact arrays, so a
    million rows cost about 20 MB, not a dict's hundreds.
    """

    def __init__(self) -> None:
        self._bits = bytearray()
        self._big: set[int] = set()
        self._ids = array("q")
        self._lines = array("q")

    def __contains__(self, obj_id: object) -> bool:
        if not isinstance(obj_id, int):
            return False
        if obj_id >= _BITMAP_MAX_ID:
            return obj_id in self._big
        byte = obj_id >> 3
        return byte < len(self._bits) and bool(self._bits[byte] & (1 << (obj_id & 7)))

    def add(self, obj_id: int, line: int) -> None:
        """Remember that ``line`` wrote object ``obj_id``."""
        if obj_id >= _BITMAP_MAX_ID:
            self._big.add(obj_id)
        else:
            byte = obj_id >> 3
            if byte >= len(self._bits):
                self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
            self._bits[byte] |= 1 << (obj_id & 7)
        self._ids.append(obj_id)
        self._lines.append(line)

    def lines_of(self, obj_ids: Iterable[int]) -> dict[int, int]:
        """Return the first line that wrote each of ``obj_ids`` (one vectorised pass)."""
        wanted = np.fromiter(set(obj_ids), dtype=np.int64)
        if not len(wanted) or not len(self._ids):
            return {}
        ids = np.frombuffer(self._ids, dtype=np.int64)
        lines = np.frombuffer(self._lines, dtype=np.int64)
        found: dict[int, int] = {}
        for pos in np.flatnonzero(np.isin(ids, wanted)):
            found.setdefault(int(ids[pos]), int(lines[pos]))
        return found


@dataclass
class WriteContext:
    """What every batch write needs besides the session."""

    plan: Plan
    actor: str
    ledger: Ledger = field(default_factory=Ledger)


class Kind(Protocol):
    """One importable entity."""

    name: str
    spec: FieldSpec
    #: the tables a large import of this kind grows (their planner statistics are refreshed)
    tables: tuple[str, ...]
    # Checked items need only their lines, raw cells, rejection and model (not ``values``),
    # so a worker process may check them (``imports.worker``).
    parallel: bool

    def group(self, items: Iterator[Item], plan: Plan) -> Iterator[Item]:
        """Combine row items into object items (identity except for orders)."""
        ...

    def check(self, item: Item, plan: Plan) -> None:
        """Validate what needs no database: set ``item.model`` or ``item.error``."""
        ...

    def write(self, session: Session, items: list[Item], ctx: WriteContext) -> list[Result]:
        """Upsert checked ``items``; return one result per item, in order."""
        ...


def validate(schema: type[BaseModel], values: dict[str, Any], plan: Plan) -> BaseModel | Rejection:
    """Validate ``values`` with ``schema``; name the file's column in a rejection."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        return rejection_from(exc, plan)


def rejection_from(exc: ValidationError, plan: Plan) -> Rejection:
    """Turn a Pydantic error into a rejection naming the file's column(s)."""
    errors = exc.errors(include_url=False)
    first = errors[0]["loc"]
    column = (
        plan.column_for(str(first[-1] if first[:1] == ("lines",) else first[0])) if first else ""
    )
    reasons = []
    for err in errors:
        where = ".".join(str(p) for p in err["loc"])
        reasons.append(f"{where}: {err['msg']}" if where else str(err["msg"]))
    return Rejection(column, "; ".join(reasons))


def duplicate(reason: str, first_line: int | None) -> str:
    """Phrase a duplicate-key rejection, pointing at the first line when known."""
    return (
        f"{reason}; already on line {first_line}" if first_line else f"{reason} earlier in the file"
    )


_TAG_SEPARATORS = re.compile(r"[;,]")


def parse_tags(cell: str) -> list[str]:
    """Read tags as a JSON list or as ``a; b`` / ``a, b``."""
    if cell.startswith("["):
        value = _json(cell)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("tags must be a JSON list of strings or 'a; b; c'")
        return value
    return [t for t in (p.strip() for p in _TAG_SEPARATORS.split(cell)) if t]


def parse_object(cell: str) -> dict[str, Any]:
    """Read a JSON object."""
    value = _json(cell)
    if not isinstance(value, dict):
        raise ValueError('expected a JSON object such as {"tier": "gold"}')
    return value


_decode = json.JSONDecoder().raw_decode


def _json(cell: str) -> Any:
    # Cells come stripped and start with "[" or "{": ``raw_decode`` then reads exactly what
    # ``json.loads`` would, at a third of its cost. Anything else takes ``json.loads`` itself,
    # so errors read the same.
    if cell[:1] in ("[", "{"):
        try:
            value, end = _decode(cell)
        except ValueError:
            pass
        else:
            if end == len(cell):
                return value
    try:
        return json.loads(cell)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos + 1})") from None


def rows_as_items(items: Iterator[Item], plan: Plan) -> Iterator[Item]:
    """Group nothing: every row is its own object."""
    return items


class Customers:
    """Customers, written with ``customers.bulk.bulk_upsert``."""

    name = "customers"
    tables: tuple[str, ...] = ("customers",)
    parallel = True
    spec = FieldSpec(
        fields=tuple(CustomerCreate.model_fields),
        required=(("name",), ("email", "external_id")),
        ignored=frozenset({"id", "created_at", "updated_at"}),
        parsers={"tags": parse_tags, "custom_fields": parse_object},
        custom_fields=True,
    )
    group = staticmethod(rows_as_items)

    def check(self, item: Item, plan: Plan) -> None:
        checked = _validate_customer(item.values, plan)
        if isinstance(checked, Rejection):
            item.error = checked
        else:
            item.model = checked

    def write(self, session: Session, items: list[Item], ctx: WriteContext) -> list[Result]:
        results: list[Result] = []
        outcome = customers_bulk.bulk_upsert(
            session=session,
            rows=[item.model for item in items],
            actor=ctx.actor,
            source="import",
            claimed=ctx.ledger,
        )
        claimed_lines = ctx.ledger.lines_of(
            r.customer_id
            for r in outcome.rows
            if r.duplicate_of is None and r.customer_id and r.outcome is Outcome.REJECTED
        )
        for row in outcome.rows:
            if row.outcome is not Outcome.REJECTED:
                assert row.customer_id is not None
                results.append(Written(row.outcome, row.customer_id))
                continue
            column = ctx.plan.column_for(row.field or "")
            reason = row.reason or "rejected"
            if row.duplicate_of is not None:
                reason = duplicate(reason, items[row.duplicate_of].lines[0])
            elif row.customer_id is not None:
                reason = duplicate(reason, claimed_lines.get(row.customer_id))
            results.append(Rejection(column, reason))
        return results


def _validate_customer(values: dict[str, Any], plan: Plan) -> CustomerCreate | Rejection:
    """Validate with ``CustomerCreate``; a plain address skips the slow email check (see emails)."""
    email = values.get("email")
    fast = fast_email(email) if isinstance(email, str) else None
    if fast is None:
        checked = validate(CustomerCreate, values, plan)
    else:
        values["email"] = None  # the row's own dict, built for this call
        checked = validate(CustomerCreate, values, plan)
        values["email"] = email
        if isinstance(checked, CustomerCreate):
            # Already validated: store it and mark the field as set, as assignment would.
            checked.__dict__["email"] = fast
            checked.__pydantic_fields_set__.add("email")
    assert isinstance(checked, CustomerCreate | Rejection)
    return checked


class Products:
    """Products, upserted one by one by sku through ``products.service.upsert``."""

    name = "products"
    tables: tuple[str, ...] = ("products",)
    parallel = True
    spec = FieldSpec(
        fields=tuple(ProductCreate.model_fields),
        required=(("sku",), ("name",), ("price",)),
        ignored=frozenset({"id", "created_at", "updated_at"}),
    )
    group = staticmethod(rows_as_items)

    def check(self, item: Item, plan: Plan) -> None:
        checked = validate(ProductCreate, item.values, plan)
        if isinstance(checked, Rejection):
            item.error = checked
        else:
            item.model = checked

    def write(self, session: Session, items: list[Item], ctx: WriteContext) -> list[Result]:
        results: list[Result] = []
        for item in items:
            checked: ProductCreate = item.model
            existing = products.get_by_sku(session=session, sku=checked.sku)
            if existing is not None and existing.id in ctx.ledger:
                first = ctx.ledger.lines_of([existing.id]).get(existing.id)
                results.append(
                    Rejection(
                        ctx.plan.column_for("sku"),
                        duplicate(f"duplicate sku {checked.sku!r}", first),
                    )
                )
                continue
            try:
                with session.begin_nested():
                    product, outcome = products.upsert(session=session, data=checked)
            except MaitreError as exc:
                results.append(service_rejection(exc, ctx.plan))
                continue
            ctx.ledger.add(product.id, item.lines[0])  # later rows of this batch see it
            results.append(Written(Outcome(outcome), product.id))
        return results


def service_rejection(exc: MaitreError, plan: Plan) -> Rejection:
    """Turn a service's refusal into a rejection, naming the column when the error does."""
    column = ""
    if exc.errors:
        loc = [p for p in exc.errors[0].loc if isinstance(p, str) and p != "body"]
        column = plan.column_for(loc[-1]) if loc else ""
    return Rejection(column, str(exc))
