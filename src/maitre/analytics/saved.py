"""Saved segments: named rules over profile fields whose members are evaluated on demand.

A rule (``SegmentRule``) filters customers on their own fields (language, country, tags) and
on their stored scores (RFM segment, cluster, churn probability, CLV, spend, orders, last
order), so membership follows the data: a new customer or a refresh changes it without
touching the segment. Customers not scored yet match only rules on their own fields.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from maitre.analytics.models import CustomerScore, SavedSegment
from maitre.analytics.saved_schemas import (
    MemberPage,
    MemberRead,
    SavedSegmentCreate,
    SavedSegmentUpdate,
    SegmentRule,
)
from maitre.customers import service as customers
from maitre.customers.models import Customer
from maitre.db.lookup import get_or_404
from maitre.db.session import flush_unique

EXPORT_BATCH = 1000
CSV_COLUMNS = tuple(MemberRead.model_fields)


def get(*, session: Session, segment_id: int) -> SavedSegment:
    """Return a saved segment or raise ``NotFound``."""
    return get_or_404(session, SavedSegment, segment_id, "Saved segment")


def list_(*, session: Session, limit: int = 50, offset: int = 0) -> tuple[list[SavedSegment], int]:
    """Return one page of saved segments by name, and how many there are."""
    total = session.scalar(select(func.count(SavedSegment.id))) or 0
    stmt = select(SavedSegment).order_by(SavedSegment.name, SavedSegment.id)
    return list(session.scalars(stmt.offset(offset).limit(limit))), int(total)


def create(*, session: Session, data: SavedSegmentCreate, actor: str = "system") -> SavedSegment:
    """Save a new segment."""
    segment = SavedSegment(
        name=data.name.strip(),
        description=data.description,
        rule=data.rule.model_dump(mode="json", exclude_none=True),
        created_by=actor,
    )
    session.add(segment)
    flush_unique(session, f"A saved segment named {segment.name!r} already exists.")
    return segment


def update(*, session: Session, segment_id: int, data: SavedSegmentUpdate) -> SavedSegment:
    """Change a segment's name, description or rule."""
    segment = get(session=session, segment_id=segment_id)
    if data.name is not None:
        segment.name = data.name.strip()
    if data.description is not None:
        segment.description = data.description
    if data.rule is not None:
        segment.rule = data.rule.model_dump(mode="json", exclude_none=True)
    flush_unique(session, f"A saved segment named {segment.name!r} already exists.")
    return segment


def delete(*, session: Session, segment_id: int) -> None:
    """Delete a saved segment."""
    session.delete(get(session=session, segment_id=segment_id))
    session.flush()


def rule_of(segment: SavedSegment) -> SegmentRule:
    """Return the segment's stored rule, validated."""
    return SegmentRule.model_validate(segment.rule)


def members_query(*, session: Session, rule: SegmentRule) -> Select[Customer, CustomerScore]:
    """Return the query for customers matching ``rule`` with their scores, by customer id."""
    stmt = select(Customer, CustomerScore).outerjoin(
        CustomerScore, CustomerScore.customer_id == Customer.id
    )
    score = CustomerScore
    if rule.rfm_segments:
        stmt = stmt.where(score.rfm_segment.in_([s.value for s in rule.rfm_segments]))
    if rule.clusters:
        stmt = stmt.where(score.cluster.in_(rule.clusters))
    if rule.churn_probability_gte is not None:
        stmt = stmt.where(score.churn_probability >= rule.churn_probability_gte)
    if rule.churn_probability_lte is not None:
        stmt = stmt.where(score.churn_probability <= rule.churn_probability_lte)
    if rule.languages:
        stmt = stmt.where(Customer.language.in_(rule.languages))
    if rule.countries:
        stmt = stmt.where(Customer.country.in_(rule.countries))
    if rule.tags:
        stmt = stmt.where(
            or_(*(customers.tag_condition(session=session, tag=t) for t in rule.tags))
        )
    if rule.total_spent_gte is not None:
        stmt = stmt.where(score.total_spent >= rule.total_spent_gte)
    if rule.total_spent_lte is not None:
        stmt = stmt.where(score.total_spent <= rule.total_spent_lte)
    if rule.clv_gte is not None:
        stmt = stmt.where(score.clv >= rule.clv_gte)
    if rule.orders_gte is not None:
        stmt = stmt.where(score.orders_count >= rule.orders_gte)
    if rule.last_order_before is not None:
        stmt = stmt.where(score.last_order_at < rule.last_order_before)
    if rule.last_order_after is not None:
        stmt = stmt.where(score.last_order_at > rule.last_order_after)
    return stmt.order_by(Customer.id)


def _member(customer: Customer, score: CustomerScore | None) -> MemberRead:
    return MemberRead(
        customer_id=customer.id,
        name=customer.name,
        email=customer.email,
        language=customer.language,
        country=customer.country,
        rfm_segment=score.rfm_segment if score else None,
        cluster=score.cluster if score else None,
        churn_probability=score.churn_probability if score else None,
        clv=score.clv if score else None,
        total_spent=score.total_spent if score else None,
        last_order_at=score.last_order_at if score else None,
    )


def members(*, session: Session, segment_id: int, limit: int = 50, offset: int = 0) -> MemberPage:
    """Return one page of the segment's current members."""
    stmt = members_query(session=session, rule=rule_of(get(session=session, segment_id=segment_id)))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.offset(offset).limit(limit)).all()
    items = [_member(customer, score) for customer, score in rows]
    return MemberPage(items=items, total=int(total), limit=limit, offset=offset)


def export_csv(*, session: Session, segment_id: int) -> Iterator[str]:
    """Yield the segment's members as CSV text, a header first, in batches."""
    stmt = members_query(session=session, rule=rule_of(get(session=session, segment_id=segment_id)))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    last_id = 0
    while True:
        rows = session.execute(stmt.where(Customer.id > last_id).limit(EXPORT_BATCH)).all()
        for customer, score in rows:
            data = _member(customer, score).model_dump(mode="json")
            writer.writerow(["" if data[c] is None else data[c] for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < EXPORT_BATCH:
            return
        last_id = rows[-1][0].id
