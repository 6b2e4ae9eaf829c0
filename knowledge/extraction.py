"""Extractive learner: question → resolution pairs from a resolved ticket, without an LLM.

The question comes from what the customer asked, the answer only from what human analysts
said publicly. Sentences that only make sense for this one ticket (status updates, requests
for details, apologies, greetings) are dropped, and everything is passed through
``redact``. When nothing reusable is left the ticket yields no candidate: a missing entry
costs less than a wrong one.

The dataclasses are shared with the LLM learner that will sit beside this one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.redaction import PLACEHOLDER_RE, redact

__all__ = [
    "Candidate",
    "Turn",
    "extract_candidates",
    "is_question_or_problem",
    "is_status_talk",
]

MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 1200
MIN_ANSWER_CHARS = 40


@dataclass(frozen=True)
class Turn:
    index: int
    role: str  # "customer" | "analyst" | "copilot" | "system" | "bot"
    text: str
    internal: bool = False
    author: str = ""


@dataclass(frozen=True)
class Candidate:
    question: str
    answer: str
    source_indexes: tuple[int, ...]  # turns the question and the answer came from
    tags: tuple[str, ...] = ()


_I = re.IGNORECASE
_GENERIC_AUTHORS = frozenset(
    {"agent", "analyst", "bot", "copilot", "customer", "support", "system", "vigil"}
)


def _split_words(text: str) -> list[str]:
    return text.split()


_STOPWORDS = frozenset(
    _split_words(
        """
    a about after again all also am an and any are as at be been before being both but by
    can could did do does doing done for from had has have having he her here hi his how i
    if in into is it its just me more my no not now of off on once only or our out over own
    please same she should so some such than that the their them then there these they this
    those to too under until up us very was we were what when where which while who why will
    with would you your yours it's i'm we're don't can't thanks thank hello hey
    """
    )
)

_MENTION_RE = re.compile(r"(?<![\w@])@\w+")
_URL_RE = re.compile(r"https?://\S+")
# Shortened links say nothing once the conversation is over; sentences that lean on one go.
_SHORT_URL_RE = re.compile(r"https?://(?:t\.co|bit\.ly|goo\.gl|tinyurl\.com|ow\.ly|amzn\.to)/\S*")
_LINK = "<link>"
_TWEET_SIGNOFF_RE = re.compile(
    r"(?:\s*[\^*/][A-Za-z]{1,4}|\s+\(?\d/\d\)?|\s{2,}\d|\s*(?:&gt;|>){2}"
    r"|\s*(?:thanks|thank you|ty|cheers)?[,.!]?\s+[-\u2013\u2014~]\s*(?-i:[A-Z][a-z]+)"
    r"\.?(?: :\))?)\s*$",
    _I,
)
_TWEET_PREFIX_RE = re.compile(r"^(?:\d/\d|(?:&gt;|>){2})\s*")
_QUOTED_HISTORY_RE = re.compile(
    r"^(?:On .{0,120} wrote:|-+ ?Original Message ?-+|From: .+)$", re.MULTILINE
)
_LOG_PREFIX_RE = re.compile(r"^\[\s*\d+\.\d+\]\s*")
_LIST_MARKER_RE = re.compile(r"^\s*(\d{1,2}[.)]|[-*•]|\([a-z0-9]\)|[a-z]\))\s+")
_NUMBERED_RE = re.compile(r"^\s*(\d{1,2})[.)]\s+", re.MULTILINE)
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "incl.", "no.", "cf.", "mr.", "ms.")

_GREETING_RE = re.compile(
    r"^(?:hi|hello|hey|hiya|dear|greetings|good (?:morning|afternoon|evening))\b"
    r"(?:\s+(?:there|team|all|everyone|folks|<name>|(?-i:[A-Z][a-z]+))){0,2}\s*[,.!:\-]*\s*",
    _I,
)
_FILLER_RE = re.compile(
    r"^(?:(?:many )?thanks(?: (?:a lot|for [^,.!:]{1,40}))?|thank you(?: for [^,.!:]{1,40})?"
    r"|thx|ty|ok(?:ay)?|sure|great|perfect|right|understood|got it|gotcha|i see|ah(?: okay)?"
    r"|that explains it|no worries|of course|good catch|both are possible|btw|by the way"
    r"|(?:also,? )?(?:another|a separate|separate|one more|a different|different|unrelated"
    r"|second|other|new)(?: \w+)? (?:question|issue|problem|thing|topic)|also"
    r"|(?:two|three|a few|some|a couple of) (?:things|questions|answers|points)(?: please)?)"
    r"(?:,? <name>)?\s*[,.!:;\-]+\s*",
    _I,
)
_SIGNOFF_RE = re.compile(
    r"^(?:(?:best|kind|warm)?\s*regards|best|cheers|thanks(?: again| in advance)?|thank you"
    r"|many thanks|sincerely|br|thx|ty|ta|grazie|merci|danke)\b[\s,.!:;)(<>a-z-]*$",
    _I,
)
_URGENCY_RE = re.compile(
    r"\b(?:urgent(?:ly)?|asap|as soon as possible|emergency|right now|immediately"
    r"|please (?:help|fix|hurry|lift|sort)|pls (?:help|fix)|help(?: me| us)? please"
    r"|this is (?:production|prod|critical|blocking)|stuck behind this|blocking us"
    r"|losing (?:money|customers|revenue)|(?:it'?s|is) kind of urgent)\b",
    _I,
)
_PROBLEM_RE = re.compile(
    r"\b(?:error|errors|exception|fail(?:s|ed|ing|ure)?|can'?t|cannot|can not|couldn'?t"
    r"|unable|not (?:working|work|able|showing|loading|responding|booting|starting|receiv\w*)"
    r"|doesn'?t|don'?t|won'?t|wouldn'?t|isn'?t|aren'?t|didn'?t|broken|stuck|denied|refused"
    r"|exceed(?:ed|s)?|time[sd]? ?out|crash(?:es|ed|ing)?|panic|issue|problem|bug|missing"
    r"|wrong|unexpected(?:ly)?|lost|charged twice|double charged|never (?:arrived|received)"
    r"|i need|we need|i want|we want|(?:i|we)'?d like|would like to|how to|trying to|help"
    r"|is it possible|wondering|looking to|planning to)\b",
    _I,
)
_INTERROGATIVE_RE = re.compile(
    r"^(?:also,?\s+|and\s+|but\s+|so\s+)?(?:how|what|why|when|where|which|who|whom|whose|can|"
    r"could|is|are|do|does|did|should|would|will|may|shall|any way|is there|are there)\b",
    _I,
)
_NEW_QUESTION_RE = re.compile(
    r"(?:\b(?:also|another|separate|different|unrelated|one more|second|other|new)"
    r"(?:\s+\w+)?\s+(?:question|issue|problem|thing|topic)\b"
    r"|(?:^|[.!?]\s+|\s[-\u2013\u2014]\s*)"
    r"(?:also|btw|by the way|on another note|unrelated)\b[,:]?)",
    _I,
)
_CONTINUATION_RE = re.compile(
    r"\b(?:step \d+|still|again|same (?:error|thing|problem|issue)|what next|now what"
    r"|is (?:that|this) normal|(?:that|it|this) (?:didn'?t|did not|doesn'?t) work"
    r"|tried (?:that|it|this|your|the steps)|after (?:that|doing|running|step))\b",
    _I,
)
_STATUS_RE = re.compile(
    "|".join(
        f"(?:{pattern})"
        for pattern in (
            r"\b(?:i|we)(?:'ll| will| shall| am going to|'m going to| are going to)\s+(?:\w+\s+)?"
            r"(?:get back|follow up|update you|keep|be in touch|let you know|look into|check|"
            r"investigate|close|reach out|monitor|escalate|pass|reissue|apply|file|send|confirm|"
            r"contact|ask|credit|refund|tell you|walk you|look at|review|chase|raise)\b",
            r"\b(?:i|we)(?:'ve| have)?\s+(?:just\s+|now\s+|already\s+)?(?:escalated|refunded|"
            r"credited|linked|passed|forwarded|raised|filed|reissued|migrated|approved|submitted|"
            r"processed|issued|backdated|cancell?ed|extended|picked|gone through|looked|noted|"
            r"reached out|informed|notified|asked|contacted|logged|put|applied|found the|"
            r"checked|reviewed|marked|flagged|reported|opened|closed|fixed|resolved|sorted|restarted|"
            r"rebooted|reset|updated|increased|enabled|disabled|removed|deleted|added|changed|"
            r"adjusted|waived|unblocked|lifted|moved|recreated|redeployed|patched)\b",
            r"\b(?:let me|i'?m (?:on it|looking|checking|investigating|sorry|afraid)"
            r"|i'?ll go ahead|(?:then )?i can (?:tell you|check|take a look|look into|confirm))\b",
            r"\b(?:any (?:update|news)|thanks for (?:your |the )?(?:patience|waiting|bearing|"
            r"confirming|the update|reaching out|flagging|getting back|your reply)|sorry (?:for|"
            r"about) (?:the |this )?(?:delay|wait|inconvenience|disruption|trouble|confusion|that)"
            r"|apologi[sz]e|glad (?:to hear|you|it|that)|(?:great|good|nice) to hear"
            r"|happy to help|you'?re welcome|hope (?:this|that) helps|have a (?:great|nice|good)"
            r"|marking (?:this|the ticket)|closing (?:this|the ticket)|feel free to"
            r"|don'?t hesitate|let (?:me|us) know (?:if|when|how)|reply here|when you can)\b",
            r"^(?:done|fixed|sorted|resolved|reissued|all set|all done|completed|confirmed)\b"
            r"[^a-z]{0,3}$",
            r"\b(?:on|from) our (?:side|end)\b|\bthis (?:ticket|case)\b|\bticket (?:open|closed)\b",
            r"\b(?:is|are|has been|have been|was|were) (?:now )?(?:approved|submitted|escalated|"
            r"processed|reissued|refunded|credited|linked)\b",
            r"\b(?:we'?re|we are|our (?:\w+ )?team is) (?:working on|looking into|aware of"
            r"|investigating)\b",
            r"\b(?:will|'ll|shall|going to)\s+(?:\w+\s+){0,2}(?:get back|follow up|update you|"
            r"be in touch|let you know|reach out|contact you|respond|have a response|take a look|"
            r"look into|investigate|escalate|keep you)\b|\b(?:shortly|as soon as possible|asap)\b",
            r"\blet (?:me|us) know\b|\bplease allow\b",
        )
    ),
    _I,
)
_REQUEST_RE = re.compile(
    r"^(?:(?:could|can|would) you(?: please)?|please|kindly|if you can,?)\s+(?:send|paste|"
    r"share|provide|confirm|tell|dm|reply|attach|let|forward|post|upload|follow|email|call|"
    r"allow|see|check out|visit)\b"
    r"|\b(?:dm|direct message|drop|send|message|email|call|contact) us\b|would you (?:mind|like)"
    r"|request(?:ing)? you to|\b(?:here|this link|the link|below)\s*[:.!]?$",
    _I,
)
# A sentence that tells how to do something or why something happens.
_ACTIONABLE_RE = re.compile(
    r"`|\s>\s|, so\b|\b(?:because|means|caused by|due to|by default|so that|instead|only|must"
    r"|needs? to|has to|have to|should|cannot|can'?t|won'?t|always|never|limit|capped|requires?"
    r"|expire|normally|usually|typically|automatically|unless|otherwise|you can|you'll need"
    r"|make sure|ensure|recommend)\b"
    r"|^(?:\d+[.)] )?(?:run|use|open|go|select|click|add|remove|update|upgrade|install|restart"
    r"|reboot|stop|start|attach|detach|mount|check|make|change|move|take|set|enable|disable|try"
    r"|replace|grow|copy|delete|create|edit|release|allocate|unplug|reconnect|turn|hold|press"
    r"|navigate|reset|clear|download|upload|schedule|raise|lower|increase|decrease)\b",
    _I,
)
_ERROR_LINE_RE = re.compile(
    r"(?-i:\b[A-Z][a-z]+(?:[A-Z][a-z]+)+:)|\b(?:error|denied|failed|exception|panic|refused)\b"
    r"|^E:",
    _I,
)
_CHASING_RE = re.compile(
    r"\b(?:any (?:update|news)|still waiting|hello\?|anyone there|following up"
    r"|never our intention|(?:we|i) understand\.?$|understood"
    r"|(?:we |i )?appreciate (?:that|your|it|the)"
    r"|(?:glad|happy|here) to (?:help|assist)|sorry to (?:hear|see)|(?:i|we) apologi[sz]e"
    r"|(?:i am|i'm|we are|we're) (?:\w+ )?sorry\b|keep us posted|we hear you|hate to lose you)",
    _I,
)
_COMMAND_RE = re.compile(
    r"^(?:\$\s*)?(?:sudo|ssh|scp|curl|wget|kubectl|nimbus|apt|apt-get|yum|dnf|docker|git|ls"
    r"|cat|mount|umount|systemctl|journalctl|pip|npm|python3?|aws|terraform|helm|chmod|chown"
    r"|tail|df|lsblk|grep|cd|echo)\s+\S"
)
# A line with just a name, as under a sign-off: "Tomás" or "Sam Okafor".
_NAME_LINE_RE = re.compile(r"^(?-i:[A-Z]\w+)(?: (?-i:[A-Z]\w+)){0,2}$")
_GUESS_RE = re.compile(
    r"^(?:maybe|perhaps|could it be|might it be|my guess)\b|^i (?:think|guess|suspect)\b.*\?$",
    _I,
)
_ERROR_CODE_RE = re.compile(r"\b([A-Z][a-z]+(?:[A-Z][a-z]+)+):")


@dataclass
class _Thread:
    question_parts: list[tuple[int, str]] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    context: str = ""  # shared intro of a multi-part question, e.g. "We moved office."
    context_index: int = -1


def is_question_or_problem(text: str) -> bool:
    """True when ``text`` asks something or reports a problem, not just thanks or status."""
    cleaned = _strip_noise(text)
    if not _has_words(cleaned, 3):
        return False
    if "?" in cleaned:
        return True
    if any(_INTERROGATIVE_RE.match(unit) for unit in _split_sentences(cleaned)):
        return True
    return bool(_PROBLEM_RE.search(cleaned))


def is_status_talk(text: str) -> bool:
    """True when every sentence of ``text`` is ticket-specific chatter.

    Status updates ("I've escalated this", "we'll get back to you", "any update?"),
    greetings, thanks and sign-offs only make sense inside one ticket.
    """
    units = [unit for line in _strip_noise(text).splitlines() for unit in _split_sentences(line)]
    units = [unit for unit in units if unit.strip()]
    return bool(units) and all(_is_chatter(unit) for unit in units)


def extract_candidates(
    turns: Sequence[Turn], *, subject: str = "", names: Iterable[str] = ()
) -> list[Candidate]:
    """Reusable question → answer pairs found in a ticket's conversation, in order."""
    all_names = tuple(names) + tuple(
        turn.author for turn in turns if turn.author and turn.author.lower() not in _GENERIC_AUTHORS
    )
    groups = _thread_groups(turns)
    candidates = []
    for group_number, group in enumerate(groups):
        for thread in group:
            use_subject = subject if group_number == 0 and len(group) == 1 else ""
            candidate = _candidate(thread, use_subject, all_names)
            if candidate is not None:
                candidates.append(candidate)
    return candidates


# Threading: which customer turns ask what, and which analyst turns answer it.


def _thread_groups(turns: Sequence[Turn]) -> list[list[_Thread]]:
    groups: list[list[_Thread]] = []
    answered = False
    pending_followup = ""
    for turn in turns:
        if turn.internal or turn.role == "note":
            continue
        if turn.role == "customer":
            if not groups:
                # The first real customer message states the problem even when it is
                # phrased as a request ("Please raise our quota to 100.").
                if _has_words(turn.text, 3) and not is_status_talk(turn.text):
                    groups.append(_open_group(turn))
            elif not answered:
                for thread in groups[-1]:
                    thread.question_parts.append((turn.index, turn.text))
            else:
                before, new = _split_new_question(turn.text, groups[-1])
                if new:
                    groups.append(_open_group(Turn(turn.index, turn.role, new)))
                    answered = False
                pending_followup = before
        elif turn.role == "analyst" and groups:
            _route_answer(groups[-1], turn, pending_followup)
            answered = True
            pending_followup = ""
    return groups


def _open_group(turn: Turn) -> list[_Thread]:
    parts = _numbered_questions(turn.text)
    if parts is None:
        return [_Thread(question_parts=[(turn.index, turn.text)])]
    intro, items = parts
    return [
        _Thread(question_parts=[(turn.index, item)], context=intro, context_index=turn.index)
        for item in items
    ]


def _numbered_questions(text: str) -> tuple[str, list[str]] | None:
    """Split "1) … 2) …" into items when at least two of them ask something."""
    markers = list(_NUMBERED_RE.finditer(text))
    numbers = [int(marker.group(1)) for marker in markers]
    if len(markers) < 2 or numbers != list(range(1, len(markers) + 1)):
        return None
    items = [
        text[marker.end() : (markers[i + 1].start() if i + 1 < len(markers) else len(text))]
        for i, marker in enumerate(markers)
    ]
    asking = [item for item in items if "?" in item or _INTERROGATIVE_RE.match(item.strip())]
    if len(asking) < 2:
        return None
    return text[: markers[0].start()], [item.strip() for item in items]


def _split_new_question(text: str, group: list[_Thread]) -> tuple[str, str]:
    """Split a later customer turn into (follow-up on the current thread, new question)."""
    marker = _NEW_QUESTION_RE.search(text)
    if marker and is_question_or_problem(text[marker.start() :]):
        return text[: marker.start()], text[marker.start() :]
    if _numbered_questions(text) is not None:
        return "", text
    if "?" not in text or _CONTINUATION_RE.search(text) or not is_question_or_problem(text):
        return text, ""
    words = _content_words(text)
    known: set[str] = set()
    for thread in group:
        known |= _content_words(" ".join(part for _, part in thread.question_parts))
        known |= _content_words(" ".join(answer for _, answer in thread.answers))
    if len(words) >= 5 and len(words & known) < 0.25 * len(words):
        return "", text
    return text, ""


def _route_answer(group: list[_Thread], turn: Turn, followup: str) -> None:
    if len(group) == 1:
        group[0].answers.append((turn.index, turn.text))
        return
    markers = list(_NUMBERED_RE.finditer(turn.text))
    if [int(marker.group(1)) for marker in markers] == list(range(1, len(group) + 1)):
        intro = turn.text[: markers[0].start()]
        for i, marker in enumerate(markers):
            end = markers[i + 1].start() if i + 1 < len(markers) else len(turn.text)
            group[i].answers.append((turn.index, intro + turn.text[marker.end() : end]))
        return
    # No numbering to go by: give each paragraph to the question it shares most words with.
    questions = [
        _content_words(thread.context + " " + " ".join(part for _, part in thread.question_parts))
        for thread in group
    ]
    chosen = len(group) - 1
    for paragraph in re.split(r"\n\s*\n", turn.text):
        words = _content_words(paragraph + " " + followup)
        scores = [len(words & question) for question in questions]
        if max(scores) > 0 and scores.count(max(scores)) == 1:
            chosen = scores.index(max(scores))
        group[chosen].answers.append((turn.index, paragraph))


def _has_words(text: str, count: int) -> bool:
    return len(re.findall(r"[A-Za-z']+", text)) >= count


def _content_words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z][a-z0-9']{2,}", text.lower())
    return frozenset(word[:5] for word in words if word not in _STOPWORDS)


# Building one candidate.


def _candidate(thread: _Thread, subject: str, names: tuple[str, ...]) -> Candidate | None:
    if not thread.answers:
        return None
    answer, answer_indexes = _answer(thread.answers, names)
    if len(answer) < MIN_ANSWER_CHARS or not _has_substance(answer):
        return None
    question, question_indexes = _question(thread, subject, names)
    if len(_content_words(question)) < 2:
        return None
    tags = tuple(
        dict.fromkeys(
            code for _, part in thread.question_parts for code in _ERROR_CODE_RE.findall(part)
        )
    )
    indexes = tuple(sorted(set(question_indexes) | set(answer_indexes)))
    return Candidate(question=question, answer=answer, source_indexes=indexes, tags=tags)


def _question(thread: _Thread, subject: str, names: tuple[str, ...]) -> tuple[str, list[int]]:
    units: list[tuple[int, int, str]] = []  # (priority, turn index, text), in reading order
    seen: set[str] = set()
    for index, text in [(thread.context_index, thread.context), *thread.question_parts]:
        for unit in _customer_units(text, names):
            if unit.lower() not in seen:
                seen.add(unit.lower())
                units.append((_question_priority(unit), index, unit))
    for i in range(len(units) - 1):
        if units[i][2].endswith(":") and units[i + 1][0] == 1:
            units[i] = (1, units[i][1], units[i][2])  # "We get this when we scale out:" + error
    chosen: set[int] = set()
    length = 0
    for position in sorted(range(len(units)), key=lambda i: (units[i][0], i)):
        size = len(units[position][2]) + 1
        if length + size <= MAX_QUESTION_CHARS:
            chosen.add(position)
            length += size
    if not chosen and units:
        chosen.add(min(range(len(units)), key=lambda i: (units[i][0], i)))
    picked = [units[i] for i in sorted(chosen)]
    question = _tidy(" ".join(_as_sentence(text) for _, _, text in picked))
    question = _with_subject(question, subject, names)
    if _INTERROGATIVE_RE.match(picked[-1][2] if picked else "") and not question.endswith("?"):
        question = question.rstrip(".!:;,") + "?"
    return _shorten(question, MAX_QUESTION_CHARS), sorted({i for _, i, _ in picked if i >= 0})


def _customer_units(text: str, names: tuple[str, ...]) -> list[str]:
    units = []
    for line in _lines(redact(_strip_noise(text), names=names)):
        for unit in line.units:
            unit = _strip_fillers(unit)
            if not unit or _is_pleasantry(unit) or (_URGENCY_RE.search(unit) and "?" not in unit):
                continue
            if _COMMAND_RE.match(unit) or _GUESS_RE.match(unit):
                continue  # a pasted command or the customer's own theory is not the question
            unit = _drop_placeholder_asides(unit)
            # "Why does this happen?" is a question; "We're in eu-west-1." is only detail.
            needed = 1 if unit.endswith("?") else 2
            words = _content_words(PLACEHOLDER_RE.sub("", unit))
            if len(words) >= needed or _ERROR_LINE_RE.search(unit):
                units.append(unit)
    return units


def _question_priority(unit: str) -> int:
    if unit.endswith("?") or _INTERROGATIVE_RE.match(unit):
        # "Can you check?" asks about this ticket; it goes last.
        return 0 if len(_content_words(PLACEHOLDER_RE.sub("", unit))) >= 3 else 3
    if _ERROR_LINE_RE.search(unit):
        return 1
    return 2 if _PROBLEM_RE.search(unit) else 3


def _with_subject(question: str, subject: str, names: tuple[str, ...]) -> str:
    subject = re.sub(
        r"^(?:(?:re|fwd?|urgent|help|question)\s*[:!-]\s*)+", "", subject.strip(), flags=_I
    )
    subject = redact(subject, names=names).strip()
    words = _content_words(subject)
    if len(words) < 2 or len(words - _content_words(question)) < 0.5 * len(words):
        return question  # the question already says what the subject says
    if not question:
        return subject
    with_subject = f"{subject.rstrip('.?!:')}: {question}"
    return with_subject if len(with_subject) <= MAX_QUESTION_CHARS else question


def _answer(answers: list[tuple[int, str]], names: tuple[str, ...]) -> tuple[str, list[int]]:
    paragraphs: list[str] = []
    indexes: list[int] = []
    length = 0
    seen: set[str] = set()
    for index, text in answers:
        for paragraph in _analyst_paragraphs(text, names, seen):
            room = MAX_ANSWER_CHARS - length - 2
            if len(paragraph) > room:
                paragraph = _cut_at_sentence(paragraph, room)
            if not paragraph:
                return "\n\n".join(paragraphs), indexes
            paragraphs.append(paragraph)
            length += len(paragraph) + 2
            if index not in indexes:
                indexes.append(index)
    return "\n\n".join(paragraphs), indexes


def _cut_at_sentence(text: str, limit: int) -> str:
    """The longest run of whole sentences or lines of ``text`` that fits in ``limit``."""
    if limit < MIN_ANSWER_CHARS:
        return ""
    ends = [m.end() for m in re.finditer(r"[.!?`](?=\s)|\n", text[: limit + 1])]
    return text[: ends[-1]].rstrip() if ends else ""


def _analyst_paragraphs(text: str, names: tuple[str, ...], seen: set[str]) -> list[str]:
    """The reusable sentences of one analyst turn, redacted, by paragraph."""
    paragraphs: list[list[str]] = [[]]
    for line in _lines(redact(_strip_noise(text, keep_urls=True), names=names)):
        if line.blank_before and paragraphs[-1]:
            paragraphs.append([])
        kept = []
        for unit in line.units:
            unit = _drop_names(_strip_fillers(unit))
            if unit and unit.lower() not in seen and _is_reusable(unit):
                seen.add(unit.lower())
                kept.append(unit)
        if kept:
            paragraphs[-1].append(line.marker + " ".join(_capitalise(unit) for unit in kept))
    return ["\n".join(lines) for lines in paragraphs if lines]


def _is_reusable(unit: str) -> bool:
    if _is_chatter(unit) or _REQUEST_RE.search(unit) or _LINK in unit:
        return False
    if unit.endswith("?") and "`" not in unit:
        return False  # a question back to the customer about their case
    bare = PLACEHOLDER_RE.sub("", unit)
    if "`" not in unit and len(PLACEHOLDER_RE.findall(unit)) >= 2 and len(_content_words(bare)) < 5:
        return False  # e.g. "- <id>: credit note voiding <id>", a list of this ticket's records
    return len(_content_words(bare)) >= 1 or "`" in unit


def _has_substance(answer: str) -> bool:
    units = [unit for line in answer.splitlines() for unit in _split_sentences(line)]
    return any(
        "`" in unit or (len(unit.split()) >= 6 and _ACTIONABLE_RE.search(unit)) for unit in units
    )


def _is_chatter(unit: str) -> bool:
    if _is_pleasantry(unit):
        return True
    return bool(_STATUS_RE.search(_strip_fillers(unit)))


def _is_pleasantry(unit: str) -> bool:
    """Greetings, thanks, sign-offs and chasing, which both sides of a ticket say."""
    stripped = _strip_fillers(unit)
    if not stripped or not re.search(r"[A-Za-z0-9]", PLACEHOLDER_RE.sub("", stripped)):
        return True
    return bool(
        _SIGNOFF_RE.match(stripped)
        or _NAME_LINE_RE.match(stripped)
        or _GREETING_RE.fullmatch(stripped)
        or _CHASING_RE.search(stripped)
    )


# Text handling.


@dataclass
class _Line:
    marker: str
    units: list[str]
    blank_before: bool


def _strip_noise(text: str, *, keep_urls: bool = False) -> str:
    text = html.unescape(text)
    text = _SHORT_URL_RE.sub(_LINK if keep_urls else "", text)
    if not keep_urls:
        text = _URL_RE.sub("", text)
    text = _MENTION_RE.sub("", text)
    text = _TWEET_PREFIX_RE.sub("", text.strip())
    text = _QUOTED_HISTORY_RE.split(text, maxsplit=1)[0]
    # Quoted lines repeat someone else's words, often the customer's.
    lines = [_LOG_PREFIX_RE.sub("", line) for line in text.splitlines() if not _is_quote(line)]
    text = "\n".join(lines).strip()
    # Sign-offs sit in the last few characters; only look there.
    head, tail = text[:-80], text[-80:]
    previous = None
    while previous != tail:
        previous, tail = tail, _TWEET_SIGNOFF_RE.sub("", tail).rstrip()
    return (head + tail).strip()


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _lines(text: str) -> list[_Line]:
    lines = []
    blank = False
    for raw in text.splitlines():
        if not raw.strip():
            blank = True
            continue
        match = _LIST_MARKER_RE.match(raw)
        marker = match.group(1) + " " if match else ""
        body = raw[match.end() :] if match else raw.strip()
        if body.startswith("`") and body.rstrip().endswith("`"):
            units = [body.strip()]
        else:
            units = _split_sentences(body)
        lines.append(_Line(marker=marker, units=units, blank_before=blank))
        blank = False
    return lines


def _split_sentences(text: str) -> list[str]:
    sentences = []
    start = 0
    for match in re.finditer(r"[.!?]+(?=\s+\S)", text):
        end = match.end()
        chunk = text[start:end]
        if chunk.count("`") % 2 or chunk.lower().endswith(_ABBREVIATIONS):
            continue
        if re.search(r"\b\w\.$", chunk) and not chunk.endswith(("?", "!")):
            continue  # an initial or "a." inside a list, not a sentence end
        sentences.append(chunk.strip())
        start = end
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


@lru_cache(maxsize=4096)
def _strip_fillers(unit: str) -> str:
    previous = None
    while previous != unit:
        previous = unit
        unit = _GREETING_RE.sub("", unit, count=1) if _GREETING_RE.match(unit) else unit
        unit = _FILLER_RE.sub("", unit, count=1).strip()
    return unit


def _drop_names(unit: str) -> str:
    unit = re.sub(r",?\s*<name>\s*([,.!?])", r"\1", unit)
    return re.sub(r"^<name>[,:]\s*", "", unit).strip()


def _drop_placeholder_asides(unit: str) -> str:
    """ "(i-0abc, volume vol-1)" says nothing once redacted; drop such asides."""

    def aside(match: re.Match[str]) -> str:
        inner = PLACEHOLDER_RE.sub("", match.group(0))
        return (
            ""
            if PLACEHOLDER_RE.search(match.group(0)) and len(inner.split()) <= 3
            else match.group(0)
        )

    return re.sub(r"\s*\([^()]*\)", aside, unit)


def _capitalise(unit: str) -> str:
    # Only plain words: "nimbus@host" or "ls -la" must keep their case.
    if re.match(r"[a-z]+(?:'[a-z]+)?[,:]?(?:\s|$)", unit):
        return unit[0].upper() + unit[1:]
    return unit


def _as_sentence(unit: str) -> str:
    unit = _capitalise(unit.strip())
    return unit if unit.endswith((".", "?", "!", ":", ";", "…")) else unit + "."


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"([?!])\1+", r"\1", text)
    text = re.sub(r"\s+([,.;:?!])", r"\1", text)
    return _capitalise(text)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
