"""Support tickets, chat transcripts and staff notes that follow from the order history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from maitre.demo.history import DemoOrder, Experience

AGENT, ADMIN = "agent@maitre.local", "admin@maitre.local"

# kind -> (priority, English subject/body, Chinese subject/body); {n} is the order number.
TEMPLATES: dict[str, tuple[str, tuple[str, str], tuple[str, str]]] = {
    "late": (
        "normal",
        (
            "Where is my order {n}?",
            "My order {n} still hasn't arrived and tracking has not "
            "moved for days. Can you check what is going on?",
        ),
        ("订单 {n} 还没到", "我的订单 {n} 到现在还没收到，物流信息好几天没更新了，请帮忙查一下。"),
    ),
    "late_complaint": (
        "urgent",
        (
            "Still no delivery for {n} - very disappointed",
            "This is the second time I'm writing "
            "about order {n}. I needed it for a gift and it is far too late. I want a refund.",
        ),
        ("订单 {n} 还是没到，非常失望", "这是我第二次联系你们了，订单 {n} 严重延误，我要求退款。"),
    ),
    "damaged": (
        "high",
        (
            "Item arrived damaged (order {n})",
            "The parcel for order {n} arrived crushed and one "
            "item is broken. Photos attached. I'd like a replacement or a refund.",
        ),
        (
            "订单 {n} 商品破损",
            "订单 {n} 的包裹送到时已经压坏了，里面有商品破损，附上照片，请换货或退款。",
        ),
    ),
    "wrong_item": (
        "high",
        (
            "Wrong item in order {n}",
            "I received something I did not order in parcel {n}. How do "
            "I send it back and get the right item?",
        ),
        (
            "订单 {n} 发错货了",
            "我收到的订单 {n} 里的商品不是我买的，请问怎么退回并补发正确的商品？",
        ),
    ),
    "changed_mind": (
        "low",
        (
            "Return request for order {n}",
            "I'd like to return order {n}; it is unused and in its "
            "original packaging. Please send me a return label.",
        ),
        ("订单 {n} 申请退货", "我想退回订单 {n}，商品未使用、包装完好，请提供退货方式。"),
    ),
    "address": (
        "normal",
        (
            "Change delivery address for {n}",
            "Could you please ship order {n} to my office "
            "address instead? I won't be home this week.",
        ),
        ("订单 {n} 修改收货地址", "请把订单 {n} 改寄到我公司的地址，这周我不在家。"),
    ),
    "invoice": (
        "low",
        ("Invoice for order {n}", "Can I get a VAT invoice for order {n} with my company name?"),
        ("订单 {n} 开发票", "订单 {n} 可以开公司抬头的发票吗？"),
    ),
    "discount": (
        "low",
        (
            "Discount code not applied to {n}",
            "My discount code didn't apply at checkout for "
            "order {n}. Can you refund the difference?",
        ),
        ("订单 {n} 优惠券没有生效", "订单 {n} 结账时优惠券没有生效，能退还差价吗？"),
    ),
    "product_question": (
        "low",
        (
            "Question about a product",
            "Is the cast iron teapot safe to use on an induction hob, "
            "and does it come with an infuser?",
        ),
        ("产品咨询", "请问紫砂壶适合泡绿茶吗？需要开壶吗？"),
    ),
    "account": (
        "normal",
        ("Can't log in to my account", "The password reset email never arrives. Can you help?"),
        ("无法登录账户", "我收不到重置密码的邮件，请帮忙处理。"),
    ),
}
CHANNELS_EN = ("email", "email", "chat", "web", "phone")
CHANNELS_ZH = ("wechat", "wechat", "chat", "email", "phone")
BOT_REPLY = {
    "en": "Thanks for reaching out. I'm passing this to a member of our team.",
    "zh": "感谢您的联系，我已为您转接人工客服。",
}
AGENT_REPLY = {
    "en": "Sorry about that! I've looked into it and will keep you updated by email.",
    "zh": "非常抱歉给您带来不便，我们已经在处理，会尽快回复您。",
}
NOTE_TEXTS = (
    "Prefers delivery after 6 pm on weekdays.",
    "Asked about wholesale prices for their café; passed to sales.",
    "Regular gift buyer before Christmas; include a handwritten card.",
    "Called about a delayed parcel; offered 10% off the next order.",
    "Allergic to chamomile; avoid herbal samples in parcels.",
    "Interested in a tea subscription if we launch one.",
    "Left a 5-star review mentioning our packaging.",
    "Requested invoices with company VAT number.",
)


@dataclass
class DemoTicket:
    """A support ticket; ``events`` are status changes after it was opened."""

    customer: int
    language: str
    kind: str
    subject: str
    body: str
    priority: str
    channel: str
    created_at: datetime
    order: int | None = None  # index into ``DemoData.orders``
    assignee: str | None = None
    events: list[tuple[str, datetime]] = field(default_factory=list)
    transcript: list[tuple[str, str, datetime]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """Return the status after the last change (``open`` if none)."""
        return self.events[-1][0] if self.events else "open"


@dataclass
class DemoNote:
    customer: int
    body: str
    author: str
    created_at: datetime
    ticket: DemoTicket | None = None


def _ticket(
    rng: np.random.Generator,
    *,
    customer: int,
    language: str,
    kind: str,
    created: datetime,
    resolved: datetime,
    now: datetime,
    order: tuple[int, DemoOrder] | None,
) -> DemoTicket:
    priority, en, zh = TEMPLATES[kind]
    subject, body = zh if language == "zh" else en
    number = order[1].number if order else ""
    channels = CHANNELS_ZH if language == "zh" else CHANNELS_EN
    ticket = DemoTicket(
        customer=customer,
        language=language,
        kind=kind,
        subject=subject.format(n=number),
        body=body.format(n=number),
        priority=priority,
        channel=str(channels[int(rng.integers(len(channels)))]),
        created_at=created,
        order=order[0] if order else None,
    )
    first_reply = created + timedelta(hours=float(rng.uniform(1, 20)))
    if now - created < timedelta(days=10) and rng.random() < 0.5:
        resolved = now + timedelta(days=1)  # still in the team's backlog
        if rng.random() < 0.4:
            first_reply = resolved  # nobody has picked it up yet
    if first_reply < now:
        ticket.assignee = AGENT if rng.random() < 0.8 else ADMIN
        waiting = resolved - first_reply > timedelta(hours=24)
        if waiting:
            ticket.events.append(("pending", first_reply))
    if resolved < now:
        ticket.events.append(("resolved", max(resolved, created + timedelta(minutes=30))))
        closed = resolved + timedelta(days=3)
        if closed < now:
            ticket.events.append(("closed", closed))
    if ticket.channel in {"chat", "wechat"}:
        ticket.transcript = [
            ("customer", ticket.body, created - timedelta(minutes=3)),
            ("bot", BOT_REPLY[language], created - timedelta(minutes=2)),
        ]
        if first_reply < now:
            ticket.transcript.append(("agent", AGENT_REPLY[language], first_reply))
    return ticket


def tickets_for(
    rng: np.random.Generator,
    *,
    customer: int,
    language: str,
    orders: list[tuple[int, DemoOrder]],
    signup: datetime,
    now: datetime,
) -> list[DemoTicket]:
    """Open the tickets one customer's history would produce."""
    found: list[DemoTicket] = []

    def add(
        kind: str, created: datetime, resolved: datetime, order: tuple[int, DemoOrder] | None
    ) -> None:
        if created < now:
            found.append(
                _ticket(
                    rng,
                    customer=customer,
                    language=language,
                    kind=kind,
                    created=created,
                    resolved=resolved,
                    now=now,
                    order=order,
                )
            )

    for item in orders:
        order = item[1]
        exp, placed = order.experience, order.placed_at
        shipped, delivered = order.at("shipped"), order.at("delivered")
        returned = order.at("returned") or now + timedelta(days=10)
        if exp is Experience.LATE and shipped is not None and rng.random() < 0.75:
            created = shipped + timedelta(days=float(rng.uniform(5, 7)))
            done = (delivered or now + timedelta(days=5)) + timedelta(
                hours=float(rng.uniform(2, 30))
            )
            if created < done:
                add("late", created, done, item)
                if rng.random() < 0.3:
                    add("late_complaint", created + timedelta(days=3), done, item)
        elif exp in {Experience.DAMAGED, Experience.WRONG_ITEM} and delivered is not None:
            if rng.random() < 0.85:
                add(
                    str(exp), delivered + timedelta(hours=float(rng.uniform(1, 60))), returned, item
                )
        elif exp is Experience.CHANGED_MIND and order.at("return_requested") is not None:
            if rng.random() < 0.5:
                requested = order.at("return_requested") or placed
                add("changed_mind", requested - timedelta(hours=2), returned, item)
        elif exp is Experience.OK and rng.random() < 0.035:
            kind = ("address", "invoice", "discount")[int(rng.integers(3))]
            created = placed + timedelta(hours=float(rng.uniform(1, 20)))
            add(kind, created, created + timedelta(hours=float(rng.uniform(2, 40))), item)
    if rng.random() < 0.09:
        created = signup + timedelta(days=float(rng.uniform(0, max(1, (now - signup).days))))
        kind = "product_question" if rng.random() < 0.7 else "account"
        add(kind, created, created + timedelta(hours=float(rng.uniform(1, 30))), None)
    return found


def notes_for(
    rng: np.random.Generator,
    *,
    customer: int,
    tickets: list[DemoTicket],
    signup: datetime,
    now: datetime,
    heavy: bool,
) -> list[DemoNote]:
    """Write the staff notes one customer would have."""
    notes: list[DemoNote] = []
    for ticket in tickets:
        resolved = next((when for s, when in ticket.events if s == "resolved"), None)
        if ticket.kind in {"damaged", "wrong_item"} and resolved and rng.random() < 0.5:
            notes.append(
                DemoNote(
                    customer=customer,
                    body="Replacement sent at no charge; carrier damage claim filed."
                    if ticket.kind == "damaged"
                    else "Picking error confirmed; correct item sent with a prepaid return label.",
                    author="Sam Rivera",
                    created_at=resolved - timedelta(minutes=20),
                    ticket=ticket,
                )
            )
    if rng.random() < (0.25 if heavy else 0.04):
        span = max(1.0, (now - signup).total_seconds() / 86400 - 1)
        notes.append(
            DemoNote(
                customer=customer,
                body=NOTE_TEXTS[int(rng.integers(len(NOTE_TEXTS)))],
                author=("Sam Rivera", "Alex Morgan")[int(rng.integers(2))],
                created_at=signup + timedelta(days=float(rng.uniform(0, span))),
            )
        )
    return notes
