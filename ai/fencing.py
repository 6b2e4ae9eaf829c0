"""Untrusted text inside prompts."""


def fence(text: str) -> str:
    """Customer text cannot close the <<< >>> fence that marks it as data in a prompt."""
    return text.replace("<<<", "< < <").replace(">>>", "> > >")
