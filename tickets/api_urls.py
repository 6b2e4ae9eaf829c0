from django.urls import path

from tickets import apis, attachment_apis, customer_apis, macro_apis

app_name = "tickets"

urlpatterns = [
    path("", apis.TicketListApi.as_view(), name="list"),
    path("create/", apis.TicketCreateApi.as_view(), name="create"),
    path("bulk/", apis.TicketBulkApi.as_view(), name="bulk"),
    path("<api_id:ticket_id>/", apis.TicketDetailApi.as_view(), name="detail"),
    path("<api_id:ticket_id>/update/", apis.TicketUpdateApi.as_view(), name="update"),
    path("<api_id:ticket_id>/messages/", apis.MessageListApi.as_view(), name="messages"),
    path(
        "<api_id:ticket_id>/messages/create/",
        apis.MessageCreateApi.as_view(),
        name="message_create",
    ),
    path("<api_id:ticket_id>/merge/", customer_apis.TicketMergeApi.as_view(), name="merge"),
    path(
        "<api_id:ticket_id>/ratings/", customer_apis.TicketRatingListApi.as_view(), name="ratings"
    ),
    path("<api_id:ticket_id>/macros/", macro_apis.TicketMacroListApi.as_view(), name="macros"),
    path(
        "<api_id:ticket_id>/attachments/",
        attachment_apis.AttachmentListApi.as_view(),
        name="attachments",
    ),
    path(
        "<api_id:ticket_id>/attachments/<api_id:attachment_id>/",
        attachment_apis.AttachmentDownloadApi.as_view(),
        name="attachment",
    ),
]
