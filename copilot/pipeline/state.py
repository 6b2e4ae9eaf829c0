"""What a copilot run carries from step to step, and how a step ends it without speaking.

Every step module imports this one and nothing imports back: the run's state sits below them.
"""

from dataclasses import dataclass, field

from ai import llm
from copilot.models import CopilotRun, TeamCopilotSettings
from knowledge import selectors as knowledge
from knowledge.models import KnowledgeEntry
from tickets.models import Message, Ticket

Kind = CopilotRun.Kind


class Silent(Exception):
    """Ends a run without speaking; the message is the recorded reason."""


@dataclass
class RunState:
    message: Message
    ticket: Ticket
    settings: TeamCopilotSettings
    gate_probability: float | None = None
    kind: str = Kind.ANSWER
    query: str = ""
    hits: list[knowledge.Hit] = field(default_factory=list)
    # The local engine's view of the same entries: every retrieval signal, and each
    # candidate's probability of being right with the features it was given.
    retrieval: knowledge.Retrieval | None = None
    scored: list[tuple[knowledge.Candidate, float, dict[str, float]]] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    model_version: str = ""
    score: float | None = None
    text: str = ""
    label: str = ""
    why: str = ""
    cited: list[int] = field(default_factory=list)
    chosen: list[KnowledgeEntry] = field(default_factory=list)
    engine: str = "local"
    explored: bool = False
    model: str = ""
    llm_calls: int = 0
    tokens: int = 0

    def count_call(self, completion: llm.Completion) -> None:
        self.llm_calls += 1
        self.tokens += completion.prompt_tokens + completion.completion_tokens
        self.model = completion.model

    @property
    def streams(self) -> bool:
        """An LLM answer is written while the analyst watches; everything else is whole."""
        return self.engine == "llm" and self.kind == Kind.ANSWER
