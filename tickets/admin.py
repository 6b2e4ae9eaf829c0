from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from tickets import services
from tickets.models import Customer, Macro, Message, Notification, Team, Ticket, TicketEvent


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "assign_on_reply"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    search_fields = ["name"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "created_at"]
    search_fields = ["name", "email"]


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "kind", "internal", "author_name", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "team", "status", "priority", "assignee", "last_message_at"]
    list_filter = ["status", "priority", "team"]
    search_fields = ["subject", "customer__email", "customer__name"]
    raw_id_fields = ["customer", "assignee"]
    readonly_fields = ["public_id", "created_at", "updated_at", "last_message_at"]
    inlines = [MessageInline]


class MacroAdminForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = [
            "name",
            "body",
            "team",
            "owner",
            "set_status",
            "set_priority",
            "add_tags",
            "copilot_offers",
        ]

    def clean_add_tags(self) -> list[str]:
        # The same tags a ticket would take: lower case, dashes, at most ten.
        try:
            return services.normalise_tags(self.cleaned_data["add_tags"])
        except services.TicketError as exc:
            raise forms.ValidationError(str(exc)) from exc


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Team macros are managed here (and on the console's Macros page by admins)."""

    form = MacroAdminForm
    list_display = [
        "name",
        "team",
        "owner",
        "set_status",
        "set_priority",
        "copilot_offers",
        "updated_at",
    ]
    list_filter = ["team", "copilot_offers"]
    search_fields = ["name", "body"]
    raw_id_fields = ["owner"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What each user was told: to see why someone was (or was not) notified. Notifications are
    made by the console, not here."""

    list_display = ["created_at", "user", "kind", "ticket", "actor_name", "read_at", "emailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "actor_name", "excerpt", "=ticket__id"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "ticket", "message"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "actor_name", "old_value", "new_value", "created_at"]
    list_filter = ["kind"]


class TeamMembershipInline(admin.TabularInline):
    model = Team.members.through
    extra = 0
    verbose_name = "team membership"
    verbose_name_plural = "Teams (an analyst sees only these teams' tickets)"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class VigilUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, TeamMembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "roles"]

    @admin.display(description="Roles (groups)")
    def roles(self, obj: object) -> str:
        return ", ".join(g.name for g in obj.groups.all())  # type: ignore[attr-defined]


admin.site.site_header = "Vigil administration"
admin.site.site_title = "Vigil admin"
