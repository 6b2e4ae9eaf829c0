"""Knowledge pages: browse and search for everyone with a role, curation for curators."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import roles
from core.http import HtmxHttpRequest, role_required, staff_required
from knowledge import clusters, diff, forms, selectors, services
from knowledge.models import KnowledgeEntry, KnowledgeRevision
from knowledge.selectors import AnyUser
from tickets.models import Message
from tickets.selectors import parse_int, teams_for_user

Status = KnowledgeEntry.Status
View = Callable[..., HttpResponse]


curator_required = role_required(roles.can_curate, "Only curators and admins can change knowledge.")


def _get_entry(request: HtmxHttpRequest, entry_id: int) -> KnowledgeEntry:
    """The entry, if the user may read it (the API asks the same selector); 404 otherwise."""
    entry = selectors.entry_get_for_user(request.user, entry_id)
    if entry is None:
        raise Http404(f"There is no knowledge entry #{entry_id}.")
    return entry


def _param(request: HtmxHttpRequest, name: str, default: str = "") -> str:
    return request.GET.get(name, default).replace("\x00", "").strip()[:200]


@require_GET
@staff_required
def entry_list(request: HtmxHttpRequest) -> HttpResponse:
    curator = roles.can_curate(request.user)
    q = _param(request, "q")
    status = _param(request, "status", Status.APPROVED) if curator else Status.APPROVED
    if status not in Status.values:
        status = Status.APPROVED
    team = _param(request, "team")
    source = _param(request, "source")
    hits = None
    if q and status == Status.APPROVED and not team and not source:
        # The same hybrid search the copilot uses, with the reasons each entry matched.
        scope = selectors.scope_for_user(request.user)
        hits = selectors.knowledge_search(q, team=scope, limit=20)
    entries = selectors.entries_for_user(
        request.user, status=status, team=team, source=source, q="" if hits is not None else q
    )
    page = Paginator(entries, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "hits": hits,
        "q": q,
        "status": status,
        "team": team,
        "source": source,
        "curator": curator,
        "teams": teams_for_user(request.user),
        "statuses": Status.choices,
        "sources": KnowledgeEntry.Source.choices,
    }
    template = "knowledge/entry_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


@require_GET
@staff_required
def entry_detail(request: HtmxHttpRequest, entry_id: int) -> HttpResponse:
    entry = _get_entry(request, entry_id)
    return render(request, "knowledge/entry_detail.html", _detail_context(request, entry))


def _detail_context(
    request: HtmxHttpRequest, entry: KnowledgeEntry, form: forms.EntryForm | None = None
) -> dict[str, Any]:
    initial = {
        "question": entry.question,
        "answer": entry.answer,
        "tags": ", ".join(entry.tags),
        "team": entry.team.slug if entry.team else None,
    }
    return {
        "entry": entry,
        "sources": selectors.entry_sources_for_user(request.user, entry),
        "sources_elsewhere": selectors.entry_sources_elsewhere(request.user, entry),
        "revisions": entry.revisions.select_related("ticket")[:50],
        "form": form or forms.EntryForm(initial=initial),
        "curator": roles.can_curate(request.user),
        "can_administer": roles.can_administer(request.user),
    }


@require_POST
@curator_required
def entry_edit(request: HtmxHttpRequest, entry_id: int) -> HttpResponse:
    entry = _get_entry(request, entry_id)
    form = forms.EntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.entry_edit(
                entry=entry,
                actor=request.user,
                question=data["question"],
                answer=data["answer"],
                tags=data["tags"],
                team=data["team"],
            )
        except services.KnowledgeError as exc:
            form.add_error(None, str(exc))
    if form.errors:
        context = _detail_context(request, entry, form)
        return render(request, "knowledge/entry_detail.html", context, status=400)
    return redirect("knowledge:detail", entry.pk)


@require_POST
@curator_required
def entry_archive(request: HtmxHttpRequest, entry_id: int) -> HttpResponse:
    entry = _get_entry(request, entry_id)
    if entry.status == Status.ARCHIVED:
        services.entry_restore(entry=entry, actor=request.user)
    else:
        services.entry_archive(entry=entry, actor=request.user, note="archived by a curator")
    return redirect("knowledge:detail", entry.pk)


@require_http_methods(["GET", "POST"])
@curator_required
def entry_new(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_create(
                question=data["question"],
                answer=data["answer"],
                tags=data["tags"],
                team=data["team"],
                actor=request.user,
                status=Status.APPROVED,
                note="written by hand",
            )
        except services.KnowledgeError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("knowledge:detail", entry.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledge/entry_new.html", {"form": form}, status=status)


@require_GET
@curator_required
def curation(request: HtmxHttpRequest) -> HttpResponse:
    team, source = _param(request, "team"), _param(request, "source")
    sort = _param(request, "sort", "oldest")
    sort = sort if sort in selectors.CURATION_SORTS else "oldest"
    flagged = request.GET.get("flagged") == "1"
    entries = selectors.curation_queue(team=team, source=source, flagged=flagged, sort=sort)
    page = Paginator(entries, 10).get_page(request.GET.get("page"))
    context = {
        "rows": [_row_context(request.user, entry) for entry in page.object_list],
        "page": page,
        "revisions": [_revision_context(r) for r in selectors.pending_revisions(team=team)[:20]]
        if not flagged and source in {"", KnowledgeEntry.Source.LEARNED}
        else [],
        "team": team,
        "source": source,
        "sort": sort,
        "sorts": selectors.CURATION_SORTS.items(),
        "flagged": flagged,
        "teams": teams_for_user(request.user),
        "sources": KnowledgeEntry.Source.choices,
        "counts": {
            "proposed": KnowledgeEntry.objects.filter(status=Status.PROPOSED).count(),
            "flagged": KnowledgeEntry.objects.filter(flagged=True)
            .exclude(status__in=[Status.REJECTED, Status.ARCHIVED])
            .count(),
        },
    }
    template = "knowledge/curation_queue.html"
    if request.htmx and not request.htmx.boosted:
        template += "#queue"
    return render(request, template, context)


# Below this cosine an existing entry is not a plausible duplicate; comparing it is noise.
COMPARE_FROM = 0.45


def _row_context(user: AnyUser, entry: KnowledgeEntry, **extra: Any) -> dict[str, Any]:
    nearest = [
        hit
        for hit in selectors.nearest_entries(entry, limit=3)
        if (hit.similarity or 0.0) >= COMPARE_FROM
    ]
    if entry.related_entry and all(h.entry.pk != entry.related_entry_id for h in nearest):
        nearest = [selectors.Hit(entry=entry.related_entry, score=0.0), *nearest][:3]
    comparisons = []
    for hit in nearest:
        q_old, q_new = diff.word_diff(hit.entry.question, entry.question)
        a_old, a_new = diff.word_diff(hit.entry.answer, entry.answer)
        comparisons.append({"hit": hit, "question": (q_old, q_new), "answer": (a_old, a_new)})
    return {
        "entry": entry,
        "sources": [
            {"source": source, "cut": _cut(source.message, entry)}
            for source in selectors.entry_sources_for_user(user, entry)[:10]
        ],
        "sources_elsewhere": selectors.entry_sources_elsewhere(user, entry),
        "comparisons": comparisons,
        **extra,
    }


def _cut(message: Message, entry: KnowledgeEntry) -> SafeString:
    """The source message with what learning left out of the entry struck through: greetings,
    names, personal data, the story around the question, the chat around the answer."""
    kept = entry.question if message.kind == Message.Kind.CUSTOMER else entry.answer
    return diff.word_diff(message.body, kept)[0]


def _revision_context(revision: KnowledgeRevision, **extra: Any) -> dict[str, Any]:
    entry = revision.entry
    return {
        "revision": revision,
        "question": diff.word_diff(entry.question, revision.question),
        "answer": diff.word_diff(entry.answer, revision.answer),
        **extra,
    }


ACTIONS = {"approve", "edit-approve", "merge", "replace", "reject", "archive"}


@require_POST
@curator_required
def curation_action(request: HtmxHttpRequest, entry_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(f"Unknown action {action!r}.")
    entry = _get_entry(request, entry_id)
    try:
        decided = _apply(request, entry, action)
    except services.KnowledgeError as exc:
        return _row(request, entry, error=str(exc), status=422)
    except KnowledgeEntry.DoesNotExist:
        return _row(request, entry, error="That entry no longer exists.", status=422)
    entry.refresh_from_db()
    return _row(request, entry, decided=decided)


def _apply(request: HtmxHttpRequest, entry: KnowledgeEntry, action: str) -> str:
    user = request.user
    if action in {"approve", "edit-approve"}:
        approval = forms.ApproveForm(request.POST)
        if not approval.is_valid():
            raise services.KnowledgeError(_errors(approval))
        services.entry_approve(
            entry=entry,
            actor=user,
            question=approval.cleaned_data["question"] or None,
            answer=approval.cleaned_data["answer"] or None,
        )
        return "approved"
    if action == "archive":
        services.entry_archive(entry=entry, actor=user, note="archived from the review queue")
        return "archived"
    if action == "reject":
        rejection = forms.RejectForm(request.POST)
        if not rejection.is_valid():
            raise services.KnowledgeError("Say why the entry is rejected.")
        services.entry_reject(entry=entry, actor=user, reason=rejection.cleaned_data["reason"])
        return "rejected"
    form = forms.TargetForm(request.POST)
    if not form.is_valid():
        raise services.KnowledgeError("Choose the entry to merge into or replace.")
    target = selectors.entry_get_for_user(user, form.cleaned_data["target"])
    if target is None:
        raise KnowledgeEntry.DoesNotExist
    if action == "merge":
        services.entry_merge(entry=entry, into=target, actor=user)
        return f"merged into #{target.pk}"
    services.entry_replace(entry=entry, replaced=target, actor=user)
    return f"approved, replacing #{target.pk}"


def _errors(form: Any) -> str:
    return "; ".join(e for errors in form.errors.values() for e in errors)


def _row(
    request: HtmxHttpRequest,
    entry: KnowledgeEntry,
    *,
    decided: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    if not request.htmx:
        if error:
            return render(request, "tickets/ticket_error.html", {"error": error}, status=status)
        return redirect(reverse("knowledge:curation"))
    context = _row_context(request.user, entry, decided=decided, row_error=error)
    return render(request, "knowledge/partials/curation_row.html", context, status=status)


@require_POST
@curator_required
def revision_action(request: HtmxHttpRequest, revision_id: int, action: str) -> HttpResponse:
    revision = (
        KnowledgeRevision.objects.select_related("entry")
        .filter(pk=revision_id, kind=KnowledgeRevision.Kind.PROPOSAL)
        .first()
    )
    if revision is None or action not in {"apply", "decline"}:
        raise Http404("No such proposed revision.")
    error, status = "", 200
    try:
        if action == "apply":
            services.revision_apply(revision=revision, actor=request.user)
        else:
            services.revision_decline(
                revision=revision, actor=request.user, reason=request.POST.get("reason", "")
            )
    except services.KnowledgeError as exc:
        error, status = str(exc), 422
    revision.refresh_from_db()
    if not request.htmx:
        return redirect(reverse("knowledge:curation"))
    context = _revision_context(revision, row_error=error)
    return render(request, "knowledge/partials/revision_row.html", context, status=status)


@require_GET
@curator_required
def curation_groups(request: HtmxHttpRequest) -> HttpResponse:
    """Proposals that say the same thing, a group per card: one decision each."""
    team, source = _param(request, "team"), _param(request, "source")
    groups = clusters.proposal_groups(team=team, source=source)
    proposed = selectors.curation_queue(team=team, source=source).count()
    page = Paginator(groups, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "team": team,
        "source": source,
        "teams": teams_for_user(request.user),
        "sources": KnowledgeEntry.Source.choices,
        "proposed": proposed,
        "grouped": sum(g.size for g in groups),
        "decisions": len(groups) + clusters.ungrouped_count(groups, proposed),
        "group_count": len(groups),
    }
    return render(request, "knowledge/curation_groups.html", context)


@require_POST
@curator_required
def curation_group_action(request: HtmxHttpRequest, entry_id: int, action: str) -> HttpResponse:
    """Approve a group (its leader, the others merged into it) or reject all of it: exactly
    the members the curator was shown, those still proposed."""
    if action not in {"approve", "reject"}:
        raise Http404(f"Unknown action {action!r}.")
    leader = _get_entry(request, entry_id)
    member_ids = [i for i in (parse_int(v) for v in request.POST.getlist("members")) if i]
    try:
        if action == "approve":
            leader, merged = services.group_approve(
                leader=leader, member_ids=member_ids, actor=request.user
            )
            decided = f"approved, with {len(merged)} similar proposals merged in as its evidence"
        else:
            rejected = services.group_reject(
                leader=leader,
                member_ids=member_ids,
                actor=request.user,
                reason=request.POST.get("reason", ""),
            )
            decided = f"rejected, with {len(rejected) - 1} similar proposals"
    except services.KnowledgeError as exc:
        if not request.htmx:
            return render(request, "tickets/ticket_error.html", {"error": str(exc)}, status=422)
        return render(
            request,
            "knowledge/partials/curation_group.html",
            {"group": clusters.Group(leader=leader, members=()), "error": str(exc)},
            status=422,
        )
    if not request.htmx:
        return redirect(reverse("knowledge:groups"))
    return render(
        request,
        "knowledge/partials/curation_group_done.html",
        {"leader": leader, "decided": decided},
    )


@require_POST
@curator_required
def curation_bulk(request: HtmxHttpRequest) -> HttpResponse:
    """Approve or reject the proposals selected in the queue: first a preview of exactly what
    changes, then, once confirmed, the change."""
    action = request.POST.get("action", "")
    if action not in {"approve", "reject"}:
        return render(
            request, "tickets/ticket_error.html", {"error": "Choose approve or reject."}, status=400
        )
    ids = sorted({i for i in (parse_int(v) for v in request.POST.getlist("selected")) if i})
    reason = request.POST.get("reason", "").strip()[:300]
    if not ids:
        error = "Select the proposals to decide first (the box on each one)."
        return render(request, "tickets/ticket_error.html", {"error": error}, status=400)
    if request.POST.get("confirmed") != "1":
        entries = list(
            selectors.curation_queue().filter(pk__in=ids).order_by("-evidence_count", "pk")
        )
        context = {
            "entries": entries,
            "action": action,
            "reason": reason,
            "missing": len(ids) - len(entries),
        }
        return render(request, "knowledge/curation_bulk.html", context)
    try:
        decided, left = services.entries_decide_many(
            entry_ids=ids, action=action, actor=request.user, reason=reason
        )
    except services.KnowledgeError as exc:
        return render(request, "tickets/ticket_error.html", {"error": str(exc)}, status=422)
    verb = "Approved" if action == "approve" else "Rejected"
    note = f" {len(left)} left alone: decided meanwhile." if left else ""
    messages.success(request, f"{verb} {len(decided)} proposals.{note}")
    return redirect(reverse("knowledge:curation"))
