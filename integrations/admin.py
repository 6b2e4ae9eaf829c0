"""Integrations are managed in the Django admin. Secrets and tokens are shown once, when made."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations import services
from integrations.models import Event, Integration, WebhookDelivery, WebhookEndpoint

ONCE = "Copy it now: it is not shown again."


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


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
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
        messages.warning(
            request,
            f"{obj.name}: signing secret {made.secret} and API token {made.token} "
            f"(user {obj.service_user.username}). Copy them now: they are not shown again.",
        )

    def delete_model(self, request: HttpRequest, obj: Integration) -> None:
        services.integration_delete(integration=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            services.integration_delete(integration=integration)

    @admin.action(description="Rotate the signing secret (the old one stops working)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            secret = services.integration_rotate_secret(integration=integration)
            messages.warning(request, f"{integration.name}: new signing secret {secret}. {ONCE}")

    @admin.action(description="Rotate the API token (the old one stops working)")
    def rotate_token(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset.select_related("service_user"):
            token = services.integration_rotate_token(integration=integration)
            messages.warning(request, f"{integration.name}: new API token {token}. {ONCE}")


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["integration", "url", "events", "active"]


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
        messages.warning(request, f"{made.url}: signing secret {made.secret}. {ONCE}")

    @admin.action(description="Rotate the signing secret (the old one stops working)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            secret = services.endpoint_rotate_secret(endpoint=endpoint)
            messages.warning(request, f"{endpoint.url}: new signing secret {secret}. {ONCE}")


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
