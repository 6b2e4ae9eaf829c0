"""People's names the ticket knows (its customer's and analysts'), as one rule."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.redaction.base import Rule

# First names that are also everyday words are only matched when capitalised.
_WORDLIKE_FIRST_NAMES = frozenset(
    {
        "art",
        "bill",
        "bob",
        "chase",
        "dawn",
        "faith",
        "grace",
        "grant",
        "hope",
        "jack",
        "joy",
        "june",
        "mark",
        "may",
        "max",
        "pat",
        "rose",
        "sky",
        "summer",
        "will",
    }
)


@lru_cache(maxsize=256)
def known_names_rule(names: tuple[str, ...]) -> Rule | None:
    """One rule matching every full name and first name, longest first."""
    exact: set[str] = set()
    capitalised_only: set[str] = set()
    for raw in names:
        name = " ".join(raw.split())
        if len(name) < 2 or "@" in name:
            continue
        exact.add(name)
        first = name.split(" ")[0]
        if len(first) < 2:
            continue
        if first.lower() in _WORDLIKE_FIRST_NAMES:
            capitalised_only.add(first)
        else:
            exact.add(first)
    if not exact and not capitalised_only:
        return None
    alternatives = [r"\s+".join(re.escape(part) for part in name.split(" ")) for name in exact] + [
        f"(?-i:{re.escape(first[0].upper() + first[1:])})" for first in capitalised_only
    ]
    alternatives.sort(key=len, reverse=True)
    pattern = re.compile(r"(?i)(?<![\w<@])(?:" + "|".join(alternatives) + r")(?![\w>@])")
    wordlike = frozenset(capitalised_only)

    def replace(match: re.Match[str]) -> str | None:
        # "Grant the role…" starts a sentence; "Thanks, Grant" names someone.
        before = match.string[: match.start()].rstrip(" \t")
        if match.group(0) in wordlike and (not before or before[-1] in ".!?:\n`*-"):
            return None
        return "<name>"

    return Rule("name", pattern, replace)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- names the ticket does not know ----------------------------------------------------------
#
# Without a list of every name, a name is known by the words around it: "talk to Maria Garcia",
# "my colleague Jonas", "cc: Priya Raman", "ask Dr. Chen", "Giulia from accounting", a greeting
# or a sign-off. What the cue points at is a name when it is one to three capitalised words that
# are not among the words support tickets capitalise for other reasons (teams, products, days,
# a verb starting the sentence). Each name found is then redacted wherever it appears.

# A capitalised word of any script: Zoë, Sørensen, O'Connor, Zielińska, El-Sayed.
_WORD = r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*(?!\w|['\u2019-]\w\w)"
_PARTICLES = _words("van von de da del della di du le la bin ibn al el ter ten dos das der")
_PARTICLE = "|".join(sorted(_PARTICLES))


def _name(group: str) -> str:
    return (
        rf"(?<![\w'\u2019-])(?P<{group}>{_WORD}(?:[ \t]+(?:(?:{_PARTICLE})[ \t]+)?{_WORD}){{0,2}})"
    )


_NAME = _name("name")
_TITLE = r"(?<![\w.])(?:Dr|Mr|Mrs|Ms|Mx|Prof|Mme|Mlle|Herr|Frau|Dott)\.?[ \t]+"
_ROLE = (
    r"colleague|co-?worker|manager|boss|admin|administrator|sysadmin|lead|director|cto|ceo|cfo"
    r"|cio|ciso|vp|head|engineer|developer|dba|accountant|assistant|contractor|consultant"
    r"|teammate|intern|supervisor|owner|contact|rep|representative|analyst|architect"
    r"|coordinator|officer|controller|specialist"
)
_DEPARTMENT = (
    r"finance|billing|accounting|accounts|it|hr|legal|procurement|ops|operations|support|sales"
    r"|marketing|security|engineering|devops|payroll|purchasing|compliance|facilities|helpdesk"
    r"|infra|infrastructure"
)
# Cues after which one capitalised word is enough.
_STRONG_CUES = (
    r"(?:talk(?:ed|ing)?|speak(?:ing)?|spoke|chat(?:ted)?)\s+(?:to|with)"
    r"|ask(?:ed)?|contact(?:ed)?|ping(?:ed)?|message(?:d)?|e-?mail(?:ed)?|cc|bcc"
    r"|cc'?(?:d|ed|ing)|copied|copying|loop(?:ed|ing)?\s+in|reach(?:ed)?\s+out\s+to"
    r"|assign(?:ed)?(?:\s+it|\s+this)?\s+to|escalated?(?:\s+it|\s+this)?\s+to"
    r"|hand(?:ed)?(?:\s+it|\s+this)?\s+over\s+to|forward(?:ed|ing)?(?:\s+it|\s+this)?\s+to"
    r"|on\s+behalf\s+of|addressed\s+to|thanks|thank\s+you|i['\u2019]m|i\s+am|this\s+is"
    r"|my\s+name\s+is|name(?=\s*:)"
)
# Cues after which it takes two words ("add Fatima Zahra" is a person, "add Storage" is not;
# "for Carlos Mendes" after "reset the MFA", not any "for Airport Tax").
_WEAK_CUES = (
    r"add(?:ed)?|invite(?:d)?|grant(?:ed)?|remove(?:d)?|according\s+to"
    r"|(?:work(?:s|ed|ing)?|meet(?:ing)?|met|sync(?:ed)?|check(?:ed)?)\s+with"
    r"|(?:reset|unlock|create|enable|disable|set\s+up|provision|deactivate|reactivate)"
    r"\s+(?:[\w-]+\s+){0,3}?for"
    r"|(?:send|sent|e-?mail(?:ed)?|forward(?:ed)?|give|gave|transfer(?:red)?|reassign(?:ed)?"
    r"|move(?:d)?)\s+(?:[\w-]+\s+){0,3}?to"
    r"|(?:opened|reported|created|raised|submitted|approved|requested|signed|filed|logged)\s+by"
)
_GREETING = r"hi|hello|hey|dear|good\s+(?:morning|afternoon|evening)|hiya|greetings"
_SIGN_OFF = (
    r"thanks|thank\s+you|many\s+thanks|thx|cheers|regards|best|best\s+regards|kind\s+regards"
    r"|warm\s+regards|sincerely|yours"
)
_SENTENCE_START = r"(?:^|(?<=[.!?\n])[ \t]*)"
_POSSESSIONS = (
    r"laptop|account|computer|phone|mailbox|access|email|password|machine|login|device|desk|pc"
    r"|mac|profile|inbox|calendar"
)
_REPORTING = r"said|says|mentioned|told|wrote|reported|confirmed|is\s+out|is\s+on\s+leave"

# (pattern, where the name's words are: after the cue or before it, fewest words)
_NAME_PATTERNS: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (re.compile(rf"{_TITLE}{_NAME}"), "after", 1),
    (re.compile(rf"(?i:\b(?:{_STRONG_CUES}))[ \t]*[:,]?[ \t]+{_NAME}"), "after", 1),
    (
        re.compile(
            rf"(?i:\b(?:my|our|your|the)\s+(?:[\w-]+\s+){{0,2}}?(?:{_ROLE}))s?,?[ \t]+{_NAME}"
        ),
        "after",
        1,
    ),
    (
        re.compile(rf"(?i:(?<![\w'\u2019-])(?:{_GREETING})),?[ \t]+{_NAME}(?=[ \t]*[,!.:\n]|$)"),
        "after",
        1,
    ),
    (
        re.compile(
            rf"(?i:\b(?:{_SIGN_OFF})\b[^,.!?\n]{{0,40}}?),?\s*{_NAME}[ \t]*[.!]?[ \t]*(?:\n|$)"
        ),
        "after",
        1,
    ),
    (re.compile(rf"(?i:{_SENTENCE_START}per)[ \t]+{_NAME}(?=,)"), "after", 1),
    (re.compile(rf"(?i:\bboth)[ \t]+{_NAME}[ \t]+and[ \t]+{_name('other')}"), "after", 1),
    (re.compile(rf"(?i:\b(?:{_WEAK_CUES}))[ \t]+{_NAME}"), "after", 2),
    (
        re.compile(
            rf"{_NAME}(?=[ \t]+(?i:(?:from|in|at|of)\s+(?:the\s+|our\s+|my\s+)?"
            rf"(?:{_DEPARTMENT})\b))"
        ),
        "before",
        1,
    ),
    (
        re.compile(
            rf"{_NAME}(?=[ \t]*\((?i:(?:our|my|your)\s+[\w\s-]{{1,30}}"
            rf"|(?:the|a|an)\s+(?:[\w-]+\s+){{0,2}}?(?:{_ROLE}))\))"
        ),
        "before",
        1,
    ),
    (
        re.compile(rf"{_NAME}(?=,[ \t]+(?i:(?:our|my|the)\s+(?:[\w-]+\s+){{0,2}}?(?:{_ROLE}))\b)"),
        "before",
        1,
    ),
    (re.compile(rf"{_NAME}(?=[ \t]+and\s+I\b)"), "before", 1),
    # A display name before an address: "Priya <priya@…>", "Yuki (yuki@…)".
    (re.compile(rf"{_NAME}(?=[ \t]*[<(]<email>[>)])"), "before", 1),
    (re.compile(rf"{_NAME}(?=['\u2019]s[ \t]+(?:{_POSSESSIONS})\b)"), "before", 1),
    (re.compile(rf"{_NAME}(?=[ \t]+(?:{_REPORTING})\b)"), "before", 2),
)

# Capitalised words that are not people in support tickets: teams, products, places, days, and
# words that start a sentence.
_NOT_NAMES = _words(
    """I I'm I've I'd I'll The This That These Those It Its We You Your Our My Me He She They
    Them His Her Their There Here What When Where Which Who Why How All Any Both Each Every
    Everyone Everybody Anyone Someone Nobody None Some No Yes OK Okay Please Thanks Thank Hi
    Hello Hey Dear Regards Best Kind Cheers Sincerely Yours Team Teams Support Billing Finance
    Sales Legal Security Engineering Accounting Accounts Procurement Marketing Admin Admins
    Administrator Administrators Operations Ops Payroll Compliance Helpdesk Help Desk Service
    Services Customer Customers Client Clients User Users Staff Management Manager Managers
    Product Products Partner Partners Vendor Vendors Reseller Owner Owners Sir Madam Madame
    Monsieur Mr Mrs Ms Dr Prof Microsoft Google Amazon Azure Apple Windows Linux Ubuntu Debian
    Chrome Firefox Safari Edge Slack Zoom Outlook Office Excel Word Jira Confluence Salesforce
    Stripe Okta Vigil Nimbus Cloud Server Servers Storage Compute Network Networking Database
    Databases Console Dashboard Portal Settings Account Enterprise Plan Pro Premium Basic Free
    Business Tier Mobile Web App Apps Desktop Android Mac Active Directory Visual Studio Code
    Power Shell Drive Gateway Load Balancer Key Vault Secret Group Policy Center Defender
    Explorer File Files System Update Updates Store Search Analytics Data Factory Container
    Registry Kubernetes Engine Instance Instances Virtual Machine Machines Private Public Link
    Endpoint Front Door Mail Exchange Online Identity Access Single Sign Multi Factor
    Authentication Authenticator Success Technical Release Notes Status Page Terms Privacy New
    Old Next Last First Second Third Knowledge Base Community Forum Monday Tuesday Wednesday
    Thursday Friday Saturday Sunday January February March April May June July August
    September October November December Today Tomorrow Yesterday Morning Afternoon Evening
    Night Again Also Just Then Now Soon Later Everything Nothing Something Anything
    Unfortunately Sorry Great Good Perfect Sure Urgent Important Critical Issue Problem Error
    Ticket Request Question Order Invoice Invoices Payment Payments Refund Subscription Trial
    License Licence Europe America Asia Africa Australia London Paris Berlin Tokyo Madrid
    Dublin Sydney Singapore English Spanish French German Italian Japanese Chinese Portuguese
    Dutch Postgres Redis Docker Terraform Python Java Node Ruby Rust Ask Talk Speak Contact
    Can Could Would Should Will Shall Must May Might Tell Call Email Ping Loop Reach Check
    Assign Hand Forward Escalate Send Give Let Get Make Add Remove Grant Invite And Or But So
    If Maybe Since After Before While During Per From To With For In On At By Is Are Was Were
    Be Been Has Have Had Do Does Did Not Only Still Even Our Via Re Fw Fwd Subject Attached
    Attachment Regarding"""
)


def _name_words(text: str, where: str) -> list[str]:
    """The run of capitalised words (particles between them kept) at the start of ``text``
    when the cue came before, at its end when the cue comes after."""
    words = text.split()
    if where == "before":
        words.reverse()
    taken: list[str] = []
    for word in words:
        if not (_looks_like_name(word) or (taken and word in _PARTICLES)):
            break
        taken.append(word)
    while taken and taken[-1] in _PARTICLES:
        taken.pop()
    return taken[::-1] if where == "before" else taken


def _looks_like_name(word: str) -> bool:
    if not word[0].isupper() or word in _NOT_NAMES or (len(word) > 1 and word.isupper()):
        return False
    # "DevOps", "PagerDuty", "GitHub" are products; "McDonald", "DeShawn", "O'Brien" are not.
    camel = any(ch.isupper() for ch in word[1:])
    return not camel or bool(re.match(r"(?:Mc|Mac|O['\u2019]|D['\u2019]|De|Di|La|Le)[A-Z]", word))


def find_unknown_names(text: str) -> list[str]:
    """People's names that the words around them give away, as written, longest first."""
    found: set[str] = set()
    for pattern, where, fewest in _NAME_PATTERNS:
        for match in pattern.finditer(text):
            for group in ("name", "other"):
                if group not in pattern.groupindex or match.group(group) is None:
                    continue
                words = _name_words(match.group(group), where)
                # One word of two letters is more often "Qs" or "OK" than "Al" or "Wu".
                if len(words) >= fewest and len(" ".join(words)) > 2:
                    found.add(" ".join(words))
    return sorted(found, key=len, reverse=True)


@lru_cache(maxsize=256)
def unknown_names_rule(names: tuple[str, ...]) -> Rule | None:
    """Names found by their context, matched as written wherever they appear; a full name's
    first word on its own too ("Maria" after "talk to Maria Garcia")."""
    variants = set(names)
    for name in names:
        first = name.split()[0]
        if len(name.split()) > 1 and len(first) > 1:
            variants.add(first)
    if not variants:
        return None
    alternatives = sorted(
        (r"\s+".join(re.escape(part) for part in name.split()) for name in variants),
        key=len,
        reverse=True,
    )
    pattern = re.compile(r"(?<![\w<@'\u2019-])(?:" + "|".join(alternatives) + r")(?![\w>@]|-\w)")
    return Rule("name", pattern, lambda match: "<name>")
