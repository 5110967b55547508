"""Product operations; the only code that queries the products table."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from maitre.common.pagination import Page, PageParams, paginate
from maitre.db import like
from maitre.db.lookup import get_or_404
from maitre.db.session import flush_unique
from maitre.errors import Conflict
from maitre.events import emit
from maitre.products.models import Product
from maitre.products.schemas import ProductCreate, ProductRead, ProductUpdate
from maitre.timeline import service as timeline

SORTABLE = {
    "id": Product.id,
    "sku": Product.sku,
    "name": Product.name,
    "category": Product.category,
    "price": Product.price,
    "stock": Product.stock,
    "created_at": Product.created_at,
    "updated_at": Product.updated_at,
}

_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+(?:[-'][a-z0-9]+)*")
_MAX_WORDS = 8
_STOP = frozenset(  # words of a question, not of a product name
    {"a", "an", "the", "my", "your", "of", "for", "and", "or", "with", "in", "on", "to"}
    | {"do", "does", "you", "have", "has", "is", "are", "it", "i", "me", "any", "some"}
    | {"what", "how", "much", "many", "price", "cost", "stock", "available"}
)
_FUZZY_SCAN = 20_000  # names compared for a typo; a bigger catalogue is cut here
_FUZZY_CUTOFF = 0.6
_CANDIDATES = 50  # products re-scored in Python after the SQL word match
_DESCRIPTION_WEIGHT = 0.9  # a match in the description counts a little less than in the name

_TRACKED = ("sku", "name", "category", "price", "currency", "stock", "description", "is_active")


@dataclass(frozen=True)
class ProductFilter:
    """Filters a product list accepts; ``q`` searches name and sku."""

    q: str | None = None
    category: str | None = None
    sku: str | None = None
    is_active: bool | None = None


def get(*, session: Session, product_id: int) -> Product:
    """Return a product or raise ``NotFound``."""
    return get_or_404(session, Product, product_id, "Product")


def get_by_sku(*, session: Session, sku: str) -> Product | None:
    """Return the product with ``sku``, if any."""
    return session.scalar(select(Product).where(Product.sku == sku.strip()))


def get_many(
    *, session: Session, ids: Iterable[int] = (), skus: Iterable[str] = ()
) -> list[Product]:
    """Return the products whose id is in ``ids`` or whose sku is in ``skus`` (one query)."""
    id_set, sku_set = set(ids), {s.strip() for s in skus}
    if not id_set and not sku_set:
        return []
    conditions = []
    if id_set:
        conditions.append(Product.id.in_(id_set))
    if sku_set:
        conditions.append(Product.sku.in_(sku_set))
    return list(session.scalars(select(Product).where(or_(*conditions))))


def list_(*, session: Session, filters: ProductFilter, params: PageParams) -> Page[Product]:
    """Return one page of products matching ``filters``."""
    stmt = select(Product)
    if filters.q:
        stmt = stmt.where(like.matches(Product.name, Product.sku, text=filters.q))
    if filters.category:
        stmt = stmt.where(like.equals_ignoring_case(Product.category, filters.category))
    if filters.sku:
        stmt = stmt.where(Product.sku == filters.sku.strip())
    if filters.is_active is not None:
        stmt = stmt.where(Product.is_active.is_(filters.is_active))
    return paginate(
        session, stmt, id_column=Product.id, params=params, sortable=SORTABLE, default_sort="name"
    )


def _words(text: str) -> list[str]:
    """Split a customer's text into search words: latin words (singular), Chinese bigrams."""
    words: list[str] = []
    for token in _WORD.findall(text.lower()):
        if not token.isascii():
            parts = (
                [token] if len(token) <= 2 else [token[i : i + 2] for i in range(len(token) - 1)]
            )
        elif len(token) > 3 and token.endswith("s"):
            parts = [token[:-1]]  # "earbuds" also finds "Earbud"
        else:
            parts = [token]
        for word in parts:
            if word not in words and word not in _STOP and (len(word) > 1 or not word.isascii()):
                words.append(word)
    return words[:_MAX_WORDS]


def _hits(column: Any, words: list[str]) -> Any:
    lowered = func.lower(column)
    parts = (case((lowered.contains(w, autoescape=True), 1), else_=0) for w in words)
    return sum(parts, start=literal(0))


def _coverage(words: list[str], product: Product) -> float:
    """Mean of the share of the query's words in the name and of the name's words in the query."""
    name = product.name.lower()
    in_name = sum(1 for w in words if w in name or w in product.sku.lower())
    own = _words(product.name) or [name]
    in_query = sum(1 for w in own if any(w in q or q in w for q in words))
    return round((in_name / len(words) + in_query / len(own)) / 2, 4)


def search(*, session: Session, text: str, limit: int = 5) -> list[tuple[Product, float]]:
    """Return products for a customer's words, best first, with a match score in 0..1.

    An exact sku wins alone (1.0). Otherwise the score is the mean of the share of the words
    found in a product's name (or sku) and the share of the name's words found in the text;
    active products come first on ties. No name match: descriptions (which may hold other
    languages' names) are searched, then names close to the text (typos).
    """
    text = text.replace("\x00", "").strip()[:200]
    if not text:
        return []
    exact = get_by_sku(session=session, sku=text) or get_by_sku(session=session, sku=text.upper())
    if exact is not None:
        return [(exact, 1.0)]
    words = _words(text)
    if not words:
        return []
    hits = (_hits(Product.name, words) + _hits(Product.sku, words)).label("hits")
    stmt = select(Product).where(hits > 0).order_by(hits.desc(), Product.id).limit(_CANDIDATES)
    scored = [(p, _coverage(words, p)) for p in session.scalars(stmt)]
    if not scored:
        described = _hits(Product.description, words).label("hits")
        by_description = (
            select(Product, described)
            .where(described > 0)
            .order_by(described.desc(), Product.id)
            .limit(_CANDIDATES)
        )
        scored = [
            (p, round(_DESCRIPTION_WEIGHT * int(n) / len(words), 4))
            for p, n in session.execute(by_description)
        ]
    if not scored:
        return _close_names(session, text, limit)
    scored.sort(key=lambda item: (-item[1], not item[0].is_active, len(item[0].name), item[0].id))
    return scored[:limit]


def _close_names(session: Session, text: str, limit: int) -> list[tuple[Product, float]]:
    rows = session.execute(
        select(Product.id, Product.name).where(Product.is_active.is_(True)).limit(_FUZZY_SCAN)
    ).all()
    by_name = {str(n).lower(): int(i) for i, n in rows}
    close = difflib.get_close_matches(text.lower(), list(by_name), n=limit, cutoff=_FUZZY_CUTOFF)
    return [
        (
            get(session=session, product_id=by_name[n]),
            round(difflib.SequenceMatcher(None, text.lower(), n).ratio(), 4),
        )
        for n in close
    ]


def public(product: Product) -> dict[str, Any]:
    """Return the product's API shape as JSON-ready data (for events and webhooks)."""
    return ProductRead.model_validate(product).model_dump(mode="json")


def _snapshot(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in _TRACKED}


def create(*, session: Session, data: ProductCreate) -> Product:
    """Create a product."""
    if get_by_sku(session=session, sku=data.sku) is not None:
        raise Conflict(f"A product with sku {data.sku!r} already exists.")
    product = Product(**data.model_dump())
    session.add(product)
    flush_unique(session, f"Another product already has sku {product.sku!r}.")
    emit(session=session, type="product.created", data=public(product))
    return product


def update(*, session: Session, product_id: int, data: ProductUpdate) -> Product:
    """Apply the fields set in ``data``; announce what changed."""
    product = get(session=session, product_id=product_id)
    before = _snapshot(product)
    values = data.model_dump(exclude_unset=True)
    new_sku = values.get("sku")
    if new_sku and new_sku != product.sku and get_by_sku(session=session, sku=new_sku) is not None:
        raise Conflict(f"A product with sku {new_sku!r} already exists.")
    for key, value in values.items():
        setattr(product, key, value)
    flush_unique(session, f"Another product already has sku {product.sku!r}.")
    diff = timeline.changes(before, _snapshot(product))
    if diff:
        emit(
            session=session,
            type="product.updated",
            data={**public(product), "changes": sorted(diff)},
        )
    return product


def upsert(*, session: Session, data: ProductCreate) -> tuple[Product, str]:
    """Create or update by sku; return the product and ``created``/``updated``/``unchanged``."""
    existing = get_by_sku(session=session, sku=data.sku)
    if existing is None:
        return create(session=session, data=data), "created"
    before = _snapshot(existing)
    changes = ProductUpdate(**data.model_dump(exclude_unset=True))
    product = update(session=session, product_id=existing.id, data=changes)
    return product, ("updated" if timeline.changes(before, _snapshot(product)) else "unchanged")


def delete(*, session: Session, product_id: int) -> None:
    """Delete a product that no order refers to; otherwise raise ``Conflict``."""
    product = get(session=session, product_id=product_id)
    data = public(product)
    session.delete(product)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"Product {product_id} appears on orders; set is_active to false instead."
        ) from exc
    emit(session=session, type="product.deleted", data=data)


def adjust_stock(*, session: Session, product_id: int, delta: int) -> None:
    """Add ``delta`` (negative to take) to a product's stock atomically; never below zero.

    The check and the change are one ``UPDATE … WHERE stock + delta >= 0``, so concurrent
    orders cannot oversell. Raises ``Conflict`` with ``available`` when stock is short.
    """
    stmt = (
        sql_update(Product)
        .where(Product.id == product_id, Product.stock + delta >= 0)
        .values(stock=Product.stock + delta)
        .returning(Product.stock)
        .execution_options(synchronize_session=False)
    )
    new_stock = session.execute(stmt).scalar_one_or_none()
    if new_stock is not None:
        # Another transaction may have moved the stock since this session loaded the product.
        cached = session.identity_map.get(identity_key(Product, product_id))
        if cached is not None:
            set_committed_value(cached, "stock", new_stock)
        return
    product = get(session=session, product_id=product_id)
    session.refresh(product, ["stock"])
    raise Conflict(
        f"Not enough stock for {product.sku} ({product.name}): {-delta} requested, "
        f"{product.stock} available.",
        extra={"sku": product.sku, "requested": -delta, "available": product.stock},
    )


def categories(*, session: Session) -> dict[int, str | None]:
    """Return each product id's category, for analytics."""
    return {pid: cat for pid, cat in session.execute(select(Product.id, Product.category))}


def fingerprint(*, session: Session) -> tuple[Any, ...]:
    """Return (count, max id, max updated_at) of products, to tell when product data changed."""
    stmt = select(func.count(Product.id), func.max(Product.id), func.max(Product.updated_at))
    return tuple(session.execute(stmt).one())
