import json
import random

import pytest
from django.core.management import CommandError, call_command

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
    result = gate_fit.fit([recorded(2000)], held_out_share=0.3)
    assert result.weights["question_mark"] > 0.5
    # Problem words go with fewer answers here, yet never count against a message.
    assert result.weights["problem"] == 0.0
    assert result.train == 1400
    assert result.held_out == 600
    for (_, _, count, observed), predicted in zip(
        result.reliability, result.mean_predicted, strict=True
    ):
        assert count > 100
        assert observed == pytest.approx(predicted, abs=0.08)


def test_without_links_the_next_analyst_reply_tells_whether_it_was_answered():
    assert gate_fit.answered_turns(conversation(1, "help?", True, linked=False)) == {0}
    assert gate_fit.answered_turns(conversation(2, "help?", False, linked=False)) == set()


def test_the_command_prints_weights_and_refuses_what_it_cannot_fit(tmp_path):
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
    call_command("fit_gate", str(path), stdout=out)
    assert "WEIGHTS = {" in out.text
    assert '"question_mark"' in out.text
    assert "reliability on held-out conversations" in out.text

    one_sided = tmp_path / "one-sided.jsonl"
    one_sided.write_text(lines[0] + "\n" + lines[0].replace('"id": "0"', '"id": "x"'))
    with pytest.raises(CommandError, match="Not enough customer messages"):
        call_command("fit_gate", str(one_sided), stdout=_Sink())
    with pytest.raises(CommandError, match="is not a file"):
        call_command("fit_gate", str(tmp_path / "missing.jsonl"))


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass
