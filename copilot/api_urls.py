from django.urls import path

from copilot import apis

app_name = "copilot"

# Mounted under a ticket: every view receives ``ticket_id``.
urlpatterns = [
    path("", apis.SuggestionListApi.as_view(), name="suggestions"),
    path("<api_id:suggestion_id>/accept/", apis.SuggestionAcceptApi.as_view(), name="accept"),
    path("<api_id:suggestion_id>/dismiss/", apis.SuggestionDismissApi.as_view(), name="dismiss"),
]
