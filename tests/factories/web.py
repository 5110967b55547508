"""A small shop for the web pages: staff of every role, customers (one with a hostile name),
orders over recent months, a ticket, deals in several stages, a lead, a conversation with NLU
annotations, a note, an NLU example and a review item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from maitre.agent.nlu import service as nlu
from maitre.agent.nlu.models import ReviewReason
from maitre.conversations import service as conversations
from maitre.conversations.models import ConversationStatus, Sender
from maitre.users import service as users
from maitre.users.roles import Role
from tests.factories.conversations import make_conversation
from tests.factories.customers import make_customer
from tests.factories.notes import make_note
from tests.factories.orders import make_order
from tests.factories.products import make_product
from tests.factories.sales import make_deal, make_lead
from tests.factories.tickets import make_ticket

XSS = "<img src=x onerror=alert(1)>"
PASSWORD = "correct horse battery staple"
STAFF = {
    Role.ADMIN: "admin@web.example.com",
    Role.AGENT: "agent@web.example.com",
    Role.SALES: "sales@web.example.com",
    Role.ANALYST: "analyst@web.example.com",
}


def make_staff(session: Session) -> dict[Role, int]:
    """Create one user per staff role, all with ``PASSWORD``."""
    return {
        role: users.create_user(
            session=session, email=email, name=f"{role.value} user", role=role, password=PASSWORD
        ).id
        for role, email in STAFF.items()
    }


def build_web_shop(session: Session) -> dict[str, Any]:
    """Insert the shop and return the ids the tests need."""
    staff = make_staff(session)
    now = datetime.now(UTC)
    ada = make_customer(session, name="Ada Lovelace", email="ada@shop.example.com", tags=["vip"])
    evil = make_customer(session, name=XSS, company=XSS, email="evil@shop.example.com")
    product = make_product(session, name="Sencha tea", category="Tea", stock=500)
    order = None
    for weeks in range(1, 30, 3):
        order = make_order(
            session,
            customer_id=ada.id,
            lines=[{"product_id": product.id, "quantity": 1 + weeks % 4}],
            placed_at=(now - timedelta(weeks=weeks)).isoformat(),
            status="delivered",
        )
    make_order(session, customer_id=evil.id, lines=[{"product_id": product.id, "quantity": 1}])
    ticket = make_ticket(session, ada.id, subject=f"Broken teapot {XSS}", body=XSS)
    deal = make_deal(session, ada.id, title="Office tea subscription")
    make_deal(session, evil.id, title=XSS, stage="proposal")
    make_lead(session, name=XSS)
    make_note(session, ada.id, body=f"Prefers green tea {XSS}")
    conv = make_conversation(session, customer_id=ada.id)
    conversations.add_message(
        session=session,
        conversation_id=conv.id,
        sender=Sender.CUSTOMER,
        text=XSS,
        data={"intent": "order_status", "confidence": 0.92},
    )
    conversations.set_status(
        session=session, conversation_id=conv.id, status=ConversationStatus.RESOLVED
    )
    example = nlu.create_example(session=session, intent="order_status", text="where is my tea")
    review = nlu.enqueue_review(
        session=session,
        text=f"refund my teapot {XSS}",
        reason=ReviewReason.LOW_CONFIDENCE,
        predicted_intent="order_status",
        confidence=0.41,
    )
    session.flush()
    return {
        "staff": staff,
        "ada": ada.id,
        "evil": evil.id,
        "product": product.id,
        "order": order.id if order else None,
        "ticket": ticket.id,
        "deal": deal.id,
        "example": example.id,
        "review": review.id,
    }
