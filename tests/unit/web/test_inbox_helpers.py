"""The suggested inbox reply and the knowledge-base markdown renderer, without a database."""

from __future__ import annotations

from maitre.conversations.models import Conversation, Message, Sender
from maitre.web.markdown import render_markdown
from maitre.web.suggest import suggest_reply

XSS = "<img src=x onerror=alert(1)>"


def _conversation(summary: dict[str, object], *bot: str) -> Conversation:
    conv = Conversation(summary=summary, state={}, language="en")
    conv.messages = [Message(sender=Sender.BOT, text=t, data={}) for t in bot]
    return conv


def test_suggestion_names_the_order_and_the_customer() -> None:
    conv = _conversation({"reason": "customer_request", "slots": {"order_number": "MT-7"}})
    text = suggest_reply(conv, agent="Sam Lee", language="en", customer_name="Ada Lovelace")
    assert text.startswith("Hi Ada, this is Sam")
    assert "order MT-7" in text


def test_suggestion_quotes_the_last_bot_reply_and_speaks_chinese() -> None:
    conv = _conversation({"reason": "low_confidence"}, "Which order is it about?")
    assert "Which order is it about?" in suggest_reply(conv, agent="Sam", language="en")
    zh = suggest_reply(_conversation({"intent": "refund_status"}), agent="小王", language="zh")
    assert "退款" in zh and zh.startswith("您好")


def test_markdown_preview_escapes_html_and_drops_script_links_and_images() -> None:
    html = str(
        render_markdown(f"# T\n\n**b** {XSS}\n\n[x](javascript:alert(1)) ![i](http://e/x.png)")
    )
    assert "<strong>b</strong>" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and 'href="javascript' not in html
    assert str(render_markdown("")) == ""
