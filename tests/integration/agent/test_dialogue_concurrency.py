"""Two turns of one conversation at the same moment both land in its state (row lock on PG)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.dialogue.engine import respond
from maitre.config import Settings
from maitre.conversations import service as conversations
from maitre.db.session import unit_of_work
from tests.agent_support import NOW, activate_nlu
from tests.integration.agent.scenario_helpers import known_conversation, make_customer


def test_simultaneous_messages_are_both_recorded(
    session_factory: sessionmaker[Session], settings: Settings, builtin_nlu_dir: Path
) -> None:
    with unit_of_work(session_factory) as s:
        activate_nlu(session=s, settings=settings, source=builtin_nlu_dir)
        cid = known_conversation(s, make_customer(s))
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def send(text: str) -> None:
        try:
            start.wait(timeout=10)
            with unit_of_work(session_factory) as s:
                respond(session=s, settings=settings, conversation_id=cid, text=text, now=NOW)
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(t,)) for t in ("hello", "thanks a lot")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with session_factory() as s:
        conversation = conversations.get(session=s, conversation_id=cid)
        assert conversation.state["turns"] == 2
        customer_texts = [m.text for m in conversation.messages if m.sender == "customer"]
        assert sorted(customer_texts) == ["hello", "thanks a lot"]
