"""Passwords and service tokens.

Tokens with a recognisable shape (SendGrid ``SG.…``, GitHub ``ghp_…``, AWS ``AKIA…``, Slack
``xox…``, Stripe ``sk_live_…``, GitLab, PyPI, Twilio, Mailchimp, Telegram, Azure storage
keys…) are found with the patterns of detect-secrets' plugins, which Yelp maintains as
providers change their formats; a few shapes it does not know (npm, Google, Hugging Face…) are
added here. Passwords are found from the words around them, in the ways people write them in a
ticket: ``pw: …``, ``my password was …``, ``the passcode is …``, ``PGPASSWORD=…``.
"""

from __future__ import annotations

import re

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from knowledge.redaction.base import Rule, keep_prefix

# detect-secrets plugins whose patterns match the token itself (not a keyword and a quoted
# value, which its keyword plugin does for source code and which reads prose badly).
_DETECTORS: tuple[type[RegexBasedDetector], ...] = (
    SendGridDetector,
    GitHubTokenDetector,
    AWSKeyDetector,
    SlackDetector,
    StripeDetector,
    OpenAIDetector,
    GitLabTokenDetector,
    TwilioKeyDetector,
    MailchimpDetector,
    DiscordBotTokenDetector,
    PypiTokenDetector,
    TelegramBotTokenDetector,
    SquareOAuthDetector,
    AzureStorageKeyDetector,
)
# Shapes detect-secrets does not know.
_MORE_TOKENS = (
    r"npm_[A-Za-z0-9]{36}",
    r"AIza[0-9A-Za-z_-]{35}",  # Google API keys
    r"(?:sk|pk|rk)[-_](?:live[-_]|test[-_]|proj[-_]|ant[-_]|svcacct[-_])?[A-Za-z0-9_-]{16,}",
    r"whsec_[A-Za-z0-9]{24,}",  # Stripe webhook signing secrets
    r"github_pat_[A-Za-z0-9_]{20,}",
    r"gh[pousr]_[A-Za-z0-9]{20,}",
    r"xox[abprs]-[A-Za-z0-9-]{10,}",
    r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",  # Shopify
    r"hf_[A-Za-z0-9]{30,}",  # Hugging Face
    r"dop_v1_[a-f0-9]{64}",  # DigitalOcean
    r"glpat-[A-Za-z0-9_-]{20,}",
)


def _token_pattern() -> re.Pattern[str]:
    shapes = [
        pattern.pattern
        for detector in _DETECTORS
        for pattern in detector().denylist
        # Slack's webhook shape is a link (links are redacted on their own); AWS's second one
        # is a keyword and a quoted value, which the keyword rule below reads in prose.
        if not pattern.pattern.startswith(("https", "aws"))
    ]
    alternatives = "|".join(f"(?:{shape})" for shape in (*shapes, *_MORE_TOKENS))
    # Each shape starts at a word boundary and takes the rest of its token with it (a shape of
    # fixed length would leave a longer token's tail); "=" padding belongs to the token.
    return re.compile(rf"(?<![\w-])(?:{alternatives})[\w-]*=*")


_TOKEN_RE = _token_pattern()


def _token(match: re.Match[str]) -> str | None:
    # "AccountKey=<token>": the name of the setting stays.
    setting = re.match(r"[A-Za-z]+=", match.group(0))
    return (setting.group(0) if setting else "") + "<token>"


# A keyword that says a secret follows: api_key=, X-API-Key:, SENDGRID_API_KEY=, client_secret:,
# "my access token is …".
_KEYWORD_SECRET_RE = re.compile(
    r"(?i)(?<![\w-])((?:[\w-]*[_-])?(?:api[_-]?key|apikey|access[_-]?key|secret(?:[_-]?key)?"
    r"|secret[_-]access[_-]key|client[_-]?secret|auth[_-]?token|access[_-]?token|token|key)"
    r"(?:\s*[:=]\s*|\s+is\s+)[\"']?)(?!<)([A-Za-z0-9._~+/=-]{8,})[\"']?"
)


def _keyword_secret(match: re.Match[str]) -> str | None:
    value = match.group(2)
    has_digit = any(ch.isdigit() for ch in value)
    has_letter = any(ch.isalpha() for ch in value)
    # "key=value" in a config is not a secret; a run of letters and digits is.
    if not (has_digit and has_letter) and len(value) < 20:
        return None
    closing_quote = match.group(0)[match.end(2) - match.start() :]
    return match.group(1) + "<token>" + closing_quote


_JWT_RE = re.compile(r"\b[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b")


def _jwt(match: re.Match[str]) -> str | None:
    text = match.group(0)
    if text.startswith("eyJ"):
        return "<token>"
    has_mix = re.search(r"\d", text) and re.search(r"[a-z]", text) and re.search(r"[A-Z]", text)
    return "<token>" if has_mix else None


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- passwords -----------------------------------------------------------------------------

# Words after "password is/was" that make it prose, not a password.
_PROSE = _words(
    """a an the my our your his her their its this that it not no still now also just only
    being been set sent reset changed expired expiring incorrect wrong correct invalid valid
    required missing locked unlocked different same too very stored saved updated working
    accepted rejected weak strong long short empty blank visible hidden shown masked encrypted
    hashed generated managed rotated forgotten lost compromised case sensitive protected
    and or in on at for of to from with by when if but because never always"""
)
# Nouns after "password" that make it a label: "password hint:", "password policy".
_LABELS = (
    "hint|policy|policies|reset|resets|manager|field|prompt|expiry|expiration|change|changes"
    "|requirements?|length|strength|rules?|history|age|complexity|protected|less|recovery"
)
_CREDENTIAL_WORDS = (
    r"passwords?|passwd|passphrase|passcode|pass|pwd|pw|pin(?:\s+code)?|contrase[ñn]a"
    r"|mot\s+de\s+passe|passwort|senha|wachtwoord|(?:access|security|door|alarm|entry)\s+code"
    r"|one-time\s+code|otp"
)
_VALUE = r"(?P<value>'[^'\n]{1,64}'|\"[^\"\n]{1,64}\"|[^\s,;'\"]*[^\s,;'\".)])"
_PASSWORD_RE = re.compile(
    rf"(?i)(?<![\w-])(?P<keyword>{_CREDENTIAL_WORDS})\b(?!\s+(?:{_LABELS})\b)"
    # "password for the shared mailbox:", "password on the box is", "password that works is"
    r"(?P<detail>(?:\s+(?!is\b|was\b)[^\W\d_][\w'-]*){1,4}?(?=\s*[:=]|\s+(?:is|was)\b))?"
    r"(?P<sep>\s*[:=]\s*|\s+[\u2013\u2014]\s+|\s+(?:is|was)(?:\s+(?:literally|still|now|set\s+to))?\s*:?\s*"
    r"|\s+(?:set\s+)?to\s+|\s+)"
    rf"{_VALUE}"
)
_OLD_KEYWORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pass", "pw"})


def _password(match: re.Match[str]) -> str | None:
    keyword = " ".join(match.group("keyword").lower().split())
    sep = match.group("sep").strip().lower()
    value = match.group("value")
    quoted = value[:1] in "'\""
    if keyword.startswith("pin") and not re.fullmatch(r"\d{4,8}", value):
        return None
    if not quoted and not _plausible_password(
        value, labelled=sep[:1] in {":", "=", "\u2013", "\u2014"}
    ):
        return None
    if keyword == "pass" and not quoted and (not sep or match.group("detail")):
        return None  # "pass the flag", "pass 3 of 5", "pass --march=arm7"
    bare = not sep or sep.startswith(("to", "set"))
    if bare and not (quoted or _looks_secret(value)):
        return None  # "password reset", "password to log in"
    if keyword in _OLD_KEYWORDS and not match.group("detail") and sep in {"", ":", "=", "is"}:
        return "password: <password>"
    return match.group(0)[: match.start("value") - match.start()] + "<password>"


def _plausible_password(value: str, *, labelled: bool) -> bool:
    if value.startswith(("<", "-", "/", "`", "(", "[", "{")) or value.endswith(":"):
        return False
    if "\ue000" in value or not any(ch.isalnum() for ch in value):
        return False  # a link set aside, or a dash between words
    if re.fullmatch(r"&#?\w+;?", value):
        return False  # an HTML entity: "password &amp; username"
    if value.lower() in _PROSE:
        return False
    if value.isdigit():
        return len(value) >= 4
    # "password is correcthorse" names one; "password is remembered" describes it.
    plain_word = len(value) >= 8 and not re.search(r"(?:ed|ing|ly|able|ible|tion)$", value)
    return labelled or _looks_secret(value) or plain_word


def _looks_secret(value: str) -> bool:
    """Digits, symbols or a capital inside: what a password has and a word does not (a
    question mark ending the sentence is no symbol)."""
    value = value.rstrip("?!.,:;")
    if not value or value.startswith(("-", "/", "`", "<", "(", "[", "{")):
        return False
    # A capital after the first letter counts only beside lower case: "CorrectHorse", not "IRC".
    mixed_case = bool(re.search(r"\w[A-Z]", value)) and not value.isupper()
    return bool(re.search(r"[\d\W_]", value)) or mixed_case


def _secret_value(match: re.Match[str]) -> str | None:
    value = match.group("value")
    if value[:1] not in "'\"" and not _looks_secret(value):
        return None
    return match.group(0)[: match.start("value") - match.start()] + "<password>"


def _secret_before(match: re.Match[str]) -> str | None:
    value = match.group("value")
    if not _looks_secret(value) or value.lower() in _PROSE:
        return None
    return "<password>" + match.group(0)[match.end("value") - match.start() :]


RULES: tuple[Rule, ...] = (
    # PGPASSWORD=…, MYSQL_ROOT_PASSWORD=…
    Rule(
        "password",
        re.compile(
            r"\b([A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|PASS|PWD)[A-Z0-9_]*\s*[:=]\s*)"
            r"(?![<\"'])[^\s,;]+"
        ),
        keep_prefix("<password>"),
    ),
    # mysql -u root -pSecret
    Rule(
        "password",
        re.compile(r"\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]*?\s-p(?P<value>[^\s'\"]+)"),
        _secret_value,
    ),
    # "Credentials: admin / Secret1", "basic auth admin:Secret1"
    Rule(
        "password",
        re.compile(
            r"(?i)\b(?:(?:credentials|creds|basic\s+auth|user(?:name)?\s*/\s*pass(?:word)?)\b\s*:?"
            r"|login\s*:)\s*[\w.@+-]{2,}\s*(?:/|:)\s*(?P<value>[^\s,;]{4,})"
        ),
        _secret_value,
    ),
    Rule("password", _PASSWORD_RE, _password),
    # "I typed Summer2024! as the password"
    Rule(
        "password",
        re.compile(
            r"(?<!\S)(?P<value>[^\s'\"]{4,})\s+as\s+(?:the|my|a|your|our)\s+(?:new\s+)?"
            r"(?:password|passphrase|passcode|pin)\b",
            re.IGNORECASE,
        ),
        _secret_before,
    ),
    Rule("token", _TOKEN_RE, _token),
    Rule("token", re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), keep_prefix("<token>")),
    # "Authorization: Basic <base64 of user:password>", not "a basic courtesy".
    Rule(
        "token",
        re.compile(r"(?i)(authorization:\s*basic\s+)[A-Za-z0-9+/]{8,}={0,2}"),
        keep_prefix("<token>"),
    ),
    Rule("token", _KEYWORD_SECRET_RE, _keyword_secret),
    Rule("token", _JWT_RE, _jwt),
)
