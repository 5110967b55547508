"""A suggested first reply for the person taking over a conversation (a draft they edit).

Built from the handoff summary (intent, order number, reason) and the agent's last reply, in
the conversation's language; no LLM is needed, so it is always there and always grounded.
"""

from __future__ import annotations

from typing import Any

from maitre.conversations.models import Conversation, Sender

_TEXTS = {
    "en": {
        "hello": "Hi{name}, this is {agent} from the customer team.",
        "order": " I'm looking into order {order} for you now.",
        "intent": " I've read your conversation so far about {topic} and I'm taking it from here.",
        "angry": " I'm sorry about the trouble, and I'll make sure this gets sorted.",
        "plain": " I've read your conversation so far and I'm here to help.",
        "last": ' The assistant last told you: "{last}"',
        "ask": " What can I do for you?",
    },
    "zh": {
        "hello": "您好{name}，我是客服{agent}。",
        "order": "我正在为您查询订单 {order}。",
        "intent": "我已经看过您关于{topic}的对话记录，接下来由我为您处理。",
        "angry": "很抱歉给您带来不便，我会尽快帮您解决。",
        "plain": "我已经看过您之前的对话记录，很乐意为您提供帮助。",
        "last": "智能助手刚才的回复是：“{last}”",
        "ask": "请问还有什么可以帮您？",
    },
}
_TOPICS = {
    "en": {
        "order_status": "your order's status",
        "return_request": "a return",
        "refund_status": "your refund",
        "cancel_order": "cancelling an order",
        "change_address": "your delivery address",
        "account_update": "your account",
        "complaint": "your complaint",
        "product_question": "a product",
    },
    "zh": {
        "order_status": "订单状态",
        "return_request": "退货",
        "refund_status": "退款",
        "cancel_order": "取消订单",
        "change_address": "修改收货地址",
        "account_update": "账户信息",
        "complaint": "投诉",
        "product_question": "商品咨询",
    },
}
LAST_CHARS = 200


def _last_bot_text(conversation: Conversation) -> str | None:
    for message in reversed(conversation.messages):
        if message.sender == Sender.BOT and message.text and not message.data.get("handoff"):
            text = message.text.strip()
            return text if len(text) <= LAST_CHARS else text[: LAST_CHARS - 1] + "…"
    return None


def suggest_reply(
    conversation: Conversation, *, agent: str, language: str, customer_name: str | None = None
) -> str:
    """Return a draft reply in ``language`` built from the conversation's summary and state."""
    lang = "zh" if language.lower().startswith("zh") else "en"
    texts, topics = _TEXTS[lang], _TOPICS[lang]
    summary: dict[str, Any] = dict(conversation.summary or {})
    state: dict[str, Any] = dict(conversation.state or {})
    intent = summary.get("intent") or state.get("task")
    slots = dict(summary.get("slots") or state.get("slots") or {})
    first = (agent or "").split(" ")[0]
    name = ""
    if customer_name:
        name = (" " if lang == "en" else "") + customer_name.split(" ")[0]
    parts = [texts["hello"].format(name=name, agent=first or ("the team" if lang == "en" else ""))]
    order = slots.get("order_number")
    if order:
        parts.append(texts["order"].format(order=order))
    elif intent in topics:
        parts.append(texts["intent"].format(topic=topics[str(intent)]))
    else:
        parts.append(texts["plain"])
    if summary.get("reason") == "negative_sentiment" or float(state.get("sentiment") or 0) < -0.5:
        parts.append(texts["angry"])
    last = _last_bot_text(conversation)
    if last and not order and intent not in topics:
        parts.append(texts["last"].format(last=last))
    parts.append(texts["ask"])
    return "".join(parts)
