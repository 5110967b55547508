"""NLU operations: parse with the active model, training examples, the review queue.

The agent calls ``parse`` for every customer turn and ``enqueue_review`` when a turn had low
confidence, came back out of scope or ended in a handoff; staff label the queue and the labels
become training examples for the next run (active learning).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from maitre.agent.nlu.bundle import ParseResult
from maitre.agent.nlu.dataio import canonical_intent, describe_intent_files
from maitre.agent.nlu.entities import Catalogue, EntityType
from maitre.agent.nlu.models import (
    ExampleSource,
    NluExample,
    NluReviewItem,
    ReviewReason,
    ReviewStatus,
)
from maitre.agent.nlu.serving import NluServer
from maitre.agent.nlu.text import dedup_key, detect_language, normalize_text
from maitre.common.pagination import Page, PageParams, paginate
from maitre.db.base import utcnow
from maitre.db.lookup import get_or_404
from maitre.errors import Conflict, ValidationFailed
from maitre.events import emit

MAX_TEXT = 2_000
REVIEW_BELOW = 0.5

EXAMPLE_SORTABLE = {
    "id": NluExample.id,
    "intent": NluExample.intent,
    "created_at": NluExample.created_at,
}
REVIEW_SORTABLE = {
    "id": NluReviewItem.id,
    "created_at": NluReviewItem.created_at,
    "confidence": NluReviewItem.confidence,
}


def parse(
    *,
    session: Session,
    server: NluServer,
    text: str,
    catalogue: Catalogue | None = None,
    today: date | None = None,
    expected: Iterable[EntityType | str] = (),
) -> ParseResult:
    """Parse ``text`` with the active NLU model (loaded, or reloaded, as needed)."""
    if not normalize_text(text):
        raise ValidationFailed("The text is empty.")
    return server.parse(session, text, catalogue=catalogue, today=today, expected=expected)


# -- training examples --------------------------------------------------------------------------


def _check_intent(intent: str) -> str:
    name = canonical_intent(intent)
    if not name or len(name) > 100:
        raise ValidationFailed("An intent name needs 1 to 100 characters.")
    return name


def create_example(
    *,
    session: Session,
    intent: str,
    text: str,
    language: str | None = None,
    source: ExampleSource = ExampleSource.USER,
    actor: str = "system",
) -> NluExample:
    """Add a training example; a duplicate of an existing one is a ``Conflict``."""
    intent = _check_intent(intent)
    clean = normalize_text(text)
    if not clean:
        raise ValidationFailed("The example text is empty.")
    if len(clean) > MAX_TEXT:
        raise ValidationFailed(f"An example may have at most {MAX_TEXT} characters.")
    key = dedup_key(clean)[:500] or clean[:500]
    existing = session.scalar(
        select(NluExample).where(NluExample.intent == intent, NluExample.text_key == key)
    )
    if existing is not None:
        raise Conflict(f"Intent {intent!r} already has the example {existing.text!r}.")
    example = NluExample(
        intent=intent,
        text=clean,
        text_key=key,
        language=language or detect_language(clean),
        source=source,
        created_by=actor,
    )
    session.add(example)
    session.flush()
    emit(session=session, type="nlu.example.created", data=example_public(example))
    return example


def example_public(example: NluExample) -> dict[str, Any]:
    """Return an example as JSON-ready data."""
    return {
        "id": example.id,
        "intent": example.intent,
        "text": example.text,
        "language": example.language,
        "source": example.source,
        "created_by": example.created_by,
        "created_at": example.created_at.isoformat() if example.created_at else None,
    }


def get_example(*, session: Session, example_id: int) -> NluExample:
    """Return an example or raise ``NotFound``."""
    return get_or_404(session, NluExample, example_id, "Example")


def delete_example(*, session: Session, example_id: int) -> None:
    """Remove a user-added example."""
    example = get_example(session=session, example_id=example_id)
    session.delete(example)
    session.flush()


def list_examples(
    *, session: Session, params: PageParams, intent: str | None = None, language: str | None = None
) -> Page[NluExample]:
    """Return one page of user-added examples."""
    stmt = select(NluExample)
    if intent:
        stmt = stmt.where(NluExample.intent == canonical_intent(intent))
    if language:
        stmt = stmt.where(NluExample.language == language)
    return paginate(
        session, stmt, id_column=NluExample.id, params=params, sortable=EXAMPLE_SORTABLE
    )


def all_examples(*, session: Session) -> list[NluExample]:
    """Return every user-added example (for training)."""
    return list(session.scalars(select(NluExample).order_by(NluExample.id)))


@dataclass(frozen=True)
class IntentSummary:
    """An intent with its example counts per language and where it comes from."""

    name: str
    description: str
    builtin: bool
    examples: dict[str, int]


def list_intents(*, session: Session) -> list[IntentSummary]:
    """Return the built-in intents and those added by users, with example counts."""
    from maitre.agent.nlu.trainer import SHIPPED_DATA

    summaries: dict[str, IntentSummary] = {}
    for name, (description, counts) in describe_intent_files(SHIPPED_DATA).items():
        summaries[name] = IntentSummary(name, description, True, dict(counts))
    rows = session.execute(
        select(NluExample.intent, NluExample.language, func.count()).group_by(
            NluExample.intent, NluExample.language
        )
    )
    for intent, language, count in rows:
        summary = summaries.setdefault(intent, IntentSummary(intent, "", False, {}))
        summary.examples[language] = summary.examples.get(language, 0) + int(count)
    return sorted(summaries.values(), key=lambda s: s.name)


# -- review queue ------------------------------------------------------------------------------


def enqueue_review(
    *,
    session: Session,
    text: str,
    reason: ReviewReason,
    predicted_intent: str | None = None,
    confidence: float | None = None,
    conversation_id: int | None = None,
    message_id: int | None = None,
    model_version: int | None = None,
    language: str | None = None,
    details: dict[str, Any] | None = None,
) -> NluReviewItem:
    """Queue an utterance for labelling; a pending item with the same text is reused."""
    clean = normalize_text(text)[:MAX_TEXT]
    if not clean:
        raise ValidationFailed("The text is empty.")
    pending = session.scalar(
        select(NluReviewItem).where(
            NluReviewItem.text == clean, NluReviewItem.status == ReviewStatus.PENDING
        )
    )
    if pending is not None:
        return pending
    item = NluReviewItem(
        text=clean,
        language=language or detect_language(clean),
        predicted_intent=predicted_intent,
        confidence=confidence,
        reason=reason,
        conversation_id=conversation_id,
        message_id=message_id,
        model_version=model_version,
        details=details or {},
    )
    session.add(item)
    session.flush()
    emit(session=session, type="nlu.review.created", data=review_public(item))
    return item


def review_if_unsure(
    *,
    session: Session,
    result: ParseResult,
    conversation_id: int | None = None,
    message_id: int | None = None,
    below: float = REVIEW_BELOW,
) -> NluReviewItem | None:
    """Queue a parsed turn when it came back out of scope or with low confidence."""
    if result.out_of_scope:
        reason = ReviewReason.OUT_OF_SCOPE
    elif result.confidence < below:
        reason = ReviewReason.LOW_CONFIDENCE
    else:
        return None
    return enqueue_review(
        session=session,
        text=result.text,
        reason=reason,
        predicted_intent=result.ranking[0]["intent"] if result.ranking else result.intent,
        confidence=result.confidence,
        conversation_id=conversation_id,
        message_id=message_id,
        model_version=result.model_version,
        language=result.language,
    )


def review_public(item: NluReviewItem) -> dict[str, Any]:
    """Return a review item as JSON-ready data."""
    return {
        "id": item.id,
        "text": item.text,
        "language": item.language,
        "predicted_intent": item.predicted_intent,
        "confidence": item.confidence,
        "reason": item.reason,
        "status": item.status,
        "label": item.label,
        "conversation_id": item.conversation_id,
    }


def get_review(*, session: Session, item_id: int) -> NluReviewItem:
    """Return a review item or raise ``NotFound``."""
    return get_or_404(session, NluReviewItem, item_id, "Review item")


def list_reviews(
    *,
    session: Session,
    params: PageParams,
    status: ReviewStatus | None = ReviewStatus.PENDING,
    reason: ReviewReason | None = None,
) -> Page[NluReviewItem]:
    """Return one page of the review queue (pending items by default, newest first)."""
    stmt = select(NluReviewItem)
    if status is not None:
        stmt = stmt.where(NluReviewItem.status == status)
    if reason is not None:
        stmt = stmt.where(NluReviewItem.reason == reason)
    return paginate(
        session, stmt, id_column=NluReviewItem.id, params=params, sortable=REVIEW_SORTABLE
    )


def label_review(*, session: Session, item_id: int, intent: str, actor: str) -> NluReviewItem:
    """Label a pending item; the text becomes a training example of ``intent``."""
    item = get_review(session=session, item_id=item_id)
    if item.status != ReviewStatus.PENDING:
        raise Conflict(f"Review item {item_id} is already {item.status}.")
    name = _check_intent(intent)
    key = dedup_key(item.text)[:500] or item.text[:500]
    example = session.scalar(
        select(NluExample).where(NluExample.intent == name, NluExample.text_key == key)
    ) or create_example(
        session=session,
        intent=name,
        text=item.text,
        language=item.language,
        source=ExampleSource.REVIEW,
        actor=actor,
    )
    item.status = ReviewStatus.LABELLED
    item.label = name
    item.example_id = example.id
    item.reviewed_at = utcnow()
    item.reviewed_by = actor
    session.flush()
    emit(session=session, type="nlu.review.labelled", data=review_public(item))
    return item


def dismiss_review(*, session: Session, item_id: int, actor: str) -> NluReviewItem:
    """Mark a pending item as not worth a label."""
    item = get_review(session=session, item_id=item_id)
    if item.status != ReviewStatus.PENDING:
        raise Conflict(f"Review item {item_id} is already {item.status}.")
    item.status = ReviewStatus.DISMISSED
    item.reviewed_at = utcnow()
    item.reviewed_by = actor
    session.flush()
    return item
