"""The Import page: an admin brings a team's history into the live system and follows it.

Admins only: an import writes tickets and proposed knowledge into any team.
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import roles
from core.http import HtmxHttpRequest, role_required
from replay import forms, import_runs
from replay.models import ImportRun

admin_required = role_required(roles.can_administer, "Only admins can import a team's history.")


def _get_run(run_id: int) -> ImportRun:
    run = ImportRun.objects.select_related("team", "created_by").filter(pk=run_id).first()
    if run is None:
        raise Http404(f"There is no import #{run_id}.")
    return run


@require_http_methods(["GET", "POST"])
@admin_required
def import_list(request: HtmxHttpRequest) -> HttpResponse:
    """The imports so far, and the form that starts one."""
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = import_runs.import_run_create(actor=request.user, **form.cleaned_data)
        return redirect("replay:import", run.pk)
    page = Paginator(ImportRun.objects.select_related("team", "created_by"), 25).get_page(
        request.GET.get("page")
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "replay/import_list.html", {"form": form, "page": page}, status=status)


@require_GET
@admin_required
def import_detail(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    return render(request, "replay/import_detail.html", {"run": _get_run(run_id)})


@require_GET
@admin_required
def import_progress(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """The run's part of the page, polled while it runs."""
    return render(request, "replay/partials/import_run.html", {"run": _get_run(run_id)})


@require_POST
@admin_required
def import_cancel(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(run_id)
    try:
        run = import_runs.import_run_cancel(run=run)
    except import_runs.ImportRunError as exc:
        return _refused(request, run, str(exc))
    if request.htmx:
        return render(request, "replay/partials/import_run.html", {"run": run})
    return redirect("replay:import", run.pk)


@require_POST
@admin_required
def import_again(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(run_id)
    # "Run again, creating the teams": the one option a finished import may change.
    create_teams = True if request.POST.get("create_teams") == "1" else None
    try:
        again = import_runs.import_run_again(run=run, actor=request.user, create_teams=create_teams)
    except import_runs.ImportRunError as exc:
        return _refused(request, run, str(exc))
    return redirect("replay:import", again.pk)


def _refused(request: HtmxHttpRequest, run: ImportRun, error: str) -> HttpResponse:
    if request.htmx:
        context = {"run": run, "run_error": error}
        return render(request, "replay/partials/import_run.html", context, status=422)
    return render(request, "tickets/ticket_error.html", {"error": error}, status=422)
