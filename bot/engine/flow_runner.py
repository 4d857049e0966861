"""Running flows for one turn: starting them, following `next` moves and switches, entering states and
applying their effects, arming a state's silence rule, ending them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.engine.flows import Effects, StartOn, seconds
from bot.engine.machine import PROCEED, CompiledFlow, Step, holds
from bot.engine.recommend import product_card, recommend
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Result

log = logging.getLogger(__name__)

MAX_STEPS = 24  # flow moves in one turn; more means a loop the checker could not see


class FlowRunner:
    def __init__(self, ctx: TurnContext) -> None:
        self.ctx = ctx

    @property
    def current(self) -> CompiledFlow | None:
        return self.ctx.content.flows.get(self.ctx.session.flow)

    def step(self, result: Result | None) -> Step:
        return Step(session=self.ctx.session, result=result, apply=self.apply, enter=self._enter,
                    why=self.ctx.why, fired=self.ctx.session.fired)

    def fire(self, trigger: str, result: Result | None) -> bool:
        """Fire a trigger in the current flow state and settle; True when a rule fired."""
        flow = self.current
        if flow is None:
            return False
        step = self.step(result)
        if not flow.fire(self.ctx.session.state, trigger, step):
            return False
        self.settle(step)
        return True

    # -- starting --------------------------------------------------------------------------------
    def start_by_event(self, event: str) -> bool:
        return self._start_first(lambda rule: rule.event == event)

    def start_by_intent(self, result: Result) -> bool:
        names = {name for name, _ in result.intents}
        return self._start_first(lambda rule: bool(rule.intent) and bool(names.intersection(rule.intent or ())),
                                 skip=self.ctx.session.flow)

    def _start_first(self, matches: Callable[[StartOn], bool], skip: str = "") -> bool:
        for name, flow in self.ctx.content.flows.items():
            if name == skip:
                continue
            for rule in flow.spec.start_on:
                if matches(rule) and holds(rule.when, self.ctx.session):
                    self.ctx.why.append(f"flow {name} starts (start_on {rule.model_dump(exclude_defaults=True)})")
                    self.apply(rule)
                    self._start(flow)
                    return True
        return False

    def _start(self, flow: CompiledFlow) -> None:
        self.ctx.cancel_timer()
        self.ctx.session.version = self.ctx.content.version
        step = self.step(None)
        flow.enter_start(step)
        self.settle(step)

    # -- moving ----------------------------------------------------------------------------------
    def settle(self, step: Step) -> None:
        """Follow `next` moves and flow switches until the customer has to answer."""
        session = self.ctx.session
        for _ in range(MAX_STEPS):
            if step.switch_flow is not None:
                target = self.ctx.content.flows[step.switch_flow]
                step.switch_flow, step.ended = None, False
                flow_step = self.step(None)
                target.enter_start(flow_step)
                step = flow_step
                continue
            if step.ended:
                self.end("the flow ended")
                return
            flow = self.current
            if flow is None:
                return
            state = flow.spec.states[session.state]
            if state.next:
                if not flow.fire(session.state, PROCEED, step):
                    break
                continue
            if state.handover:
                self.end("handover")
                return
            if not state.on:
                self.end(f"{flow.name}.{session.state} has no rules: the flow is done")
                return
            self.arm_silence()
            return
        log.error("flow %s moved %d times in one turn; stopped", session.flow, MAX_STEPS)
        self.end("too many moves in one turn")

    def arm_silence(self) -> None:
        """The current state's silence rule counts from now."""
        flow = self.current
        if flow is None:
            return
        rule = flow.silence.get(self.ctx.session.state)
        if rule is None or rule.silence is None:
            return
        self.ctx.set_timer("silence", self.ctx.now + seconds(rule.silence))
        self.ctx.why.append(f"waiting: after {rule.silence} of silence {flow.name}.{self.ctx.session.state} moves on")

    def end(self, why: str) -> None:
        session = self.ctx.session
        if session.flow:
            self.ctx.why.append(f"flow {session.flow} ends: {why}")
        self.ctx.cancel_timer()
        session.flow = session.state = ""
        session.misses = 0

    def hand_over(self, why: str) -> None:
        self.ctx.why.append(f"handover: {why}")
        self.ctx.say("handover")
        self.ctx.reply.handover = True
        self.ctx.session.handover_at = self.ctx.now
        self.end("handover")

    # -- states ----------------------------------------------------------------------------------
    def _enter(self, flow: str, state: str) -> None:
        session = self.ctx.session
        session.flow, session.state, session.misses = flow, state, 0
        spec = self.ctx.content.flows[flow].spec.states[state]
        if spec.recommend:
            recommend(self.ctx)  # first: what she says may name the product
        self.apply(spec)
        if spec.card:
            product_card(self.ctx)
        if spec.handover:
            self.hand_over(f"{flow}.{state} hands over")
            session.flow, session.state = flow, state  # settle() ends it after any `next`

    def apply(self, effects: Effects) -> None:
        session = self.ctx.session
        slots = session.slots
        slots.update(effects.set)
        for name, amount in effects.add.items():
            current = slots.get(name, 0)
            slots[name] = (current if isinstance(current, int | float) else 0) + amount
        session.add_tags(effects.tag)
        session.remove_tags(effects.untag)
        for key in effects.say:
            self.ctx.say(key)
