"""A team's macros as knowledge the copilot may cite.

A team macro is a reply its team already agreed on: each is kept as an approved entry of that
team (source "A team's macro": its name as the question, its body, placeholders and all, as the
answer), made when the macro is saved, changed when it changes, removed with it. The copilot
then finds and cites it as it does any entry, and fills its placeholders for the ticket
(``copilot.pipeline.steps``). An admin may keep a team macro from the copilot (a greeting, a
holding reply): it then has no entry. A personal macro is its owner's alone and is not offered to
anyone else. Each reply an analyst sends with a macro teaches its entry, as a resolved ticket
does (``knowledge.learning``): the customer's question before it becomes another question
that entry answers.

A person does not edit, archive or review the entry in the knowledge base
(``services.refuse_if_from_macro``): they change the macro, and the entry follows.
"""

import logging

from django.db import transaction

from knowledge import services
from knowledge.models import KnowledgeEntry
from tickets.models import Macro

logger = logging.getLogger(__name__)


def macro_entry_sync(macro: Macro) -> KnowledgeEntry | None:
    """Make ``macro``'s entry agree with it: created for a team macro, its question, answer,
    tags and team updated, removed when the macro is a personal one or one the copilot is not
    to offer. Returns the entry."""
    entry = KnowledgeEntry.objects.filter(macro=macro).first()
    if macro.team_id is None or not macro.copilot_offers:
        if entry is not None:
            entry.delete()
        return None
    note = f"kept from the macro “{macro.name}”"
    if entry is None:
        with transaction.atomic():
            entry = services.entry_create(
                question=macro.name,
                answer=macro.body,
                actor=None,
                team=macro.team,
                tags=macro.add_tags,
                source=KnowledgeEntry.Source.MACRO,
                status=KnowledgeEntry.Status.APPROVED,
                note=note,
            )
            entry.macro = macro
            entry.save(update_fields=["macro"])
        return entry
    same = (entry.question, entry.answer, entry.tags, entry.team_id) == (
        macro.name,
        macro.body,
        services.clean_tags(macro.add_tags),
        macro.team_id,
    )
    if not same:
        entry = services.entry_edit(
            entry=entry,
            actor=None,
            question=macro.name,
            answer=macro.body,
            tags=macro.add_tags,
            team=macro.team,
            note=f"the macro “{macro.name}” changed",
        )
    return entry


def macro_entry_sync_after_commit(macro_id: int) -> None:
    """After a macro was saved: its entry follows. A failure (the embedding model, say) is
    logged and leaves the macro saved; ``sync_macro_knowledge`` mends it later."""
    macro = Macro.objects.filter(pk=macro_id).first()
    if macro is None:
        return
    try:
        macro_entry_sync(macro)
    except Exception:
        logger.exception("The knowledge entry of macro #%s could not be kept up to date", macro_id)


def macros_sync_all() -> int:
    """Every team macro's entry made or mended, and entries of macros turned personal
    removed; the number of macros looked at."""
    macros = list(Macro.objects.select_related("team"))
    for macro in macros:
        macro_entry_sync(macro)
    return len(macros)
