"""Drive scenarios through the conversation HTTP API and judge every reply and the CRM afterwards.

The client is anything with ``post(url, json=...)`` and ``get(url)`` returning a response with
``status_code`` and ``json()``: a FastAPI ``TestClient`` in tests, an ``httpx.Client`` against a
live server. The session factory reads the same database, read-only, to bind scenarios to real
customers and to check the CRM state each conversation leaves behind.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from maitre.agent.evaluation import checks
from maitre.agent.evaluation.facts import FactChecker
from maitre.agent.evaluation.results import ScenarioResult, TurnRecord
from maitre.agent.evaluation.schema import Identity, Scenario
from maitre.agent.evaluation.world import Binding, World, fill
from maitre.tickets.models import Ticket

API = "/api/v1/conversations"
# Untimed first messages (an anonymous visitor): NLU, knowledge base and catalogue get loaded.
WARM_UP = ("hello", "what is your return policy?", "do you sell teapots?", "你好，怎么付款？")


class Response(Protocol):
    status_code: int

    def json(self) -> Any: ...


class Client(Protocol):
    def post(self, url: str, *, json: Any = None) -> Any: ...

    def get(self, url: str) -> Any: ...


@dataclass
class Before:
    """CRM state captured before a scenario, to compare with after it."""

    max_ticket_id: int
    snapshot: checks.Snapshot


class Runner:
    """Run scenarios one after another, each with customers no other scenario touched."""

    def __init__(
        self,
        *,
        client: Client,
        session_factory: sessionmaker[Session],
        seed: int = 0,
        world: World | None = None,
    ) -> None:
        self.client = client
        self.factory = session_factory
        self.rng = random.Random(seed)
        if world is None:
            with session_factory() as session:
                world = World.load(session)
        self.world = world
        self.checker = FactChecker(world)
        self.used: set[int] = set()

    def warm_up(self, texts: tuple[str, ...] = WARM_UP) -> None:
        """Send a few untimed messages so lazily loaded models do not count as reply latency."""
        created = self.client.post(API, json={"channel": "web"})
        if created.status_code not in (200, 201):
            return
        cid = int(created.json()["id"])
        for text in texts:
            if self.client.post(f"{API}/{cid}/messages", json={"text": text}).status_code != 200:
                return

    def run(self, scenarios: list[Scenario]) -> list[ScenarioResult]:
        """Run every scenario and return their results, in order."""
        return [self.run_one(s) for s in scenarios]

    def run_one(self, scenario: Scenario) -> ScenarioResult:
        """Run one scenario end to end."""
        result = ScenarioResult(
            scenario.name,
            scenario.language,
            list(scenario.tags),
            handoff_expected=scenario.handoff != "no",
            handoff_required=scenario.handoff == "required",
        )
        try:
            binding = self.world.bind(scenario, used=self.used, rng=self.rng)
        except LookupError as exc:
            result.error = f"no demo data for this scenario: {exc}"
            return result
        before = self._before(binding)
        body: dict[str, Any] = {"channel": scenario.channel}
        if scenario.send_language:
            body["language"] = scenario.language
        if scenario.identity is Identity.TRUSTED:
            body["customer_id"] = binding.customer_id
        created = self.client.post(API, json=body)
        if created.status_code not in (200, 201):
            result.error = f"creating the conversation gave HTTP {created.status_code}"
            return result
        cid = int(created.json()["id"])
        result.conversation_id = cid
        typed = ""
        for index, turn in enumerate(scenario.turns):
            text = fill(turn.say, binding.values)
            typed = f"{typed}\n{text}"
            record = self._turn(scenario, binding, cid, index, text, typed, turn.expect)
            result.turns.append(record)
            if record.http_status != 200:
                break
        if scenario.csat is not None:
            posted = self.client.post(f"{API}/{cid}/csat", json={"score": scenario.csat})
            if posted.status_code not in (200, 201, 204):
                result.failures.append(f"posting CSAT gave HTTP {posted.status_code}")
        final = self._conversation(cid)
        result.conversation_status = str(final.get("status"))
        result.csat = final.get("csat")
        result.handed_off = result.conversation_status == "handed_off" or any(
            t.handoff for t in result.turns
        )
        with self.factory() as session:
            result.failures.extend(
                checks.final(
                    session,
                    scenario.expect,
                    binding,
                    before.snapshot,
                    final,
                    new_tickets=self._new_tickets(session, binding, before.max_ticket_id),
                    replies=[t.reply for t in result.turns],
                )
            )
        if scenario.handoff == "required" and not result.handed_off:
            result.failures.append("a handoff was expected and did not happen")
        if scenario.handoff == "no" and result.handed_off:
            result.failures.append("handed off to a person without need")
        return result

    def _before(self, binding: Binding) -> Before:
        with self.factory() as session:
            top = session.scalar(select(func.max(Ticket.id))) or 0
            return Before(int(top), checks.snapshot(session, binding))

    @staticmethod
    def _new_tickets(session: Session, binding: Binding, after_id: int) -> list[Ticket]:
        if binding.customer_id is None:
            return []
        stmt = select(Ticket).where(Ticket.customer_id == binding.customer_id, Ticket.id > after_id)
        return list(session.scalars(stmt))

    def _conversation(self, cid: int) -> dict[str, Any]:
        got = self.client.get(f"{API}/{cid}")
        data: dict[str, Any] = got.json() if got.status_code == 200 else {}
        return data

    def _turn(
        self,
        scenario: Scenario,
        binding: Binding,
        cid: int,
        index: int,
        text: str,
        typed: str,
        expect: Any,
    ) -> TurnRecord:
        record = TurnRecord(index=index, text=text)
        started = time.perf_counter()
        response = self.client.post(f"{API}/{cid}/messages", json={"text": text})
        record.latency_ms = (time.perf_counter() - started) * 1000
        record.http_status = response.status_code
        if response.status_code != 200:
            record.failures.append(f"HTTP {response.status_code}: {_short(response)}")
            return record
        data = response.json()
        reply = data.get("reply") or {}
        record.reply = str(reply.get("text") or "")
        record.intent = reply.get("intent")
        record.confidence = reply.get("confidence")
        record.action = reply.get("action")
        conversation = self._conversation(cid)
        record.handoff = conversation.get("status") == "handed_off"
        identified = conversation.get("customer_id")
        if scenario.identity is Identity.TRUSTED:
            owner = binding.customer_id
        else:
            owner = identified if isinstance(identified, int) else None
            if owner is not None and owner != binding.customer_id:
                record.failures.append(f"identified as customer {owner}, not the visitor")
        record.findings = self.checker.check(record.reply, owner=owner, typed=typed)
        record.failures.extend(
            checks.turn(
                expect,
                record,
                binding,
                self.world,
                state=data.get("state") or {},
                conversation=conversation,
                reply=reply,
                language=scenario.language,
            )
        )
        return record


def _short(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else body
    return str(detail)[:200]
