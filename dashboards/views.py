"""Manager dashboards and the audit pages. Thin: ``dashboards.selectors`` read the figures,
``dashboards.panels`` draws them."""

from collections.abc import Callable, Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core import roles
from core.http import HtmxHttpRequest, role_required
from dashboards import access, exports
from dashboards.forms import CurationAuditForm, RunAuditForm
from dashboards.panels import PAGES, TABLES
from dashboards.scope import FilterForm, Scope
from dashboards.selectors import audit

AUDIT_PAGE_SIZE = 50

dashboard_required = role_required(
    roles.can_view_tickets, "Your account has no Vigil role. Ask an admin for one."
)
manager_required = role_required(
    roles.can_manage, "Only managers and admins can read the audit trail."
)


class BadFilters(Exception):
    def __init__(self, form: FilterForm) -> None:
        super().__init__(form.error_text())
        self.form = form


def _scope(request: HtmxHttpRequest) -> tuple[FilterForm, Scope]:
    form = FilterForm(request.GET, user=request.user)
    if not form.is_valid():
        raise BadFilters(form)
    return form, form.scope()


def _refused(request: HtmxHttpRequest, error: str) -> HttpResponse:
    """400 for filters a panel or a CSV download cannot use: a page, whatever the format asked
    for, so the echoed filter is escaped like any text on a page."""
    return render(request, "dashboards/refused.html", {"error": error}, status=400)


@require_GET
@dashboard_required
def index(request: HtmxHttpRequest) -> HttpResponseBase:
    first = "support" if roles.can_work_tickets(request.user) else "knowledge"
    return redirect("dashboards:page", first)


@require_GET
@dashboard_required
def dashboard(request: HtmxHttpRequest, page: str) -> HttpResponse:
    board = access.page_for_user(request.user, page)
    context = {"board": board, "slug": page, "pages": _visible(request)}
    try:
        form, scope = _scope(request)
    except BadFilters as error:
        context |= {"form": error.form, "error": str(error)}
        if request.htmx:
            # 422: htmx swaps it in place of the panels (the page's convention for a refusal).
            return render(request, "dashboards/dashboard.html#error", context, status=422)
        return render(request, "dashboards/dashboard.html", context, status=400)
    panels = {name: panel(scope) for name, panel in board.panels.items()}
    context |= {"form": form, "scope": scope, "panels": panels}
    template = f"dashboards/{page}.html"
    if request.htmx.target == "dashboard-panels":
        template += "#panels"
    return render(request, template, context)


def _visible(request: HtmxHttpRequest) -> list[tuple[str, str]]:
    user = request.user
    shown = [(slug, page.title) for slug, page in PAGES.items() if access.may_open(user, page)]
    if roles.can_manage(user):
        shown.append(("audit", "Audit"))
    return shown


@require_GET
@dashboard_required
def panel(request: HtmxHttpRequest, page: str, name: str) -> HttpResponse:
    """One panel alone: it polls this, and re-renders itself when the filters change."""
    board = access.page_for_user(request.user, page)
    make = board.panels.get(name)
    if make is None:
        raise Http404(f"The {board.title} dashboard has no panel “{name}”.")
    try:
        _, scope = _scope(request)
    except BadFilters as error:
        return _refused(request, str(error))
    context = {"slug": page, "scope": scope, "panels": {name: make(scope)}}
    return render(request, f"dashboards/{page}.html#{name}", context)


@require_GET
@dashboard_required
def table_csv(request: HtmxHttpRequest, page: str, table: str) -> HttpResponse:
    access.page_for_user(request.user, page)
    make = TABLES.get((page, table))
    if make is None:
        raise Http404(f"There is no table “{table}” on this dashboard.")
    try:
        _, scope = _scope(request)
    except BadFilters as error:
        return _refused(request, str(error))
    return exports.table_csv(make(scope), exports.filename(f"{page}-{table}", scope))


def _audit(
    request: HtmxHttpRequest,
    *,
    form_class: type[RunAuditForm] | type[CurationAuditForm],
    template: str,
    rows: Callable[[Scope, dict[str, Any]], QuerySet[Any]],
    export: Callable[[QuerySet[Any]], Iterator[list[Any]]],
    columns: list[str],
    name: str,
) -> HttpResponseBase:
    """An audit list: filtered, paginated, or the whole of it as CSV with ``?format=csv``."""
    scope_form = FilterForm(request.GET, user=request.user)
    form = form_class(request.GET)
    as_csv = request.GET.get("format") == "csv"
    context: dict[str, Any] = {"form": scope_form, "audit_form": form, "pages": _visible(request)}
    valid = scope_form.is_valid() & form.is_valid()
    if not valid:
        errors = [str(e) for f in (scope_form, form) for field in f.errors.values() for e in field]
        if as_csv:
            return _refused(request, " ".join(errors))
        context["error"] = " ".join(errors)
        return render(request, template, context, status=400)
    scope = scope_form.scope()
    found = rows(scope, form.cleaned_data)
    if as_csv:
        return exports.streamed_csv(columns, export(found), exports.filename(name, scope))
    page = Paginator(found, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context |= {
        "scope": scope,
        "page": page,
        "columns": columns,
        "query": _query_without_page(request),
    }
    if request.htmx.target == "audit-results":
        template += "#results"
    return render(request, template, context)


@require_GET
@manager_required
def audit_runs(request: HtmxHttpRequest) -> HttpResponseBase:
    return _audit(
        request,
        form_class=RunAuditForm,
        template="dashboards/audit_runs.html",
        rows=lambda scope, data: audit.audit_runs(scope, audit.RunFilters(**data)),
        export=audit.run_rows,
        columns=audit.RUN_COLUMNS,
        name="copilot-runs",
    )


@require_GET
@manager_required
def audit_curation(request: HtmxHttpRequest) -> HttpResponseBase:
    return _audit(
        request,
        form_class=CurationAuditForm,
        template="dashboards/audit_curation.html",
        rows=lambda scope, data: audit.audit_curation(scope, audit.CurationFilters(**data)),
        export=audit.curation_rows,
        columns=audit.CURATION_COLUMNS,
        name="curation-decisions",
    )


def _query_without_page(request: HtmxHttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    return params.urlencode()
