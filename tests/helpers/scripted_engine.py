"""A scripted engine for brainstorm UI-logic tests: answers each stage's prompt with fixed
Markdown (a different idea list per diverge sample) and records what it was sent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, StreamEvent
from app.backend.registry import Engines
from app.config import Settings

FRAME = """## Restated problem
Find the mislabelled images in a 10k-image dataset.

## Constraints
One GPU, a week.

## Success metric
Precision of the flagged labels on an audited sample.

## What is known
About 5% of labels are wrong."""

DIVERGE = [
    "Sure! Here are ideas:\n\n1. Confident learning on out-of-fold probabilities\n"
    "   - use 5 folds\n2. Co-teaching with two networks\n3. Early-loss ranking\n\nGood luck!",
    "1. Confident learning on out-of-fold probabilities.\n2. Relabel a small audit set\n"
    "3. Augmentation consistency checks",
    "- Nearest-neighbour label voting in embedding space\n- Co-teaching with two networks",
]

CLUSTER = """## Data
- Relabel a small audit set
- Nearest-neighbour label voting in embedding space

## Training
- Co-teaching with two networks
- Early-loss ranking"""

CRITIQUE = """## Confident learning on out-of-fold probabilities
Assumes calibrated probabilities. Cheapest test: inject 5% synthetic noise and measure recall."""

PLAN = """1. **Synthetic-noise benchmark**: hypothesis: confident learning recovers 80% of injected
   noise; metric: recall at 5% noise; cost: 1 GPU-hour.
2. **Audit set**: relabel 200 images; metric: precision of flags; cost: 2 hours of labelling."""


def script_for(prompt: str, sample: int) -> str:
    if "Help me frame" in prompt:
        return FRAME
    if "distinct ideas" in prompt:
        return DIVERGE[sample % len(DIVERGE)]
    if "Group these ideas" in prompt:
        return CLUSTER
    if "Criticise each idea" in prompt:
        return CRITIQUE
    if "experiment plan" in prompt:
        return PLAN
    return "Developed: start with a small pilot."


@dataclass
class Call:
    route: str
    messages: list[ChatMessage]
    temperature: float | None


@dataclass
class Script:
    calls: list[Call] = field(default_factory=list)
    deep_available: bool = True

    def diverge_calls(self) -> int:
        return sum("distinct ideas" in c.messages[-1]["content"] for c in self.calls)


class ScriptedEngine:
    def __init__(self, route: str, script: Script) -> None:
        self.route = route
        self.script = script

    @property
    def model_label(self) -> str:
        return f"scripted-{self.route}"

    async def check(self) -> Availability:
        if self.route == "deep" and not self.script.deep_available:
            return Availability(False, "scripted: deep is off")
        return Availability(True, "scripted")

    async def stream(
        self, messages: Sequence[ChatMessage], temperature: float | None = None
    ) -> AsyncIterator[StreamEvent]:
        prompt = messages[-1]["content"]
        sample = self.script.diverge_calls() if "distinct ideas" in prompt else 0
        self.script.calls.append(Call(self.route, list(messages), temperature))
        text = script_for(prompt, sample)
        for start in range(0, len(text), 40):  # in pieces, as a real stream comes
            yield Content(text[start : start + 40])
        yield Done("stop")


class ScriptedEngines(Engines):
    """Every configured route answers from the script."""

    def __init__(self, settings: Settings, script: Script) -> None:
        super().__init__(settings)
        self.script = script

    def get(self, name: str) -> ScriptedEngine:  # type: ignore[override]
        return ScriptedEngine(name, self.script)
