"""Carry out the policy's decision: one handler per action, built from ``steps``."""

from __future__ import annotations

from maitre.agent.dialogue.policy import Decision
from maitre.agent.dialogue.steps import Outcome, Part, Steps
from maitre.agent.dialogue.tracker import Event, slot_events

__all__ = ["Outcome", "Part", "Runner"]


class Runner(Steps):
    """Run the handler of a decision."""

    def run(self, decision: Decision) -> Outcome:
        """Carry out ``decision``."""
        self.out.action = decision.action
        if (self.state.pending or {}).get("kind") in ("confirm_handoff", "clarify"):
            # A question the customer did not answer is dropped, not left to catch a later "yes".
            self.emit(Event("pending_set", {"pending": None}))
        handler = getattr(self, f"_do_{decision.action}")
        handler(decision)
        return self.out

    def _do_refuse_injection(self, decision: Decision) -> None:
        self.say("injection.refused")

    def _do_handoff(self, decision: Decision) -> None:
        self.handoff(decision.reason or "customer_asked")

    def _do_handoff_declined(self, decision: Decision) -> None:
        self.emit(Event("pending_set", {"pending": None}))
        self.say("handoff.declined")

    def _do_confirmed(self, decision: Decision) -> None:
        assert decision.flow is not None
        self.emit(Event("pending_set", {"pending": None}), Event("extra_set", {"confirmed": True}))
        self.advance(decision.flow)

    def _do_declined(self, decision: Decision) -> None:
        assert decision.flow is not None
        self.emit(Event("task_ended", {"reason": "declined"}))
        self.say(decision.flow.declined or "task.cancelled")

    def _do_stop_task(self, decision: Decision) -> None:
        self.emit(Event("task_ended", {"reason": "stopped"}))
        self.say("task.cancelled")
        self.resume()

    def _do_ack(self, decision: Decision) -> None:
        self.say("ack.ok")

    def _do_clarify(self, decision: Decision) -> None:
        if self.answer_from_kb(quiet=True):
            return
        a, b = (decision.reason or "|").split("|", 1)
        lang = self.turn.language
        facts = {
            "option_a": self.templates.render(f"intent.{a}", lang, {}),
            "option_b": self.templates.render(f"intent.{b}", lang, {}),
        }
        self.emit(Event("pending_set", {"pending": {"kind": "clarify", "options": [a, b]}}))
        self.say("clarify.ask", facts)

    def _do_question(self, decision: Decision) -> None:
        # A question in the middle of a task: the knowledge base first, then the intent.
        pending = dict(self.state.pending or {})
        if self.answer_from_kb(quiet=False):
            self.back_to_task(decision.resume, pending)
            return
        if decision.flow is None:
            self._do_not_understood(decision)
        elif decision.flow.digression or decision.flow.kind in ("smalltalk", "kb"):
            self._do_digression(decision)
        else:
            self._do_start(decision)

    def _do_not_understood(self, decision: Decision) -> None:
        if self.answer_from_kb(quiet=True):
            return
        self.emit(Event("low_confidence", {"low": True}))
        if self.state.low_confidence >= self.settings.handoff_low_confidence_turns:
            self.handoff("low_confidence")
            return
        self.say("fallback.not_understood")
        self.reprompt()

    def _do_start(self, decision: Decision) -> None:
        assert decision.flow is not None
        self.start(decision.flow, keep_slots=False)

    def _do_correct(self, decision: Decision) -> None:
        assert decision.flow is not None
        previous = dict((self.state.extra.get("last_task") or {}).get("slots") or {})
        self.emit(
            Event("task_started", {"task": decision.flow.name, "text": self.turn.text[:500]}),
            Event("extra_set", {"confirmed": None, "prechecked": None}),
        )
        self.emit(*[Event("slot_set", {"slot": k, "value": v}) for k, v in previous.items()])
        self.emit(*slot_events(decision.flow, self.turn, self.state, asked=None))
        self.advance(decision.flow)

    def _do_continue(self, decision: Decision) -> None:
        assert decision.flow is not None
        flow = decision.flow
        asked = (self.state.pending or {}).get("slot")
        self.emit(*slot_events(flow, self.turn, self.state, asked=asked))
        self.advance(flow)

    def _do_digression(self, decision: Decision) -> None:
        assert decision.flow is not None
        if decision.flow.kind == "task":
            # The interrupted task waits on a stack and resumes when this one ends.
            self.emit(Event("task_suspended"))
            self.start(decision.flow, keep_slots=False)
            return
        pending = dict(self.state.pending or {})
        self.respond_simple(decision.flow)
        if not self.out.handoff:
            self.back_to_task(decision.resume, pending)
