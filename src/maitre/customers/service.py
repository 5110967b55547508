"""Customer operations; the only code that queries the customers table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from maitre.common.idspan import IdSpan
from maitre.common.pagination import Page, PageParams, paginate
from maitre.customers.models import Customer
from maitre.customers.schemas import CustomerCreate, CustomerRead, CustomerUpdate
from maitre.db import like
from maitre.db.lookup import get_or_404
from maitre.db.session import flush_unique
from maitre.errors import Conflict
from maitre.events import emit
from maitre.timeline import service as timeline

SORTABLE = {
    "id": Customer.id,
    "name": Customer.name,
    "email": Customer.email,
    "created_at": Customer.created_at,
    "updated_at": Customer.updated_at,
    "language": Customer.language,
    "country": Customer.country,
    "company": Customer.company,
}

# Fields whose changes are worth a line on the timeline (not the noisy JSON blobs' full bodies).
_TRACKED = (
    "name",
    "email",
    "phone",
    "company",
    "language",
    "address",
    "country",
    "tags",
    "marketing_consent",
    "data_processing_consent",
    "custom_fields",
    "external_id",
)


@dataclass(frozen=True)
class CustomerFilter:
    """Filters a customer list accepts; ``q`` searches name, email, company and phone."""

    q: str | None = None
    email: str | None = None
    language: str | None = None
    country: str | None = None
    tag: str | None = None
    company: str | None = None
    ids: frozenset[int] | None = None  # only these customers (e.g. one analytics segment)


def get(*, session: Session, customer_id: int) -> Customer:
    """Return a customer or raise ``NotFound``."""
    return get_or_404(session, Customer, customer_id, "Customer")


def get_by_email(*, session: Session, email: str) -> Customer | None:
    """Return the customer with ``email`` (case-insensitive), if any."""
    return session.scalar(select(Customer).where(Customer.email == email.strip().lower()))


def get_by_external_id(*, session: Session, external_id: str) -> Customer | None:
    """Return the customer with ``external_id``, if any."""
    return session.scalar(select(Customer).where(Customer.external_id == external_id))


def _has_tag(session: Session, tag: str) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Customer.tags, JSONB).contains([tag])
    each = func.json_each(Customer.tags).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value == tag))


#: the columns the customer search (``q``) matches by substring
SEARCH_COLUMNS = ("name", "email", "company", "phone")


def search_condition(q: str) -> Any:
    """Case-insensitive substring match of ``q`` over ``SEARCH_COLUMNS`` (``%`` and ``_`` literal).

    No b-tree serves ``ILIKE '%text%'``: both stores scan, unless PostgreSQL has the optional
    trigram indexes (``maitre db search-index``, ``maitre.customers.search_index``).
    """
    return like.matches(*(getattr(Customer, column) for column in SEARCH_COLUMNS), text=q)


def list_(*, session: Session, filters: CustomerFilter, params: PageParams) -> Page[Customer]:
    """Return one page of customers matching ``filters``."""
    stmt = select(Customer)
    if filters.q:
        stmt = stmt.where(search_condition(filters.q))
    if filters.email:
        stmt = stmt.where(Customer.email == filters.email.strip().lower())
    if filters.language:
        stmt = stmt.where(Customer.language == filters.language)
    if filters.country:
        stmt = stmt.where(Customer.country == filters.country)
    if filters.company:
        stmt = stmt.where(Customer.company == filters.company)
    if filters.tag:
        stmt = stmt.where(_has_tag(session, filters.tag))
    if filters.ids is not None:
        stmt = stmt.where(Customer.id.in_(sorted(filters.ids)))
    return paginate(session, stmt, id_column=Customer.id, params=params, sortable=SORTABLE)


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in _TRACKED}


def _clash(customer: Customer) -> str:
    return (
        f"Another customer already has email {customer.email!r} or external id "
        f"{customer.external_id!r}."
    )


def _check_unique_change(session: Session, customer: Customer, values: dict[str, Any]) -> None:
    """Refuse an email or external id another customer has, before anything is flushed.

    A clash found by the flush itself would roll back the caller's whole transaction
    (the pending change is flushed before the savepoint exists), so check first.
    """
    email = values.get("email")
    if email and email != customer.email:
        other = get_by_email(session=session, email=email)
        if other is not None and other.id != customer.id:
            raise Conflict(f"Another customer already has email {email!r}.")
    external_id = values.get("external_id")
    if external_id and external_id != customer.external_id:
        other = get_by_external_id(session=session, external_id=external_id)
        if other is not None and other.id != customer.id:
            raise Conflict(f"Another customer already has external id {external_id!r}.")


def create(*, session: Session, data: CustomerCreate, actor: str = "system") -> Customer:
    """Create a customer and record it on the timeline."""
    values = data.model_dump()
    if values.get("email"):
        values["email"] = values["email"].lower()
        if get_by_email(session=session, email=values["email"]) is not None:
            raise Conflict(f"A customer with email {values['email']} already exists.")
    customer = Customer(**values)
    session.add(customer)
    flush_unique(session, _clash(customer))
    timeline.record(
        session=session,
        customer_id=customer.id,
        kind="customer.created",
        subject_type="customer",
        subject_id=customer.id,
        summary=f"Customer {customer.name} created",
        actor=actor,
    )
    emit(session=session, type="customer.created", data=public(customer))
    return customer


def public(customer: Customer) -> dict[str, Any]:
    """Return the customer's API shape as JSON-ready data (for events and webhooks)."""
    return CustomerRead.model_validate(customer).model_dump(mode="json")


def update(
    *, session: Session, customer_id: int, data: CustomerUpdate, actor: str = "system"
) -> Customer:
    """Apply the fields set in ``data`` and record what changed."""
    customer = get(session=session, customer_id=customer_id)
    before = _snapshot(customer)
    values = data.model_dump(exclude_unset=True)
    if values.get("email"):
        values["email"] = values["email"].lower()
    if "name" in values and values["name"] is None:
        del values["name"]
    _check_unique_change(session, customer, values)
    for key, value in values.items():
        setattr(customer, key, value)
    flush_unique(session, _clash(customer))
    diff = timeline.changes(before, _snapshot(customer))
    if diff:
        timeline.record(
            session=session,
            customer_id=customer.id,
            kind="customer.updated",
            subject_type="customer",
            subject_id=customer.id,
            summary="Updated " + ", ".join(sorted(diff)),
            data={"changes": {k: [str(a), str(b)] for k, (a, b) in diff.items()}},
            actor=actor,
        )
        emit(
            session=session,
            type="customer.updated",
            data={**public(customer), "changes": sorted(diff)},
        )
    return customer


def upsert(
    *, session: Session, data: CustomerCreate, actor: str = "system"
) -> tuple[Customer, str]:
    """Create or update by external id, then email; return the customer and what happened.

    The outcome is ``created``, ``updated`` or ``unchanged`` so imports can be re-run safely.
    """
    existing = None
    if data.external_id:
        existing = get_by_external_id(session=session, external_id=data.external_id)
    if existing is None and data.email:
        existing = get_by_email(session=session, email=data.email)
    if existing is None:
        return create(session=session, data=data, actor=actor), "created"
    before = _snapshot(existing)
    update_data = CustomerUpdate(**data.model_dump(exclude_unset=True))
    customer = update(session=session, customer_id=existing.id, data=update_data, actor=actor)
    return customer, ("updated" if timeline.changes(before, _snapshot(customer)) else "unchanged")


def delete(*, session: Session, customer_id: int) -> None:
    """Delete a customer and everything that cascades from it."""
    customer = get(session=session, customer_id=customer_id)
    data = public(customer)
    session.delete(customer)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"Customer {customer_id} still has orders or tickets; erase it instead of deleting."
        ) from exc
    emit(session=session, type="customer.deleted", data=data)


def profile_rows(*, session: Session, span: IdSpan | None = None) -> list[tuple[Any, ...]]:
    """Return (id, created_at, language, country) of every customer (in ``span``), for analytics."""
    stmt = select(Customer.id, Customer.created_at, Customer.language, Customer.country)
    if span is not None:
        stmt = stmt.where(span.condition(Customer.id))
    return [tuple(row) for row in session.execute(stmt)]


def chunk_end(*, session: Session, after: int | None, size: int) -> int | None:
    """Return the id of the ``size``-th customer after id ``after``; None if fewer are left."""
    stmt = select(Customer.id).order_by(Customer.id).offset(size - 1).limit(1)
    if after is not None:
        stmt = stmt.where(Customer.id > after)
    found = session.scalar(stmt)
    return None if found is None else int(found)


def fingerprint(*, session: Session) -> tuple[Any, ...]:
    """Return (count, max id, max updated_at) of customers, to tell when customer data changed."""
    stmt = select(func.count(Customer.id), func.max(Customer.id), func.max(Customer.updated_at))
    return tuple(session.execute(stmt).one())


def tag_condition(*, session: Session, tag: str) -> Any:
    """Return a SQL condition true for customers carrying ``tag`` (for other domains' queries)."""
    return _has_tag(session, tag)
