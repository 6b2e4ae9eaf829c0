"""REST API for the requesting user's notifications: list, unread count, mark read, and the
email digest setting. Only their own, on tickets they may read (the same selector as the
console): another user's notification, or one on a ticket that left their teams, is a 404."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.api import PAGE_PARAMETERS, ApiRequest, BaseApi, paginated, paginated_response
from tickets import notification_selectors, notification_services
from tickets.models import Notification


class NotificationSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Notification"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    summary = serializers.CharField(
        help_text='What happened, e.g. "Sam Okafor assigned #12 to you".'
    )
    ticket = serializers.IntegerField(source="ticket_id")
    ticket_subject = serializers.CharField(source="ticket.subject")
    message = serializers.IntegerField(source="message_id", allow_null=True)
    actor_name = serializers.CharField()
    excerpt = serializers.CharField(help_text="The start of the message it is about, or empty.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


UnreadCount = inline_serializer("NotificationUnreadCount", {"unread": serializers.IntegerField()})
Marked = inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()})


class Filters(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class NotificationListApi(BaseApi):
    @extend_schema(
        operation_id="notifications_list",
        description="Your notifications, newest first; `unread=true` for the unread only.",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread (true)."),
        ],
        responses=paginated(NotificationSerializer, "NotificationPage"),
    )
    def get(self, request: ApiRequest) -> Response:
        filters = Filters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        found = notification_selectors.notifications_for_user(request.user)
        unread = filters.validated_data["unread"]
        if unread is not None:
            found = found.filter(read_at__isnull=unread)
        return paginated_response(
            request=request, view=self, queryset=found, serializer_class=NotificationSerializer
        )


class NotificationUnreadCountApi(BaseApi):
    @extend_schema(operation_id="notifications_unread_count", responses=UnreadCount)
    def get(self, request: ApiRequest) -> Response:
        return Response({"unread": notification_selectors.unread_count(request.user)})


class NotificationReadApi(BaseApi):
    @extend_schema(
        operation_id="notifications_read",
        description="Mark one notification read (one already read stays as it was).",
        request=None,
        responses=NotificationSerializer,
    )
    def post(self, request: ApiRequest, notification_id: int) -> Response:
        found = notification_selectors.notification_get_for_user(request.user, notification_id)
        if found is None:
            raise NotFound(f"You have no notification #{notification_id}.")
        notification_services.notification_mark_read(notification=found)
        return Response(NotificationSerializer(found).data)


class NotificationReadAllApi(BaseApi):
    @extend_schema(
        operation_id="notifications_read_all",
        description="Mark all your unread notifications read; answers how many were.",
        request=None,
        responses=Marked,
    )
    def post(self, request: ApiRequest) -> Response:
        marked = notification_services.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked})


class SettingsSerializer(serializers.Serializer):
    class Meta:
        ref_name = "NotificationSettings"

    email_digest = serializers.BooleanField(
        help_text="Unread notifications emailed to you in one digest an hour."
    )


class NotificationSettingsApi(BaseApi):
    @extend_schema(operation_id="notifications_settings_retrieve", responses=SettingsSerializer)
    def get(self, request: ApiRequest) -> Response:
        found = notification_selectors.settings_for_user(request.user)
        return Response(SettingsSerializer(found).data)

    @extend_schema(
        operation_id="notifications_settings_update",
        description="Turn the email digest on or off. On needs an email address on your account.",
        request=SettingsSerializer,
        responses=SettingsSerializer,
    )
    def post(self, request: ApiRequest) -> Response:
        serializer = SettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        on = serializer.validated_data["email_digest"]
        if on and not request.user.email:
            raise ValidationError(
                {"email_digest": ["Your account has no email address to send a digest to."]}
            )
        found = notification_services.notification_settings_update(
            user=request.user, email_digest=on
        )
        return Response(SettingsSerializer(found).data)
