"""Integrations are managed in the Django admin. Secrets and tokens are shown once, when made."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from integrations import destinations, services
from integrations.mail import imap
from integrations.models import Event, Integration, Mailbox, WebhookDelivery, WebhookEndpoint

ISSUED = "_vigil_issued_credentials"


@dataclass(frozen=True)
class Issued:
    owner: str
    label: str
    value: str


def credentials_page(request: HttpRequest, rows: list[Issued], back: str) -> HttpResponse:
    """The one page that shows new secrets and tokens; never cached."""
    context = {**admin.site.each_context(request), "title": "New credentials", "rows": rows}
    response = TemplateResponse(
        request, "integrations/admin_credentials.html", {**context, "back": back}
    )
    add_never_cache_headers(response)
    return response


def _issued_on_save(request: HttpRequest, rows: list[Issued]) -> None:
    # save_model cannot answer the request; response_add, called next, shows these.
    setattr(request, ISSUED, rows)


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = ["name", "slug", "team", "active"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        taken = User.objects.filter(username=f"integration-{slug}")
        if self.instance.pk is None and taken.exists():
            raise forms.ValidationError(f"A user called integration-{slug} already exists.")
        return slug


class EndpointInline(admin.TabularInline):
    model = WebhookEndpoint
    fields = ("url", "events", "active", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = (
        "Webhook endpoints (added under Webhook endpoints, which shows the secret)"
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    inlines = [EndpointInline]
    list_display = ["name", "slug", "team", "active", "service_user", "created_at"]
    list_filter = ["active", "team"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["service_user", "secret_rotated_at", "created_at"]
    actions = ["rotate_secret", "rotate_token"]

    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.integration_update(
                integration=obj,
                name=data["name"],
                slug=data["slug"],
                team=data["team"],
                active=data["active"],
            )
            return
        made = services.integration_create(
            name=data["name"], slug=data["slug"], team=data["team"], active=data["active"]
        )
        obj.pk, obj.secret, obj.service_user = (
            made.integration.pk,
            made.secret,
            made.integration.service_user,
        )
        obj.created_at = made.integration.created_at
        _issued_on_save(
            request,
            [
                Issued(obj.name, "signing secret", made.secret),
                Issued(obj.name, f"API token of {obj.service_user.username}", made.token),
            ],
        )

    def response_add(self, request: HttpRequest, obj: Integration, *args: Any) -> HttpResponse:
        rows = getattr(request, ISSUED, None)
        if rows is None:
            return super().response_add(request, obj, *args)
        return credentials_page(request, rows, reverse("admin:integrations_integration_changelist"))

    def delete_model(self, request: HttpRequest, obj: Integration) -> None:
        services.integration_delete(integration=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            services.integration_delete(integration=integration)

    @admin.action(description="Rotate the signing secret (the old one stops working)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Integration]) -> HttpResponse:
        rows = [
            Issued(i.name, "signing secret", services.integration_rotate_secret(integration=i))
            for i in queryset
        ]
        return credentials_page(request, rows, request.get_full_path())

    @admin.action(description="Rotate the API token (the old one stops working)")
    def rotate_token(self, request: HttpRequest, queryset: QuerySet[Integration]) -> HttpResponse:
        rows = [
            Issued(i.name, "API token", services.integration_rotate_token(integration=i))
            for i in queryset.select_related("service_user")
        ]
        return credentials_page(request, rows, request.get_full_path())


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["integration", "url", "events", "active"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            destinations.check_url(url)
        except destinations.RefusedDestination as exc:
            raise forms.ValidationError(str(exc)) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "integration", "events", "active", "created_at"]
    list_filter = ["active", "integration"]
    actions = ["rotate_secret"]

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        if change:
            services.endpoint_update(
                endpoint=obj, url=data["url"], events=data["events"], active=data["active"]
            )
            return
        made = services.endpoint_create(
            integration=data["integration"],
            url=data["url"],
            events=data["events"],
            active=data["active"],
        )
        obj.pk, obj.secret, obj.created_at = made.pk, made.secret, made.created_at
        _issued_on_save(request, [Issued(made.url, "signing secret", made.secret)])

    def response_add(self, request: HttpRequest, obj: WebhookEndpoint, *args: Any) -> HttpResponse:
        rows = getattr(request, ISSUED, None)
        if rows is None:
            return super().response_add(request, obj, *args)
        return credentials_page(
            request, rows, reverse("admin:integrations_webhookendpoint_changelist")
        )

    @admin.action(description="Rotate the signing secret (the old one stops working)")
    def rotate_secret(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> HttpResponse:
        rows = [
            Issued(e.url, "signing secret", services.endpoint_rotate_secret(endpoint=e))
            for e in queryset
        ]
        return credentials_page(request, rows, request.get_full_path())


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "endpoint",
        "integration",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "endpoint__integration"]
    search_fields = ["uuid", "endpoint__url", "last_error"]
    list_select_related = ["endpoint__integration"]
    readonly_fields = [
        "uuid",
        "endpoint",
        "event",
        "payload",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a log: read, filter, retry

    @admin.display(description="Integration", ordering="endpoint__integration__name")
    def integration(self, obj: WebhookDelivery) -> str:
        return obj.endpoint.integration.name

    @admin.action(description="Retry now")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        queued = sum(services.delivery_retry_now(delivery=delivery) for delivery in queryset)
        skipped = queryset.count() - queued
        note = f" ({skipped} already delivered, left alone)" if skipped else ""
        messages.info(request, f"{queued} deliveries queued to be sent again{note}.")


class MailboxForm(forms.ModelForm):
    # Never sent back to the browser; left empty, the saved password stays.
    imap_password = forms.CharField(
        label="IMAP password",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Left empty, the saved password is kept.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "slug",
            "team",
            "address",
            "active",
            "imap_enabled",
            "imap_host",
            "imap_port",
            "imap_ssl",
            "imap_username",
            "imap_password",
            "imap_folder",
        ]

    def clean_imap_password(self) -> str:
        return self.cleaned_data["imap_password"] or self.instance.imap_password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("imap_enabled") and not (data.get("imap_host") and data.get("imap_username")):
            raise forms.ValidationError("Polling over IMAP needs a host and a username.")
        return data


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "address", "team", "active", "imap_enabled", "last_polled_at"]
    list_filter = ["active", "imap_enabled", "team"]
    search_fields = ["name", "address"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["inbound_url", "last_polled_at", "last_poll_error", "created_at"]
    actions = ["rotate_secret", "poll_now"]

    @admin.display(description="Inbound endpoint")
    def inbound_url(self, obj: Mailbox) -> str:
        if not obj.slug:
            return "-"
        return settings.VIGIL_PUBLIC_URL + reverse("integrations:mail_inbound", args=[obj.slug])

    def save_model(self, request: HttpRequest, obj: Mailbox, form: Any, change: bool) -> None:
        if change:
            obj.save()
            return
        services.mailbox_create(mailbox=obj)
        _issued_on_save(request, [Issued(obj.name, "signing secret", obj.secret)])

    def response_add(self, request: HttpRequest, obj: Mailbox, *args: Any) -> HttpResponse:
        rows = getattr(request, ISSUED, None)
        if rows is None:
            return super().response_add(request, obj, *args)
        return credentials_page(request, rows, reverse("admin:integrations_mailbox_changelist"))

    @admin.action(description="Rotate the signing secret (the old one stops working)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> HttpResponse:
        rows = [
            Issued(m.name, "signing secret", services.mailbox_rotate_secret(mailbox=m))
            for m in queryset
        ]
        return credentials_page(request, rows, request.get_full_path())

    @admin.action(description="Fetch new mail over IMAP now")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset.filter(imap_enabled=True):
            try:
                result = imap.mailbox_poll(mailbox=mailbox)
            except imap.PollError as exc:
                self.message_user(request, f"{mailbox}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{mailbox}: {result.fetched} fetched, {result.created} new, "
                f"{result.ignored} automatic, {result.refused} refused.",
            )
