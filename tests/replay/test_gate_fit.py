import json
import random

import pytest
from django.core.management import CommandError, call_command

from copilot.pipeline import gate
from replay import gate_fit
from replay.reading import Conversation, Turn


def conversation(number: int, text: str, answered: bool, *, linked: bool = True) -> Conversation:
    reply = "Run sudo apt install it." if answered else "Does it still happen?"
    turns = (
        Turn(0, "customer", "c", text),
        Turn(1, "analyst", "a", reply, (0,) if linked else ()),
    )
    return Conversation(line=number, id=str(number), subject="", turns=turns, resolved=True)


def recorded(count: int, seed: int = 3) -> list[Conversation]:
    """Questions with a question mark are answered 80% of the time, other messages 20%."""
    rng = random.Random(seed)  # noqa: S311  (test data, not secrets)
    found = []
    for n in range(count):
        asks = n % 2 == 0
        text = "how do I install the driver for my card?" if asks else "the driver broke my screen"
        found.append(conversation(n, text, rng.random() < (0.8 if asks else 0.2)))
    return found


def test_the_fit_learns_what_the_recording_says_and_is_calibrated():
    model, check, current = gate_fit.fit([recorded(2000)], held_out_share=0.3)
    coef = dict(zip(model.features, model.members[0][0], strict=True))
    assert coef["question_mark"] > 0
    # Asking or reporting a problem never counts against a message.
    assert all(coef.get(name, 0.0) >= 0 for name in gate_fit.NON_NEGATIVE)
    assert model.trained_on == 1400
    assert check.samples == 600
    for row in check.reliability:
        assert row.count > 100
        assert row.observed == pytest.approx(row.mean_predicted, abs=0.08)
    assert check.log_loss <= current.log_loss + 0.01
    asks = gate.features("how do I install the driver for my card?")
    chats = gate.features("the driver broke my screen")
    assert model.probability(asks) == pytest.approx(0.8, abs=0.06)
    assert model.probability(chats) == pytest.approx(0.2, abs=0.06)


def test_without_links_the_next_analyst_reply_tells_whether_it_was_answered():
    assert gate_fit.answered_turns(conversation(1, "help?", True, linked=False)) == {0}
    assert gate_fit.answered_turns(conversation(2, "help?", False, linked=False)) == set()


def test_the_command_fits_the_gate_and_refuses_what_it_cannot_fit(tmp_path, settings):
    path = tmp_path / "recorded.jsonl"
    lines = []
    for convo in recorded(400):
        messages = [
            {"role": t.role, "author": t.author, "text": t.text, "reply_to": list(t.reply_to)}
            for t in convo.turns
        ]
        lines.append(json.dumps({"id": convo.id, "messages": messages, "resolved": True}))
    path.write_text("\n".join(lines))
    out = _Sink()
    call_command("fit_copilot", "--conversations", str(path), "--fit-share", "0.7", stdout=out)
    assert "gate: fitted on 280 customer messages" in out.text
    assert "reliability (predicted → observed)" in out.text
    assert "log loss of the shipped gate" in out.text

    one_sided = tmp_path / "one-sided.jsonl"
    one_sided.write_text(lines[0] + "\n" + lines[0].replace('"id": "0"', '"id": "x"'))
    with pytest.raises(CommandError, match="Not enough customer messages"):
        call_command("fit_copilot", "--conversations", str(one_sided), stdout=_Sink())
    with pytest.raises(CommandError, match="Nothing to fit"):
        call_command("fit_copilot", stdout=_Sink())


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass
