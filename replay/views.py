"""The Replay page: upload recorded conversations, follow the replay, read its report.

Managers and admins only: a replay shows every team's figures and can set a team's threshold.
"""

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from copilot.models import TeamCopilotSettings
from core import roles
from core.http import HtmxHttpRequest, role_required
from replay import display as replay_display
from replay import forms, processes, services
from replay.models import ReplayRun

manager_required = role_required(
    roles.can_manage, "Only managers and admins can replay conversations."
)


def _get_run(run_id: int) -> ReplayRun:
    run = ReplayRun.objects.select_related("team", "created_by").filter(pk=run_id).first()
    if run is None:
        raise Http404(f"There is no replay #{run_id}.")
    return run


@require_GET
@manager_required
def replay_list(request: HtmxHttpRequest) -> HttpResponse:
    runs = ReplayRun.objects.select_related("team", "created_by")
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    rows = [(run, replay_display.headline(run.report)) for run in page.object_list]
    return render(request, "replay/replay_list.html", {"page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
@manager_required
def replay_new(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.ReplayForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.replay_run_create(actor=request.user, **data)
        except services.ReplayRunError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("replay:replay", run.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "replay/replay_new.html", {"form": form}, status=status)


@require_GET
@manager_required
def replay_detail(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(run_id)
    return render(request, "replay/replay_detail.html", _detail_context(run))


@require_GET
@manager_required
def replay_progress(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """The run's part of the page, polled while it runs; the last poll brings the report."""
    run = _get_run(run_id)
    return render(request, "replay/partials/replay_run.html", _detail_context(run))


def _detail_context(run: ReplayRun, **extra: Any) -> dict[str, Any]:
    context = {"run": run, "warnings": run.warnings, **extra}
    if not run.is_active:
        context |= replay_display.report_context(run.report)
        context["warnings"] = run.warnings or context.get("skipped_lines", [])
        context["has_results"] = processes.results_path(run).is_file()
        context["can_apply"] = (
            run.team is not None
            and run.status in {ReplayRun.Status.DONE, ReplayRun.Status.WARNINGS}
            and run.threshold_for_target is not None
        )
        if run.team is not None:
            context["team_settings"] = TeamCopilotSettings.objects.filter(team=run.team).first()
    return context


@require_POST
@manager_required
def replay_cancel(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(run_id)
    try:
        run = services.replay_run_cancel(run=run)
    except services.ReplayRunError as exc:
        return _refused(request, run, str(exc))
    if request.htmx:
        return render(request, "replay/partials/replay_run.html", _detail_context(run))
    return redirect("replay:replay", run.pk)


@require_POST
@manager_required
def replay_apply_threshold(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(run_id)
    try:
        applied = services.replay_run_apply_threshold(run=run, actor=request.user)
    except services.ReplayRunError as exc:
        return _refused(request, run, str(exc))
    messages.success(request, f"{applied.team.name}'s threshold is now {applied.threshold:.2f}.")
    return redirect("replay:replay", run.pk)


def _refused(request: HtmxHttpRequest, run: ReplayRun, error: str) -> HttpResponse:
    if request.htmx:
        context = _detail_context(run, run_error=error)
        return render(request, "replay/partials/replay_run.html", context, status=422)
    return render(request, "tickets/ticket_error.html", {"error": error}, status=422)


@require_GET
@manager_required
def replay_report_download(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(run_id)
    if run.report is None:
        raise Http404(f"Replay #{run_id} has no report yet.")
    response = HttpResponse(
        json.dumps(run.report, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="replay-{run.pk}-report.json"'
    return response


@require_GET
@manager_required
def replay_results_download(request: HtmxHttpRequest, run_id: int) -> FileResponse:
    run = _get_run(run_id)
    path = processes.results_path(run)
    if run.is_active or not path.is_file():
        raise Http404(f"Replay #{run_id} has no results file.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"replay-{run.pk}-results.jsonl",
        content_type="application/x-ndjson",
    )
