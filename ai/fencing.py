"""Untrusted text inside prompts.

Prompts mark customer text as data between ``<<<`` and ``>>>``. Whatever the text holds, it
cannot close that fence or open another: every run of two or more angle brackets in it is
spaced out (``>>>>>`` becomes ``> > > > >``), counting the characters a model reads as angle
brackets and runs hidden by invisible characters between them. Nothing else is changed.
"""

import re

# Angle brackets, and characters a model reads as them: full-width, small, single and double
# guillemets, CJK, mathematical and ornamental ones.
ANGLES = (
    "<>\uff1c\uff1e\ufe64\ufe65\u2039\u203a\u00ab\u00bb\u3008\u3009\u300a\u300b"
    "\u27e8\u27e9\u2329\u232a\u276e\u276f\u02c2\u02c3\u226a\u226b\u1438\u1433"
)
# Characters that show nothing: ``>`` + zero-width space + ``>>`` still reads as ``>>>``.
INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
# One character that is three brackets by itself.
TRIPLES = str.maketrans({"\u22d8": "<<<", "\u22d9": ">>>"})

_ANGLE = f"[{re.escape(ANGLES)}]"
RUN = re.compile(f"{_ANGLE}(?:[{INVISIBLE}]*{_ANGLE})+")
_ONE_ANGLE = re.compile(_ANGLE)


def fence(text: str) -> str:
    """``text`` made safe to put between ``<<<`` and ``>>>`` in a prompt."""
    return RUN.sub(_spaced, text.translate(TRIPLES))


def _spaced(run: re.Match[str]) -> str:
    return " ".join(_ONE_ANGLE.findall(run.group()))
