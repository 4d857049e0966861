"""Running flows for one turn: starting them, following `next` moves and switches, entering states and
applying their effects, arming a state's silence rule, ending them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from bot.content.durations import seconds
from bot.conversation import InboundKind
from bot.engine import sales, survey
from bot.engine.burst import Asked
from bot.engine.conditions import holds
from bot.engine.flows import UNKNOWN_OPTION, Effects, StartOn
from bot.engine.machine import PROCEED, SAID, CompiledFlow, Step
from bot.engine.reading import ENTERED
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Result

log = logging.getLogger(__name__)

MAX_STEPS = 24  # flow moves in one turn; more means a loop the checker could not see


class FlowRunner:
    def __init__(self, ctx: TurnContext) -> None:
        self.ctx = ctx
        self.skipping: tuple[str, str, str] | None = None  # (flow, state, known answer) entered quietly

    @property
    def current(self) -> CompiledFlow | None:
        return self.ctx.content.flows.get(self.ctx.session.flow)

    def step(self, result: Result | None, known: str | None = None) -> Step:
        apply = self.apply if known is None else self._apply_quietly  # an unasked question's rule says nothing
        return Step(session=self.ctx.session, profile=self.ctx.profile, result=result, apply=apply,
                    enter=self._enter, choose=self._chosen, known_option=known, why=self.ctx.why,
                    fired=self.ctx.session.fired, by_surname=self.ctx.persona.by_surname)

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

    def skip_question(self) -> bool:
        """The state's question (`ask`), asked again once and still not answered, is taken as 不知道: its
        `option: unknown` rule fires and the flow goes on with what is known, instead of the same question a third
        time (recommend.which_concern: 我刚说了啊 干皮 → a pick for dry skin). False when it has no such rule."""
        flow = self.current
        if flow is None or flow.spec.states[self.ctx.session.state].ask is None:
            return False
        step = replace(self.step(None), known_option=UNKNOWN_OPTION)
        if not flow.fire(self.ctx.session.state, SAID, step):
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
            for rule, description in flow.start_on:
                if matches(rule) and holds(rule.when, self.ctx.session, self.ctx.profile):
                    self.ctx.why.append(description)
                    self.apply(rule)
                    self._start(flow)
                    return True
        return False

    def start_named(self, name: str) -> bool:
        """Start a flow by name (a follow-up step that opens a flow); False when there is no such flow."""
        flow = self.ctx.content.flows.get(name)
        if flow is None:
            return False
        self.ctx.why.append(f"流程 {name} 开始")
        self._start(flow)
        return True

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
                self.end("走到了 end")
                return
            flow = self.current
            if flow is None:
                return
            state = flow.spec.states[session.state]
            if state.next:
                if not flow.fire(session.state, PROCEED, step):
                    break
                continue
            if self.skipping is not None and self.skipping[:2] == (flow.name, session.state):
                moved, step = self._skip_known(flow, state.say)
                if moved:
                    continue
            if state.handover:
                self.end("转人工")
                return
            if not state.on:
                self.end(f"{flow.name}.{session.state} 没有规则，流程走完了")
                return
            self.arm_silence()
            return
        log.error("flow %s moved %d times in one turn; stopped", session.flow, MAX_STEPS)
        self.end("一轮里跳转太多次（可能是 next 绕圈）")

    def answered_by_profile(self) -> bool:
        """The message revealed the answer to the state's own question (泛红 at the skin question): move on."""
        flow = self.current
        if flow is None:
            return False
        known = survey.known_answer(self.ctx, flow.spec.states[self.ctx.session.state])
        if known is None:
            return False
        self.skipping = (flow.name, self.ctx.session.state, known)
        moved, step = self._skip_known(flow, [])
        if moved:
            self.settle(step)
        return moved

    def _skip_known(self, flow: CompiledFlow, say: list[str]) -> tuple[bool, Step]:
        """A question whose answer the profile already has moves on as if answered, unasked."""
        assert self.skipping is not None
        _, state, known = self.skipping
        self.skipping = None
        step = self.step(None, known=known)
        self.ctx.why.append(f"{flow.name}.{state} 已经知道答案（{known}）：不再问")
        if flow.fire(state, SAID, step):
            return True, step
        self.ctx.why.append("没有规则接这个答案：还是问一下")
        for key in say:
            self.ctx.say(key)
        self.ctx.session.asked_at = self.ctx.now
        return False, step

    def arm_silence(self) -> None:
        """The current state's silence rule counts from now."""
        flow = self.current
        if flow is None:
            return
        rule = flow.silence.get(self.ctx.session.state)
        if rule is None or rule.silence is None:
            return
        self.ctx.set_timer("silence", self.ctx.now + seconds(rule.silence))
        self.ctx.why.append(f"等顾客回复：{rule.silence} 没回就从 {flow.name}.{self.ctx.session.state} 往下走")

    def end(self, why: str) -> None:
        session = self.ctx.session
        if session.flow:
            self.ctx.why.append(f"流程 {session.flow} 结束：{why}")
        self.ctx.cancel_timer()
        session.flow = session.state = ""
        session.misses = 0

    def hand_over(self, why: str, *, say: bool = True) -> None:
        self.ctx.why.append(f"转人工：{why}")
        if say:
            self.ctx.say("handover")
        self.ctx.reply.handover = True
        self.ctx.session.handover_at = self.ctx.now
        self.end("转人工")

    # -- states ----------------------------------------------------------------------------------
    def _enter(self, flow: str, state: str) -> None:
        session = self.ctx.session
        session.flow, session.state, session.misses = flow, state, 0
        before = session.context.get(ENTERED)
        again = isinstance(before, dict) and before.get("value") == f"{flow}.{state}" and bool(before.get("unasked"))
        # an invitation the bot made on its own (a welcome), or that invitation again (哈喽 → hello_back, still it)
        unasked = again or self.ctx.inbound.kind in (InboundKind.WELCOME, InboundKind.ENTER_SESSION,
                                                     InboundKind.FOLLOWUP)
        session.context[ENTERED] = {"value": f"{flow}.{state}", "turn": session.turns, "unasked": unasked}
        self.ctx.reply.entered.append(f"{flow}.{state}")
        spec = self.ctx.content.flows[flow].spec.states[state]
        if spec.recommend:
            sales.recommend(self.ctx)  # first: what she says may name the product
        known = survey.known_answer(self.ctx, spec)
        said = len(self.ctx.reply.messages)
        if known is not None:
            self.skipping = (flow, state, known)
            self.apply(spec.model_copy(update={"say": []}))  # the question is not asked
        else:
            self.apply(spec)
            if spec.ask is not None:
                session.asked_at = self.ctx.now
        # a state with a card says its pitch, not a question a later piece of the burst answers: never dropped (QA
        # round 14, finding 15: 帮我推荐个保湿的 | 很干 left the link card alone, its 你可以看看… line dropped)
        self.ctx.asked = Asked(flow, state, [] if spec.card else self.ctx.reply.messages[said:])
        if spec.card:
            sales.product_card(self.ctx)
        if spec.handover:
            self.hand_over(f"{flow}.{state} 写了 handover: true")
            session.flow, session.state = flow, state  # settle() ends it after any `next`

    def _apply_quietly(self, effects: Effects) -> None:
        self.apply(effects.model_copy(update={"say": []}))

    def _chosen(self, state: str, label: str) -> None:
        survey.chosen(self.ctx, self.ctx.session.flow, state, label)

    def apply(self, effects: Effects) -> None:
        ctx = self.ctx
        slots = ctx.session.slots
        slots.update(effects.set)
        for name, amount in effects.add.items():
            current = slots.get(name, 0)
            slots[name] = (current if isinstance(current, int | float) else 0) + amount
        for tag in ctx.profile.add_tags(effects.tag):
            ctx.why.append(f"标签 {tag} 被员工去掉过，机器人不再打")
        for tag in ctx.profile.remove_tags(effects.untag):
            ctx.why.append(f"标签 {tag} 是员工设的，机器人不去掉")
        if effects.evidence:
            sales.flow_evidence(ctx, effects.evidence)
        self.ctx.reply.marks.extend(effects.mark)
        for key in effects.say:
            ctx.say(key)
