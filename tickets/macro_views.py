"""Macros (canned replies) in the console: the page where analysts keep their own and admins
their teams', and the picker the reply box opens. Thin: selectors read, services write."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import roles
from core.http import HtmxHttpRequest, role_required
from tickets import access, forms, macro_services, placeholders, selectors
from tickets.views import _param, portal_path

PICKER_LIMIT = 20

worker_required = role_required(
    roles.can_work_tickets, "Your role can read tickets but not reply, so it has no macros."
)


@require_GET
@worker_required
def macro_list(request: HtmxHttpRequest) -> HttpResponse:
    return _list_page(request, _new_form(request))


def _new_form(request: HtmxHttpRequest, data: Any = None) -> forms.MacroForm:
    teams = selectors.teams_for_user(request.user) if roles.can_administer(request.user) else None
    return forms.MacroForm(data, teams=teams)


def _list_page(request: HtmxHttpRequest, form: forms.MacroForm, status: int = 200) -> HttpResponse:
    macros = selectors.macros_for_user(request.user).order_by("name", "id")
    context = {
        "personal": [m for m in macros if m.owner_id == request.user.pk],
        "team_macros": [m for m in macros if m.team_id is not None],
        "form": form,
        "can_edit_team": roles.can_administer(request.user),
        "placeholders": placeholders.PLACEHOLDERS.items(),
    }
    return render(request, "tickets/macro_list.html", context, status=status)


@require_POST
@worker_required
def macro_create(request: HtmxHttpRequest) -> HttpResponse:
    form = _new_form(request, request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    data = form.cleaned_data
    try:
        macro = macro_services.macro_create(
            actor=request.user,
            name=data["name"],
            body=data["body"],
            team=data.get("team"),
            set_status=data["set_status"],
            set_priority=data["set_priority"],
            add_tags=data["add_tags"],
            copilot_offers=data.get("copilot_offers", True),
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return _list_page(request, form, status=400)
    messages.success(request, f"Macro “{macro.name}” saved.")
    return redirect("tickets:macros")


@require_http_methods(["GET", "POST"])
@worker_required
def macro_edit(request: HtmxHttpRequest, macro_id: int) -> HttpResponse:
    macro = access.get_macro_to_edit(request.user, macro_id)
    for_team = macro.team_id is not None
    if request.method == "GET":
        form = forms.MacroForm(initial=forms.macro_initial(macro), for_team=for_team)
        return render(request, "tickets/macro_edit.html", {"form": form, "macro": macro})
    form = forms.MacroForm(request.POST, for_team=for_team)
    if form.is_valid():
        try:
            macro_services.macro_update(
                macro=macro,
                actor=request.user,
                **{
                    f: form.cleaned_data[f] for f in macro_services.MACRO_FIELDS if f in form.fields
                },
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Macro “{macro.name}” saved.")
            return redirect("tickets:macros")
    context = {"form": form, "macro": macro}
    return render(request, "tickets/macro_edit.html", context, status=400)


@require_POST
@worker_required
def macro_delete(request: HtmxHttpRequest, macro_id: int) -> HttpResponse:
    macro = access.get_macro_to_edit(request.user, macro_id)
    name = macro.name
    macro_services.macro_delete(macro=macro, actor=request.user)
    messages.success(request, f"Macro “{name}” deleted.")
    return redirect("tickets:macros")


def _add_errors(form: forms.MacroForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_GET
@worker_required
def macro_picker(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """The macros offered on a ticket matching ``?q=``, each with its body filled in for this
    ticket: what the reply box's picker lists and inserts."""
    ticket = access.get_ticket_to_work(request.user, ticket_id)
    found = selectors.macros_for_ticket(request.user, ticket, q=_param(request, "q"))
    link = request.build_absolute_uri(portal_path(ticket))
    choices = [
        (m, macro_services.macro_fill(macro=m, ticket=ticket, actor=request.user, portal_link=link))
        for m in found[:PICKER_LIMIT]
    ]
    context = {"ticket": ticket, "choices": choices, "q": _param(request, "q")}
    return render(request, "tickets/partials/macro_picker.html", context)
