"""Vocabulary of the learner: the words and phrases that mark chatter, problems and answers."""

from __future__ import annotations

import re

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
